import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellOptions, chapterId, notebookToMarkdown, titleFromSlug } from '../../src/report/notebook.js';
import { vegaContainer } from '../../src/figures/html.js';
import { FIXTURE_NOTEBOOKS } from './fixture.js';

const nb = (cells: unknown[]) => ({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });
const code = (source: string, outputs: unknown[] = []) => ({ cell_type: 'code', source, outputs, metadata: {} });
const md = (source: string) => ({ cell_type: 'markdown', source, metadata: {} });

test('slugs give chapter ids and titles', () => {
  assert.equal(chapterId('01-regime-transition'), 'sec-regime-transition');
  assert.equal(titleFromSlug('05-diagonal-net'), 'Diagonal net');
});

test('Quarto cell options are read and removed from the code', () => {
  const { options, code: body } = cellOptions('//| label: fig-a\n#| fig-cap: "A caption: with colon"\n//| echo: false\nconst x = 1;\n//| not an option any more');
  assert.deepEqual(options, { label: 'fig-a', 'fig-cap': 'A caption: with colon', echo: 'false' });
  assert.equal(body, 'const x = 1;\n//| not an option any more');
});

test('an executed notebook becomes a chapter with its title, numbered figures and interactive charts', () => {
  const chapter = notebookToMarkdown(FIXTURE_NOTEBOOKS['01-regime-transition'], '01-regime-transition');
  assert.equal(chapter.title, 'The regime transition');
  assert.ok(chapter.executed);
  const m = chapter.markdown;
  assert.match(m, /^# The regime transition \{#sec-regime-transition\}$/m);
  // Labelled cells: a Quarto figure div with the caption as its last paragraph.
  assert.match(m, /::: \{#fig-sharpness\}[\s\S]*class="vega-figure" data-vega-mode="vega-lite"[\s\S]*Final sharpness against the learning rate\.\n\n:::/);
  // The SVG emitted after the chart is its fallback, not a second figure.
  const sharpnessFigure = m.slice(m.indexOf('{#fig-sharpness}'), m.indexOf('{#fig-norm}'));
  assert.equal(sharpnessFigure.match(/vega-fallback/g)?.length, 1);
  assert.equal(sharpnessFigure.match(/<img /g)?.length, 1);
  // echo: false hides the code of fig-norm; other code is folded.
  const normCell = m.slice(m.indexOf('{#fig-norm}') - 200, m.indexOf('{#fig-norm}'));
  assert.doesNotMatch(normCell, /normFigure/);
  assert.match(m, /<details class="code-fold">[\s\S]*sharpnessFigure\(data\)/);
  assert.doesNotMatch(m, /\/\/\| label/);
  // Streams keep their text; a chart without a label is a numbered figure captioned with its title.
  assert.match(m, /\{\.cell-output \.cell-output-stdout\}\nsummary: 12 rates, 2 diverged\n/);
  assert.equal(m.match(/class="vega-figure"/g)?.length, 3);
  assert.equal(m.match(/::: \{#fig-/g)?.length, 3);
  assert.match(m, /::: \{#fig-regime-transition-1\}[\s\S]*?"title":"trajectory"[\s\S]*?\n\ntrajectory\n\n:::/);
});

test('content before the first heading: the title comes from the file name and later headings are demoted', () => {
  const chapter = notebookToMarkdown(FIXTURE_NOTEBOOKS['05-diagonal-net'], '05-diagonal-net');
  assert.equal(chapter.title, 'Diagonal net');
  assert.match(chapter.markdown, /^# Diagonal net \{#sec-diagonal-net\}\n/);
  assert.match(chapter.markdown, /^## Section that is not the title$/m);
  assert.match(chapter.markdown, /<img alt="A static PNG figure\." src="data:image\/png;base64,iVBOR/);
});

test("the notebook's own number leaves the chapter title; a chart's title object becomes its caption", () => {
  const chart = { output_type: 'display_data', metadata: {}, data: { 'application/vnd.vegalite.v5+json': { title: { text: 'Figure 9: norms', subtitle: 's' }, mark: 'point' }, 'image/svg+xml': '<svg/>', 'text/plain': 'Figure 9: norms' } };
  const chapter = notebookToMarkdown(nb([md('# 01 — Two regimes'), code("await nb.figure('fig9');", [chart])]), '01-regime-transition');
  assert.equal(chapter.title, 'Two regimes');
  assert.match(chapter.markdown, /^# Two regimes \{#sec-regime-transition\}$/m);
  assert.match(chapter.markdown, /::: \{#fig-regime-transition-1\}[\s\S]*vega-fallback[\s\S]*\n\nFigure 9: norms\n\n:::/);
  assert.equal(notebookToMarkdown(nb([md('# 02 - Thresholds {#sec-own}')]), 'x').markdown.split('\n')[0], '# Thresholds {#sec-own}');
});

test('a list right under a paragraph (CommonMark) gets the blank line pandoc needs', () => {
  const m = notebookToMarkdown(nb([md('# T\n\n**Claims**\n1. first\n2. second\n\nText\n- a\n  - b\n- c\n\n```\nx\n- not a list\n```')]), 'x').markdown;
  assert.match(m, /\*\*Claims\*\*\n\n1\. first\n2\. second\n/);
  assert.match(m, /Text\n\n- a\n  - b\n- c\n/);
  assert.match(m, /```\nx\n- not a list\n```/);
});

test('headings inside code fences are left alone, errors and markdown outputs are kept', () => {
  const chapter = notebookToMarkdown(
    nb([
      md('# Title\n\n```sh\n# not a heading\n```\n\n# Second'),
      code('throw new Error()', [{ output_type: 'error', ename: 'Error', evalue: 'boom', traceback: ['\u001b[31mat line 1\u001b[0m'] }]),
      code('md()', [{ output_type: 'execute_result', data: { 'text/markdown': '**bold** result' }, metadata: {} }]),
    ]),
    'x',
  );
  assert.match(chapter.markdown, /```sh\n# not a heading\n```/);
  assert.match(chapter.markdown, /^## Second$/m);
  assert.match(chapter.markdown, /Error: boom\nat line 1\n/);
  assert.match(chapter.markdown, /\*\*bold\*\* result/);
});

test('a notebook without outputs is reported as not executed', () => {
  const chapter = notebookToMarkdown(nb([md('# T'), code('const a = 1;')]), 'x');
  assert.equal(chapter.executed, false);
});

test('a spec cannot close its script element, and fences outgrow backticks in the content', () => {
  const html = vegaContainer({ title: '</script><b>x</b>' }, 'vega-lite', null);
  assert.equal(html.match(/<\/script>/g)?.length, 1);
  assert.match(html, /\\u003c\/script>/);
  const chapter = notebookToMarkdown(nb([code('x', [{ output_type: 'stream', name: 'stdout', text: 'a ``` b' }])]), 'x');
  assert.match(chapter.markdown, /````\s*\{\.cell-output \.cell-output-stdout\}\na ``` b\n````/);
});
