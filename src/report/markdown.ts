/** Small Markdown builders for the generated report partials. */

/** A cell of a pipe table: no line breaks, pipes escaped. */
export function cell(value: unknown): string {
  return String(value ?? '').replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/**
 * A pipe table with an optional numbered caption (`label` = `tbl-...`).
 * `widths` are relative column widths: pandoc sizes the columns of tables with
 * long cells by the dashes of the separator line.
 */
export function table(header: string[], rows: unknown[][], caption?: { text: string; label?: string }, widths?: number[]): string {
  const separator = header.map((_, i) => '-'.repeat(Math.max(3, widths?.[i] ?? 3))).join('|');
  const lines = [`| ${header.map(cell).join(' | ')} |`, `|${separator}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
  if (caption) lines.push('', `: ${caption.text}${caption.label ? ` {#${caption.label}}` : ''}`);
  return lines.join('\n');
}

/** A Quarto callout (also styled by the pandoc path). */
export function callout(kind: 'note' | 'warning' | 'important', title: string, body: string): string {
  return `::: {.callout-${kind} title="${title.replace(/"/g, "'")}"}\n${body}\n:::`;
}

/** Three significant digits, `–` for missing values. */
export function num(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 90) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * A Markdown document whose level-1 heading is dropped (the including chapter
 * has its own) and whose other headings stay as they are.
 */
export function withoutTitle(markdown: string): string {
  return markdown.replace(/^\s*#\s+[^\n]*\n/, '');
}
