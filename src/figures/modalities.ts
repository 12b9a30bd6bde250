/**
 * Figure 17 (appendix H.14, other data modalities): sharpness, ℓ1-norm and test
 * loss against the learning rate, one column per data set. A data set without a
 * sweep here (California housing where its archive cannot be had) gets a note
 * saying why in place of its column.
 */
import type { SweepSummary } from '../sweep/schema.js';
import type { Spec } from './spec.js';
import { columnLabel, panelGrid, type Cell, type NoteCell } from './sweep.js';

export interface ModalityColumn {
  /** The data set, heading a column without a sweep. */
  name: string;
  summary?: SweepSummary;
  /** Why there is no sweep. */
  notRun?: string;
}

/** `text` in lines of at most `width` characters, broken at spaces (a longer word, e.g. a path, in pieces of `width`). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  const words = text.split(/\s+/).flatMap((w) => w.match(new RegExp(`.{1,${width}}`, 'g')) ?? []);
  for (const word of words) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** Characters per line of a note: about the 230 pixels of a panel at font size 11. */
const NOTE_WIDTH = 36;

export function modalitiesFigure(columns: ModalityColumn[]): Spec {
  return panelGrid(
    (['sharpness', 'l1', 'testLoss'] as const).map((metric, m) =>
      columns.map(({ name, summary, notRun }): Cell | NoteCell => {
        if (summary) return { summary, metric, title: m === 0 ? columnLabel(summary) : '' };
        return { note: m === 0 ? ['not run here:', ...wrapText(notRun ?? 'no sweep', NOTE_WIDTH)] : [], title: m === 0 ? [name, ''] : '' };
      }),
    ),
  );
}
