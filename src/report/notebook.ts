/**
 * Executed notebook (.ipynb) -> book chapter in Quarto markdown. Both renderers
 * (Quarto and the pandoc fallback) read the same generated markdown, so the
 * notebook's stored outputs appear identically in either:
 *  - Vega-Lite / Vega outputs become a container the page script renders with
 *    vega-embed (interactive), holding the static SVG/PNG of the same cell as
 *    fallback;
 *  - Quarto cell options in the code (`//| label: fig-x`, `//| fig-cap: ...`,
 *    `echo`, `output`) make the cell's outputs a numbered, cross-referenceable
 *    figure (`::: {#fig-x}`) exactly as Quarto does for executed cells;
 *  - code is folded under a "Code" disclosure (the `code-fold` of the book).
 */
import { z } from 'zod';
import { vegaContainer } from '../figures/html.js';

const Source = z.union([z.string(), z.array(z.string())]).transform((s) => (Array.isArray(s) ? s.join('') : s));
const MimeBundle = z.record(z.string(), z.unknown());
const Output = z.union([
  z.object({ output_type: z.literal('stream'), name: z.string(), text: Source }),
  z.object({ output_type: z.enum(['display_data', 'execute_result']), data: MimeBundle }).passthrough(),
  z.object({ output_type: z.literal('error'), ename: z.string(), evalue: z.string(), traceback: z.array(z.string()).default([]) }),
]);
type Output = z.infer<typeof Output>;
const Cell = z.object({ cell_type: z.string(), source: Source, outputs: z.array(Output).optional() }).passthrough();
const Notebook = z.object({ cells: z.array(Cell), metadata: z.record(z.string(), z.unknown()).default({}) }).passthrough();

