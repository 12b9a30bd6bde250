// Renders every Vega / Vega-Lite figure of the page with vega-embed. The page
// includes this script once (the pandoc book) or once per chart (a notebook's
// HTML rendering, as Quarto shows it); it runs once per page, loads Vega,
// Vega-Lite and vega-embed from its own folder (no network) and draws the
// charts once the page is parsed. While a chart renders, or if it cannot, its
// static image (if any) stays visible. <html data-figures> tells printers and
// tests when all charts are done: "rendered", or "failed" if any failed.
(function () {
  if (window.eosFigures) return;
  window.eosFigures = true;
  var here = document.currentScript.src;
  var builds = ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js'];

  function load(name) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = new URL(name, here).href;
      s.onload = resolve;
      s.onerror = function () {
        reject(new Error(name + ' is missing next to figures.js'));
      };
      document.head.appendChild(s);
    });
  }

  async function render(container) {
    const spec = JSON.parse(container.querySelector('script.vega-spec').textContent);
    const target = container.querySelector('.vega-target');
    await vegaEmbed(target, spec, {
      mode: container.dataset.vegaMode,
      renderer: 'svg',
      // Export works offline; the editor and source views would open external pages.
      actions: { export: true, source: false, compiled: false, editor: false },
    });
    container.classList.add('vega-rendered');
  }

  async function renderAll() {
    try {
      // In order: Vega-Lite and vega-embed need Vega.
      for (const name of builds) await load(name);
    } catch (err) {
      document.documentElement.dataset.figures = 'failed';
      console.error('figures show their static fallback:', err.message);
      return;
    }
    const containers = Array.from(document.querySelectorAll('.vega-figure'));
    const results = await Promise.allSettled(containers.map(render));
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        containers[i].classList.add('vega-failed');
        console.error('figure ' + (i + 1) + ' could not be rendered:', r.reason);
      }
    });
    document.documentElement.dataset.figures = results.every((r) => r.status === 'fulfilled') ? 'rendered' : 'failed';
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', renderAll);
  else renderAll();
})();
