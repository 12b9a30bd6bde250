/**
 * The pandoc rendering of the book on the synthetic fixture, and on the
 * repository's own committed data. Needs pandoc (CI installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FIGURE_SCRIPT } from '../../src/figures/html.js';
import { NOTEBOOKS } from '../../src/figures/registry.js';
import { TABLE1 } from '../../src/sweep/table1.js';
import { buildWithPandoc, findExecutable, readBook, resolveIncludes } from '../../src/report/build.js';
import { defaultPrepareOptions } from '../../src/report/prepare.js';
import { REPO_ROOT } from '../../src/util/paths.js';
import { copyBookSources, FIXTURE_EXPERIMENTS, makeFixtureWithData, syntheticStore } from './fixture.js';

const skip = findExecutable('pandoc') ? false : 'pandoc is not installed (Debian: apt-get install pandoc)';

const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&nbsp;|\s+/g, ' ');

test('the root _quarto.yml: the notebooks themselves as the Experiments part, appendix I and provenance as appendices, one render list', () => {
  const book = readBook(copyBookSources(mkdtempSync(join(tmpdir(), 'eos-book-'))));
  const notebooks = NOTEBOOKS.map((n) => `notebooks/${n}.ipynb`);
  assert.deepEqual(
    book.chapters.map((c) => c.file),
    ['index.qmd', 'reports/methods.qmd', ...notebooks, 'reports/claims.qmd', 'reports/benchmark.qmd', 'reports/appendix-i.qmd', 'reports/provenance.qmd'],
  );
  assert.deepEqual(book.chapters.filter((c) => c.part === 'Experiments').map((c) => c.file), notebooks);
  assert.deepEqual(book.chapters.filter((c) => c.appendix).map((c) => c.file), ['reports/appendix-i.qmd', 'reports/provenance.qmd']);
  assert.ok(book.css.includes('reports/templates/book.css'));
  const yaml = parseYaml(readFileSync(join(REPO_ROOT, '_quarto.yml'), 'utf8')) as { project: { render: string[]; 'pre-render': string; resources: string[] } };
  assert.deepEqual(yaml.project.render, book.chapters.map((c) => c.file), 'Quarto renders exactly the chapters (not the READMEs)');
  assert.equal(yaml.project['pre-render'], 'node --import tsx src/report/cli.ts prepare');
  assert.deepEqual(yaml.project.resources, [`${dirname(FIGURE_SCRIPT)}/*`], 'the figure scripts are served with the pages');
  assert.ok(!existsSync(join(REPO_ROOT, 'reports', '_quarto.yml')), 'one Quarto configuration');
});

test('includes resolve relative to the including file; cycles and missing files are errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eos-include-'));
  writeFileSync(join(dir, 'a.qmd'), '---\ntitle: x\n---\n# A\n\n{{< include parts/b.md >}}\n');
  writeFileSync(join(dir, 'parts-b.md'), '');
  assert.throws(() => resolveIncludes(join(dir, 'a.qmd')), /includes .*parts\/b\.md, which does not exist/);
  writeFileSync(join(dir, 'c.qmd'), '{{< include d.qmd >}}\n');
  writeFileSync(join(dir, 'd.qmd'), '{{< include c.qmd >}}\n');
  assert.throws(() => resolveIncludes(join(dir, 'c.qmd')), /include cycle/);
  writeFileSync(join(dir, 'e.qmd'), '---\ntitle: x\n---\n# E\n\n{{< include f.md >}}\n');
  writeFileSync(join(dir, 'f.md'), 'included text\n');
  assert.equal(resolveIncludes(join(dir, 'e.qmd')), '# E\n\nincluded text\n\n');
});

test('the fixture book renders to one page with numbered, cross-referenced chapters, figures and tables', { skip }, async () => {
  const f = await makeFixtureWithData();
  const result = await buildWithPandoc({ ...f, pdf: false });
  assert.equal(result.renderer, 'pandoc');
  const html = readFileSync(result.pages[0], 'utf8');
  const plain = text(html);

  // Table of contents and every chapter, numbered as in a Quarto book (index unnumbered, provenance an appendix).
  assert.match(html, /<nav id="TOC" role="doc-toc">/);
  for (const heading of ['Overview', '1 Methods', '2 The regime transition', '3 Loss thresholds', '6 Diagonal net', '8 Claims checklist', '9 Benchmark', 'A Table 1 row by row', 'B Provenance']) {
    assert.ok(plain.includes(heading), `heading "${heading}"`);
  }
  assert.ok(plain.includes('1.2 Deviations from the paper'), 'sections are numbered within their chapter');
  // Figures of the executed notebook, numbered per chapter and referenced from the text.
  assert.match(html, /<div id="fig-sharpness" class="figure">[\s\S]*?class="vega-figure"[\s\S]*?Figure 2\.1:/);
  assert.match(html, /see <a href="#fig-sharpness" class="quarto-xref">Figure 2\.1<\/a>/);
  assert.match(html, /<a href="#fig-norm" class="quarto-xref">Figure 2\.2<\/a>/);
  assert.match(html, /<a href="#fig-diag" class="quarto-xref">Figure 6\.1<\/a>|Figure 6\.1:/);
  // Tables: the claims checklist and the overview table, referenced across chapters.
  assert.match(html, /id="tbl-claims"/);
  assert.match(plain, /Table 8\.1: Verdicts on the paper(’|')s claims per chapter/);
  assert.match(html, /<a href="#tbl-experiments" class="quarto-xref">Table 1<\/a>/);
  assert.match(html, /<a href="#sec-claims" class="quarto-xref">Chapter 8<\/a>/);
  assert.doesNotMatch(plain, /\?\?[a-z]+-/, 'no unresolved cross-reference');
  // Generated content: claims with verdicts from the synthetic data, not-run chapters, the benchmark, provenance.
  // The checklist of the paper's claims first, then the measured checks per chapter.
  assert.match(html, /<h2[^>]*><span class="header-section-number">8\.1<\/span> The paper(’|')s claims<\/h2>/);
  assert.match(html, /<h3[^>]*><span class="header-section-number">8\.1\.1<\/span> Abstract<\/h3>/);
  assert.match(html, /<h3[^>]*><span class="header-section-number">8\.2\.1<\/span> The regime transition \(<a href="#sec-regime-transition" class="quarto-xref">Chapter 2<\/a>\)<\/h3>/);
  assert.match(plain, /Below η_c = 2\/s_GF the final sharpness and norm stay at their gradient-flow values/);
  assert.match(plain, /✓ holds/);
  assert.match(plain, /no profile has run this experiment/);
  assert.match(plain, /notebooks\/02-loss-thresholds\.ipynb does not exist yet/);
  assert.match(plain, /fixture run/);
  assert.match(plain, /Compute time per experiment/);
  assert.match(plain, /FINDINGS\.md .* does not exist yet/);
  // Appendix I: a section per Table 1 row in the paper's order; row 4's figure from the (synthetic) committed paper results.
  assert.deepEqual([...html.matchAll(/<section id="sec-table1-row-(\d+)"/g)].map((m) => Number(m[1])), TABLE1.map((r) => r.row));
  assert.match(plain, /A\.4 Row 4: FCN-ReLU, MNIST-5k, MSE, ε = 0\.1/);
  assert.match(html, /<div id="fig-table1-row-4" class="figure">[\s\S]*?class="vega-figure"[\s\S]*?Figure A\.1:/);
  assert.match(plain, /Figure 53 \(Table 1 row 4\): .* \(paper profile\)/);
  assert.equal(html.match(/class="vega-figure"/g)?.length, 4, 'three notebook charts and one appendix figure');
  assert.match(plain, /Figure not drawn yet: fcn-relu-mnist5k-mse has not been run in profile .paper./);
  assert.match(plain, /paper.s U-shape ✓/);
  assert.match(plain, /smoke profile: done, \d+ GD runs at this goal/);
  assert.match(plain, /paper profile: done, \d+ GD runs at this goal/);
  // Offline: every script is local (the appendix's own, rebased from reports/ to the page), and the files it loads were copied next to the page.
  const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(scripts, [FIGURE_SCRIPT, FIGURE_SCRIPT]);
  for (const s of ['figures.js', 'vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js']) assert.ok(existsSync(join(f.outDir, dirname(FIGURE_SCRIPT), s)), s);
  for (const css of ['reports/templates/book.css', 'reports/templates/pandoc.css']) assert.ok(existsSync(join(f.outDir, css)), css);
  assert.doesNotMatch(html, /(src|href)="https?:/);
});

test('the repository book builds from its committed data without unresolved references, with all 48 rows of Table 1', { skip }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'eos-book-real-'));
  const projectDir = copyBookSources(join(root, 'book'));
  const outDir = join(root, '_site');
  const result = await buildWithPandoc({ ...defaultPrepareOptions(), projectDir, outDir, pdf: false });
  const html = readFileSync(result.pages[0], 'utf8');
  assert.doesNotMatch(text(html), /\?\?[a-z]+-/);
  assert.match(text(html), /8 Claims checklist/);
  assert.match(text(html), /A Table 1 row by row/);
  assert.match(text(html), /B Provenance/);
  assert.equal(html.match(/<section id="sec-table1-row-\d+"/g)?.length, 48);
});

test('npm run report -- data condenses a results folder; unknown commands are usage errors', () => {
  const root = mkdtempSync(join(tmpdir(), 'eos-report-cli-'));
  syntheticStore(join(root, 'results'));
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/report/cli.ts'), ...args], { encoding: 'utf8', cwd: REPO_ROOT });
  const data = cli('data', '--profile', 'smoke', '--results', join(root, 'results'), '--data', join(root, 'data'));
  assert.equal(data.status, 0, data.stderr);
  assert.match(data.stdout, /wrote .*fcn-relu-mnist5k-mse\.json/);
  assert.match(data.stdout, /not run \(no gradient-flow result\): .*logistic-two-point/);
  assert.equal(readdirSync(join(root, 'data', 'smoke')).length, FIXTURE_EXPERIMENTS.length + 2, 'one file per experiment, the verdicts and Table 1');
  const wrong = cli('publish');
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /unknown command 'publish'/);
});

test('crossref.lua: implicit figures, tables, sections, parts, appendices and callouts', { skip }, () => {
  const markdown = [
    '# Intro {.unnumbered}',
    'See @fig-a, @tbl-b, @sec-two, @sec-sub and @sec-app; also [@fig-a; @tbl-b].',
    '# Part {.part}',
    '# Two {#sec-two}',
    '## Sub {#sec-sub}',
    '![An image.](x.png){#fig-a}',
    '| a |\n|---|\n| 1 |\n\n: A table. {#tbl-b}',
    '::: {.callout-warning title="Careful"}\nbody\n:::',
    '# Appendices {.part .appendices}',
    '# App {#sec-app}',
    '![Second image.](y.png){#fig-c}',
    'Missing: @fig-none.',
  ].join('\n\n');
  const r = spawnSync('pandoc', ['--from=markdown', '--to=html5', '--wrap=none', `--lua-filter=${join(REPO_ROOT, 'reports/templates/crossref.lua')}`], { input: markdown, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const html = r.stdout;
  assert.match(html, /See <a href="#fig-a" class="quarto-xref">Figure 1\.1<\/a>, <a href="#tbl-b" class="quarto-xref">Table 1\.1<\/a>, <a href="#sec-two" class="quarto-xref">Chapter 1<\/a>, <a href="#sec-sub" class="quarto-xref">Section 1\.1<\/a> and <a href="#sec-app" class="quarto-xref">Appendix A<\/a>/);
  assert.match(html, /also <a href="#fig-a" class="quarto-xref">Figure 1\.1<\/a> and <a href="#tbl-b" class="quarto-xref">Table 1\.1<\/a>/);
  assert.match(html, /<img src="x.png" id="fig-a"[^>]*>\s*<figcaption[^>]*><strong>Figure 1\.1:<\/strong> An image\.<\/figcaption>/);
  assert.match(html, /<table id="tbl-b">\s*<caption><strong>Table 1\.1:<\/strong> A table\.<\/caption>/);
  assert.match(html, /<strong>Figure A\.1:<\/strong> Second image\./);
  assert.match(html, /<h1 class="part unnumbered" id="part">Part<\/h1>/);
  assert.match(html, /<div class="callout-warning callout">\s*<div class="callout-title">\s*Careful\s*<\/div>/);
  assert.match(html, /<strong>\?\?fig-none<\/strong>/);
  assert.match(r.stderr, /unresolved reference @fig-none/);
});
