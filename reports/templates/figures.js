// Renders every Vega / Vega-Lite figure of the page with vega-embed (scripts
// served next to the page, no network). While a chart renders, or if it cannot,
// the notebook's static image stays visible. <html data-figures> tells printers
// and tests when all charts are done: "rendered", or "failed" if any failed.
(function () {
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

  if (typeof vegaEmbed !== 'function') {
    document.documentElement.dataset.figures = 'failed';
    console.error('vega-embed is not loaded: figures show their static fallback');
    return;
  }
  renderAll();
})();
