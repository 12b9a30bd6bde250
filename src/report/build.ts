/**
 * Rendering the book, the Quarto project of the repository root (_quarto.yml).
 * With Quarto on PATH: `quarto render` (which runs the prepare step as its
 * pre-render script and renders the committed notebooks without executing
 * them). Without it: the same sources through pandoc into one page
 * (`<out>/index.html`) — chapters in the order of _quarto.yml, a notebook
 * chapter as the page prepare made of it (src/report/notebook.ts),
 * `{{< include >}}` resolved, relative script and image paths rebased from the
 * chapter's folder to the page's, Quarto's cross-references numbered by
 * reports/templates/crossref.lua — and its resources (figure scripts, CSS)
 * copied next to it. Either way a PDF is printed with headless Chromium from
 * the rendered HTML.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { FIGURE_SCRIPT } from '../figures/html.js';
import { notebookPage, prepare, TEMPLATES, type PrepareOptions } from './prepare.js';

export interface Book {
  title: string;
  subtitle: string | null;
  /** Chapter files (relative to the project) in reading order. */
  chapters: { file: string; part: string | null; appendix: boolean }[];
  /** Files the pages load (CSS, scripts), relative to the project; globs `dir/*` expanded. */
  resources: string[];
  css: string[];
}

interface QuartoYaml {
  project?: { resources?: string[] };
  book?: { title?: string; subtitle?: string; chapters?: (string | { part: string; chapters: string[] })[]; appendices?: string[] };
  format?: { html?: { css?: string | string[] } };
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function expand(projectDir: string, pattern: string): string[] {
  if (!pattern.endsWith('/*')) return [pattern];
  const dir = pattern.slice(0, -2);
  return existsSync(join(projectDir, dir)) ? readdirSync(join(projectDir, dir)).map((f) => `${dir}/${f}`) : [];
}

export function readBook(projectDir: string): Book {
  const file = join(projectDir, '_quarto.yml');
  const y = parseYaml(readFileSync(file, 'utf8')) as QuartoYaml;
  if (!y.book?.chapters?.length) throw new Error(`${file}: book.chapters is empty`);
  const chapters: Book['chapters'] = [];
  for (const c of y.book.chapters) {
    if (typeof c === 'string') chapters.push({ file: c, part: null, appendix: false });
    else c.chapters.forEach((f) => chapters.push({ file: f, part: c.part, appendix: false }));
  }
  for (const f of y.book.appendices ?? []) chapters.push({ file: f, part: null, appendix: true });
  const css = list(y.format?.html?.css);
  return {
    title: y.book.title ?? 'Report',
    subtitle: y.book.subtitle ?? null,
    chapters,
    css,
    resources: [...(y.project?.resources ?? []).flatMap((r) => expand(projectDir, r)), ...css],
  };
}

const INCLUDE = /^\{\{<\s*include\s+(\S+)\s*>\}\}[ \t]*$/gm;

/** A chapter's Markdown with Quarto's include shortcodes replaced by the files (recursively, relative to the including file). */
export function resolveIncludes(file: string, seen: string[] = []): string {
  if (seen.includes(file)) throw new Error(`include cycle: ${[...seen, file].join(' -> ')}`);
  if (!existsSync(file)) throw new Error(`${seen[seen.length - 1] ?? 'book'} includes ${file}, which does not exist (run the prepare step first)`);
  const text = readFileSync(file, 'utf8').replace(/^---\n[\s\S]*?\n---\n/, '');
  return text.replace(INCLUDE, (_, path: string) => resolveIncludes(resolve(dirname(file), path), [...seen, file]));
}

const RELATIVE_SRC = / src="(?![a-z][\w+.-]*:|\/|#)([^"]+)"/g;

/**
 * A chapter's text for the one page of the pandoc book: a notebook's page from
 * the prepare step, another chapter with its includes; `src` paths of its HTML,
 * relative to the chapter's folder, made relative to the project (the page).
 */
function chapterMarkdown(projectDir: string, file: string): string {
  const text = file.endsWith('.ipynb') ? resolveIncludes(notebookPage(projectDir, basename(file, '.ipynb'))) : resolveIncludes(join(projectDir, file));
  const dir = posix.dirname(file);
  return dir === '.' ? text : text.replace(RELATIVE_SRC, (_, path: string) => ` src="${posix.join(dir, path)}"`);
}

/** The whole book as one Markdown document: parts and the appendix group become unnumbered part headings. */
function combinedMarkdown(projectDir: string, book: Book): string {
  const out: string[] = [];
  let part: string | null = null;
  let appendix = false;
  for (const c of book.chapters) {
    if (c.appendix && !appendix) {
      appendix = true;
      out.push('# Appendices {.part .appendices}');
    } else if (c.part !== part && c.part !== null) {
      out.push(`# ${c.part} {.part}`);
    }
    part = c.part;
    out.push(chapterMarkdown(projectDir, c.file).trim());
  }
  return `${out.join('\n\n')}\n`;
}

