/**
 * The rendered book in headless Chromium: every chart draws (a non-empty SVG in
 * each figure container, the static fallback hidden), no console errors, a
 * screenshot; and the PDF printed from it turns into page images. Needs pandoc,
 * Chromium and poppler's pdftoppm (CI installs them). Artifacts (screenshot,
 * PDF pages) are kept in $REPORT_ARTIFACTS, default <tmp>/eos-report-artifacts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium as playwright } from 'playwright-core';
import { buildWithPandoc, chromiumArgs, findChromium, findExecutable } from '../../src/report/build.js';
import { defaultPrepareOptions, prepare } from '../../src/report/prepare.js';
import { NOTEBOOKS } from '../../src/figures/registry.js';
import { VEGA_LITE_MIME } from '../../src/notebooks/display.js';
import { REPO_ROOT } from '../../src/util/paths.js';
import { copyBookSources, makeFixtureWithData } from './fixture.js';

const browser = findChromium();
const missing = [!findExecutable('pandoc') && 'pandoc', !browser && 'chromium', !findExecutable('pdftoppm') && 'pdftoppm (poppler-utils)'].filter(Boolean);
const skip = missing.length ? `not installed: ${missing.join(', ')}` : false;
const artifacts = process.env.REPORT_ARTIFACTS ?? join(tmpdir(), 'eos-report-artifacts');

/**
 * Opens a built page, waits for the charts and checks that each one is drawn,
 * that static figures load and that nothing logs an error or leaves the machine;
 * saves a screenshot scrolled to `anchor`. Returns the number of charts.
 */
async function inspectInChromium(page: string, userDataDir: string, screenshot: string, anchor: string): Promise<number> {
  // The flags of the PDF printing; playwright adds its own --headless and --user-data-dir.
  const args = chromiumArgs(userDataDir).filter((a) => a !== '--headless' && !a.startsWith('--user-data-dir'));
  const instance = await playwright.launch({ executablePath: browser as string, args });
  try {
    const tab = await instance.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    tab.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    tab.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`network request: ${r.url()}`);
    });
    await tab.goto(pathToFileURL(page).href);
    await tab.waitForFunction(() => document.documentElement.dataset.figures !== undefined, undefined, { timeout: 60_000 });
    assert.equal(await tab.evaluate(() => document.documentElement.dataset.figures), 'rendered');

    const figures = await tab.$$eval('.vega-figure', (els) =>
      els.map((el) => {
        const svg = el.querySelector('.vega-target svg');
        const box = svg?.getBoundingClientRect();
        const fallback = el.querySelector('.vega-fallback');
        return {
          marks: svg ? svg.querySelectorAll('path, rect, line, text').length : 0,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          fallbackVisible: fallback ? getComputedStyle(fallback).display !== 'none' : false,
        };
      }),
    );
    figures.forEach((fig, i) => {
      assert.ok(fig.marks > 10 && fig.width > 100 && fig.height > 50, `chart ${i + 1} is drawn: ${JSON.stringify(fig)}`);
      assert.equal(fig.fallbackVisible, false, `chart ${i + 1}: static fallback hidden once drawn`);
    });
    const broken = await tab.$$eval('img', (imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 0).map((i) => (i as HTMLImageElement).alt));
    assert.deepEqual(broken, [], 'every static figure loads');
    assert.deepEqual(problems, []);

    await tab.locator(anchor).first().scrollIntoViewIfNeeded();
    await tab.screenshot({ path: screenshot });
    assert.ok(statSync(screenshot).size > 10_000);
    return figures.length;
  } finally {
    await instance.close();
  }
}