const VEGA_LITE = /^application\/vnd\.vegalite\.v\d+\+json$/;
const VEGA = /^application\/vnd\.vega\.v\d+\+json$/;
const OPTION = /^\s*(?:\/\/|#)\|\s*([\w-]+)\s*:\s*(.*?)\s*$/;
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** `01-regime-transition` -> `sec-regime-transition`: the chapter's cross-reference id. */
export function chapterId(slug: string): string {
  return `sec-${slug.replace(/^\d+-/, '')}`;
}

/** `01-regime-transition` -> `Regime transition`: title when the notebook gives none. */
export function titleFromSlug(slug: string): string {
  const words = slug.replace(/^\d+-/, '').replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A fence longer than any backtick run in the content, so the content cannot close it. */
function fence(content: string): string {
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((m) => m.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function rawHtml(html: string): string {
  const f = fence(html);
  return `${f}{=html}\n${html}\n${f}`;
}

function codeBlock(text: string, classes: string): string {
  const body = text.replace(/\n$/, '');
  const f = fence(body);
  return `${f} {${classes}}\n${body}\n${f}`;
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function text(value: unknown): string {
  return Array.isArray(value) ? value.join('') : String(value);
}

function imageTag(bundle: Record<string, unknown>, alt: string): string | null {
  if (bundle['image/svg+xml'] !== undefined) return `<img alt="${escapeAttr(alt)}" src="data:image/svg+xml;base64,${Buffer.from(text(bundle['image/svg+xml'])).toString('base64')}">`;
  for (const mime of ['image/png', 'image/jpeg']) {
    if (bundle[mime] !== undefined) return `<img alt="${escapeAttr(alt)}" src="data:${mime};base64,${text(bundle[mime]).replace(/\s/g, '')}">`;
  }
  return null;
}

interface Rendered {
  markdown: string;
  /** A chart (Vega output): its title, the caption it gets as a figure. */
  chart?: string;
  /** A Vega output still without a static fallback (a following image output may supply it). */
  vega?: { spec: unknown; mode: 'vega-lite' | 'vega' };
  /** An output that is only a static image. */
  imageOnly?: string;
}

/** The title of a Vega / Vega-Lite spec (`title` as text or as `{text}`), '' when it has none. */
function specTitle(spec: unknown): string {
  const parsed: unknown = typeof spec === 'string' ? JSON.parse(spec) : spec;
  const title = parsed && typeof parsed === 'object' ? (parsed as { title?: unknown }).title : undefined;
  const textOf = (t: unknown): string => (Array.isArray(t) ? t.join(' ') : typeof t === 'string' ? t : '');
  return title && typeof title === 'object' && !Array.isArray(title) ? textOf((title as { text?: unknown }).text) : textOf(title);
}

function renderBundle(bundle: Record<string, unknown>, alt: string): Rendered {
  const mimes = Object.keys(bundle);
  const vl = mimes.find((m) => VEGA_LITE.test(m));
  const vg = mimes.find((m) => VEGA.test(m));
  const image = imageTag(bundle, alt);
  if (vl || vg) {
    const mode = vl ? 'vega-lite' : 'vega';
    const spec = bundle[(vl ?? vg) as string];
    return { markdown: rawHtml(vegaContainer(spec, mode, image)), chart: specTitle(spec), vega: image ? undefined : { spec, mode } };
  }
  if (bundle['text/html'] !== undefined) return { markdown: rawHtml(text(bundle['text/html'])) };
  if (image) return { markdown: rawHtml(image), imageOnly: image };
  if (bundle['text/markdown'] !== undefined) return { markdown: text(bundle['text/markdown']) };
  if (bundle['text/plain'] !== undefined) return { markdown: codeBlock(text(bundle['text/plain']), '.cell-output') };
  return { markdown: '' };
}

function renderOutputs(outputs: Output[], alt: string): Rendered[] {
  const out: Rendered[] = [];
  for (const o of outputs) {
    if (o.output_type === 'stream') {
      out.push({ markdown: codeBlock(o.text.replace(ANSI, ''), `.cell-output .cell-output-${o.name}`) });
    } else if (o.output_type === 'error') {
      out.push({ markdown: codeBlock([`${o.ename}: ${o.evalue}`, ...o.traceback].join('\n').replace(ANSI, ''), '.cell-output .cell-output-error') });
    } else {
      const r = renderBundle(o.data, alt);
      const previous = out[out.length - 1];
      // A static image emitted right after its Vega chart is that chart's fallback, not a second figure.
      if (r.imageOnly && previous?.vega) {
        out[out.length - 1] = { markdown: rawHtml(vegaContainer(previous.vega.spec, previous.vega.mode, r.imageOnly)), chart: previous.chart };
      } else {
        out.push(r);
      }
    }
  }
  return out.filter((r) => r.markdown.length > 0);
}

/** Quarto cell options at the top of a code cell, and the code without them. */
export function cellOptions(source: string): { options: Record<string, string>; code: string } {
  const lines = source.split('\n');
  const options: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const m = OPTION.exec(lines[i]);
    if (!m) break;
    options[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return { options, code: lines.slice(i).join('\n').trim() };
}

interface TitleState {
  /** Cross-reference id given to the chapter heading when it has no attributes. */
  id: string;
  title: string | null;
  /** Content came before any level-1 heading: the chapter title is then derived from the file name. */
  preamble: boolean;
}

const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s/;

/**
 * A notebook's Markdown cell for the book: the first ATX level-1 heading gets
 * the chapter id when it opens the notebook (it is then the chapter title) and
 * every other one is demoted; and since Jupyter's CommonMark lets a list start
 * right under a paragraph while pandoc's Markdown (Quarto's too) needs a blank
 * line, one is inserted there. Code fences are left alone.
 */
function bookMarkdown(markdown: string, state: TitleState): string {
  let inFence: string | null = null;
  let previous = '';
  const out: string[] = [];
  for (const line of markdown.split('\n')) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (inFence === null) inFence = f[1];
      else if (f[1].startsWith(inFence)) inFence = null;
      out.push(line);
    } else if (inFence !== null || !/^#\s/.test(line)) {
      if (line.trim() && state.title === null) state.preamble = true;
      if (inFence === null && LIST_ITEM.test(line) && previous.trim() && !LIST_ITEM.test(previous) && !/^\s/.test(previous)) out.push('');
      out.push(line);
    } else if (state.title !== null || state.preamble) {
      out.push(`#${line}`);
    } else {
      // The book numbers its chapters: a notebook's own number ("01 — ...") is dropped.
      const heading = line.replace(/^#\s+/, '').replace(/^\d+\s*[—–-]\s+/, '').trim();
      state.title = heading.replace(/\s*\{[^}]*\}$/, '');
      out.push(/\{[^}]*\}$/.test(heading) ? `# ${heading}` : `# ${heading} {#${state.id}}`);
    }
    previous = line;
  }
  return out.join('\n');
}

export interface ChapterMarkdown {
  markdown: string;
  title: string;
  /** Whether any code cell has stored outputs. */
  executed: boolean;
}

/** A Quarto figure div: the content, then the caption as its last paragraph. */
function figure(label: string, content: string, caption: string): string {
  return `::: {#${label}}\n\n${content}\n\n${caption}\n\n:::`;
}

/** The chapter of an executed notebook; `slug` is its file name without `.ipynb`. */
export function notebookToMarkdown(raw: unknown, slug: string): ChapterMarkdown {
  const nb = Notebook.parse(raw);
  const state: TitleState = { id: chapterId(slug), title: null, preamble: false };
  const parts: string[] = [];
  let executed = false;
  let charts = 0;
  for (const cell of nb.cells) {
    if (cell.cell_type === 'markdown') {
      parts.push(bookMarkdown(cell.source, state));
      continue;
    }
    if (cell.cell_type !== 'code') continue;
    const { options, code } = cellOptions(cell.source);
    const outputs = options.output === 'false' ? [] : (cell.outputs ?? []);
    executed ||= (cell.outputs ?? []).length > 0;
    const blocks: string[] = [];
    if (options.echo !== 'false' && code.length > 0) {
      blocks.push(rawHtml('<details class="code-fold">\n<summary>Code</summary>'), codeBlock(code, '.typescript'), rawHtml('</details>'));
    }
    const caption = options['fig-cap'] ?? options['tbl-cap'] ?? '';
    const rendered = renderOutputs(outputs, caption);
    const label = options.label;
    if (label && /^(fig|tbl)-/.test(label) && rendered.length > 0) {
      blocks.push(figure(label, rendered.map((r) => r.markdown).join('\n\n'), caption));
    } else {
      // A chart without a label is still a numbered figure, captioned with its title (in both renderers).
      blocks.push(...rendered.map((r) => (r.chart === undefined ? r.markdown : figure(`fig-${state.id.replace(/^sec-/, '')}-${++charts}`, r.markdown, r.chart))));
    }
    if (blocks.length > 0) {
      parts.push(`::: {.cell}\n\n${blocks.join('\n\n')}\n\n:::`);
      if (state.title === null) state.preamble = true;
    }
  }
  const body = parts.join('\n\n');
  if (state.title !== null) return { markdown: `${body}\n`, title: state.title, executed };
  const title = titleFromSlug(slug);
  return { markdown: `# ${title} {#${state.id}}\n\n${body}\n`, title, executed };
}