export function findExecutable(name: string, candidates: string[] = []): string | null {
  for (const c of candidates) if (existsSync(c)) return c;
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

export function findChromium(): string | null {
  return process.env.CHROMIUM ?? findExecutable('chromium', ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']);
}

/** Flags for a headless Chromium that never reaches the network on its own. */
export function chromiumArgs(userDataDir: string): string[] {
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', `--user-data-dir=${userDataDir}`];
}

/** Print HTML pages to one PDF (pages printed in order, joined with pdfunite when there are several). */
function printPdf(htmlFiles: string[], pdf: string, chromium: string): void {
  const work = mkdtempSync(join(tmpdir(), 'eos-report-print-'));
  try {
    const parts = htmlFiles.map((html, i) => {
      const out = htmlFiles.length === 1 ? pdf : join(work, `${i}.pdf`);
      // The virtual-time budget lets the page's scripts draw every chart before printing.
      const r = spawnSync(chromium, [...chromiumArgs(join(work, 'profile')), '--no-pdf-header-footer', '--run-all-compositor-stages-before-draw', '--virtual-time-budget=30000', `--print-to-pdf=${out}`, pathToFileURL(html).href], {
        encoding: 'utf8',
        timeout: 180_000,
      });
      if (r.status !== 0 || !existsSync(out)) throw new Error(`chromium could not print ${html}: ${r.error?.message ?? r.stderr}`);
      return out;
    });
    if (parts.length > 1) execFileSync('pdfunite', [...parts, pdf]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface BuildOptions extends PrepareOptions {
  /** Output folder of the site (reports/_site). */
  outDir: string;
  pdf: boolean;
}

export interface BuildResult {
  renderer: 'quarto' | 'pandoc';
  /** Pages in reading order. */
  pages: string[];
  pdf: string | null;
}

export async function buildWithPandoc(opts: BuildOptions): Promise<BuildResult> {
  await prepare(opts);
  const book = readBook(opts.projectDir);
  mkdirSync(opts.outDir, { recursive: true });
  const source = join(opts.outDir, 'book.md');
  writeFileSync(source, combinedMarkdown(opts.projectDir, book));
  const html = join(opts.outDir, 'index.html');
  const templates = join(opts.projectDir, TEMPLATES);
  const css = [...book.css, `${TEMPLATES}/pandoc.css`];
  const args = [
    source,
    '--from=markdown',
    '--to=html5',
    '--standalone',
    '--section-divs',
    '--wrap=none',
    '--toc',
    '--toc-depth=2',
    '--mathml',
    `--template=${join(templates, 'book.html')}`,
    `--lua-filter=${join(templates, 'crossref.lua')}`,
    // The one page loads the figure script itself (a notebook's own page includes it with each chart).
    `--variable=figure-script:${FIGURE_SCRIPT}`,
    ...css.map((c) => `--css=${c}`),
    `--metadata=title:${book.title}`,
    ...(book.subtitle ? [`--metadata=subtitle:${book.subtitle}`] : []),
    `--output=${html}`,
  ];
  const r = spawnSync('pandoc', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`pandoc is not installed (${r.error.message}); install it (Debian: apt-get install pandoc) or Quarto`);
  if (r.status !== 0) throw new Error(`pandoc failed:\n${r.stderr}`);
  if (r.stderr.trim()) process.stderr.write(r.stderr);
  for (const res of [...book.resources, `${TEMPLATES}/pandoc.css`]) {
    const target = join(opts.outDir, res);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(opts.projectDir, res), target);
  }
  rmSync(source);
  return { renderer: 'pandoc', pages: [html], pdf: finishPdf(opts, [html]) };
}

function buildWithQuarto(opts: BuildOptions, quarto: string): BuildResult {
  const r = spawnSync(quarto, ['render', opts.projectDir, '--output-dir', relative(opts.projectDir, opts.outDir) || '.'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`quarto render failed (exit ${r.status})`);
  const book = readBook(opts.projectDir);
  const pages = book.chapters.map((c) => join(opts.outDir, c.file.replace(/\.(qmd|md|ipynb)$/, '.html')));
  return { renderer: 'quarto', pages, pdf: finishPdf(opts, pages) };
}

function finishPdf(opts: BuildOptions, pages: string[]): string | null {
  if (!opts.pdf) return null;
  const chromium = findChromium();
  if (!chromium) {
    process.stderr.write('warning: no Chromium found (set CHROMIUM or install chromium): the PDF is not built\n');
    return null;
  }
  const pdf = join(opts.outDir, 'report.pdf');
  printPdf(pages, pdf, chromium);
  return pdf;
}

/** Quarto when it is installed (unless `forcePandoc`), else pandoc. */
export async function build(opts: BuildOptions & { forcePandoc?: boolean }): Promise<BuildResult> {
  const quarto = opts.forcePandoc ? null : findExecutable('quarto');
  return quarto ? buildWithQuarto(opts, quarto) : buildWithPandoc(opts);
}