test('the built book renders every figure in Chromium without console errors, and prints to a PDF', { skip, timeout: 300_000 }, async (t) => {
  const f = await makeFixtureWithData();
  const result = await buildWithPandoc({ ...f, pdf: true });
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });

  const figures = await inspectInChromium(result.pages[0], join(f.root, 'chromium-profile'), join(artifacts, 'report-figure.png'), '#fig-sharpness');
  assert.equal(figures, 4, 'the three charts of the fixture notebook and the appendix I figure of row 4');
  await inspectInChromium(result.pages[0], join(f.root, 'chromium-profile'), join(artifacts, 'report-appendix-i.png'), '#sec-table1-row-4');
  t.diagnostic(`screenshots: ${join(artifacts, 'report-figure.png')}, ${join(artifacts, 'report-appendix-i.png')}`);

  assert.ok(result.pdf);
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [result.pdf], { encoding: 'utf8' }))?.[1]);
  assert.ok(pages >= 15, `the PDF has ${pages} pages`);
  execFileSync('pdftoppm', ['-r', '40', '-png', result.pdf, join(artifacts, 'page')]);
  const images = readdirSync(artifacts).filter((n) => n.startsWith('page') && n.endsWith('.png'));
  assert.equal(images.length, pages);
  for (const image of images) assert.ok(statSync(join(artifacts, image)).size > 1000, `${image} is not blank`);
  t.diagnostic(`PDF pages as images: ${artifacts}/page-*.png`);
});

test('the repository book (committed data, executed notebooks) renders every figure without errors, appendix I included', { skip, timeout: 300_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'eos-book-real-'));
  const projectDir = copyBookSources(join(root, 'book'));
  const result = await buildWithPandoc({ ...defaultPrepareOptions(), projectDir, outDir: join(root, '_site'), pdf: false });
  mkdirSync(artifacts, { recursive: true });
  const charts = await inspectInChromium(result.pages[0], join(root, 'chromium-profile'), join(artifacts, 'repository-book.png'), '#sec-claims');
  const notebookCharts = NOTEBOOKS.map((n) => chartOutputs(n).length).reduce((a, b) => a + b, 0);
  assert.ok(charts > notebookCharts, `${charts} charts: every notebook chart (${notebookCharts}) and appendix I's`);
  await inspectInChromium(result.pages[0], join(root, 'chromium-profile'), join(artifacts, 'repository-appendix-i.png'), '#sec-appendix-i');
  t.diagnostic(`${charts} interactive charts; screenshots: ${join(artifacts, 'repository-book.png')}, ${join(artifacts, 'repository-appendix-i.png')}`);
});

/** The HTML renderings of a committed notebook's charts (what Quarto puts on the notebook's page). */
function chartOutputs(slug: string): string[] {
  const nb = JSON.parse(readFileSync(join(REPO_ROOT, 'notebooks', `${slug}.ipynb`), 'utf8')) as { cells: { outputs?: { data?: Record<string, string[]> }[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []).flatMap((o) => (o.data?.[VEGA_LITE_MIME] ? [o.data['text/html'].join('')] : []));
}

test("a notebook's stored HTML renderings draw every chart on a page where Quarto puts it, scripts from the book, no errors", { skip, timeout: 300_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'eos-book-notebook-'));
  const projectDir = copyBookSources(join(root, 'book'));
  await prepare({ ...defaultPrepareOptions(), projectDir });
  // Quarto keeps the source layout: notebooks/<slug>.ipynb becomes notebooks/<slug>.html next to the resources under reports/.
  const slug = '01-regime-transition';
  const charts = chartOutputs(slug);
  const page = join(projectDir, 'notebooks', `${slug}.html`);
  mkdirSync(dirname(page), { recursive: true });
  writeFileSync(page, `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="../reports/templates/book.css"></head><body>${charts.join('\n')}</body></html>`);
  mkdirSync(artifacts, { recursive: true });
  const drawn = await inspectInChromium(page, join(root, 'chromium-profile'), join(artifacts, 'notebook-html.png'), '.vega-figure');
  assert.equal(drawn, charts.length);
  t.diagnostic(`${drawn} charts of ${slug}; screenshot: ${join(artifacts, 'notebook-html.png')}`);
});
