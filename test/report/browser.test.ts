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
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium as playwright } from 'playwright-core';
import { buildWithPandoc, chromiumArgs, findChromium, findExecutable } from '../../src/report/build.js';
import { makeFixtureWithData } from './fixture.js';

const browser = findChromium();
const missing = [!findExecutable('pandoc') && 'pandoc', !browser && 'chromium', !findExecutable('pdftoppm') && 'pdftoppm (poppler-utils)'].filter(Boolean);
const skip = missing.length ? `not installed: ${missing.join(', ')}` : false;
const artifacts = process.env.REPORT_ARTIFACTS ?? join(tmpdir(), 'eos-report-artifacts');

test('the built book renders every figure in Chromium without console errors, and prints to a PDF', { skip, timeout: 300_000 }, async (t) => {
  const f = makeFixtureWithData();
  const result = buildWithPandoc({ ...f, pdf: true });
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });

  const userDataDir = join(f.root, 'chromium-profile');
  // The same flags as the PDF printing; playwright adds its own --headless and --user-data-dir.
  const args = chromiumArgs(userDataDir).filter((a) => a !== '--headless' && !a.startsWith('--user-data-dir'));
  const instance = await playwright.launch({ executablePath: browser as string, args });
  try {
    const page = await instance.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`network request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(result.pages[0]).href);
    await page.waitForFunction(() => document.documentElement.dataset.figures !== undefined, undefined, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.figures), 'rendered');

    const figures = await page.$$eval('.vega-figure', (els) =>
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
    assert.equal(figures.length, 3, 'the three charts of the fixture notebook');
    figures.forEach((fig, i) => {
      assert.ok(fig.marks > 10 && fig.width > 100 && fig.height > 50, `chart ${i + 1} is drawn: ${JSON.stringify(fig)}`);
      assert.equal(fig.fallbackVisible, false, `chart ${i + 1}: static fallback hidden once drawn`);
    });
    // Static figures (the PNG of the diagonal-net chapter) are plain images inside their numbered container.
    assert.ok((await page.$$eval('.figure img', (imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length)) >= 1);
    assert.deepEqual(problems, []);

    await page.locator('#fig-sharpness').scrollIntoViewIfNeeded();
    const screenshot = join(artifacts, 'report-figure.png');
    await page.screenshot({ path: screenshot });
    assert.ok(statSync(screenshot).size > 10_000);
    t.diagnostic(`screenshot: ${screenshot}`);
  } finally {
    await instance.close();
  }

  assert.ok(result.pdf);
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [result.pdf], { encoding: 'utf8' }))?.[1]);
  assert.ok(pages >= 15, `the PDF has ${pages} pages`);
  execFileSync('pdftoppm', ['-r', '40', '-png', result.pdf, join(artifacts, 'page')]);
  const images = readdirSync(artifacts).filter((n) => n.startsWith('page') && n.endsWith('.png'));
  assert.equal(images.length, pages);
  for (const image of images) assert.ok(statSync(join(artifacts, image)).size > 1000, `${image} is not blank`);
  t.diagnostic(`PDF pages as images: ${artifacts}/page-*.png`);
});
