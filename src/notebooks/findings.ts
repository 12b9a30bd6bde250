/**
 * "Where the paper's text and the numbers disagree", for the notebooks of the
 * theory sections: live evidence recomputed by src/theory next to the items of
 * src/theory/FINDINGS.md that belong to the notebook (read, never copied).
 */
import { readFileSync } from 'node:fs';
import { fmt } from '../figures/spec.js';
import { classificationToyEvidence, diagonalNetEvidence, FINDINGS_PATH, type EvidenceRow } from '../theory/evidence.js';
import type { NotebookId } from '../figures/registry.js';

const BY_NOTEBOOK: Partial<Record<NotebookId, { sections: number[]; evidence: () => EvidenceRow[] }>> = {
  '05-diagonal-net': { sections: [1, 2, 3, 4], evidence: diagonalNetEvidence },
  '06-classification-toy': { sections: [5], evidence: classificationToyEvidence },
};

/** The `## <n>.` sections of FINDINGS.md, headings demoted one level to sit under the notebook's own. */
export function findingsSections(markdown: string, sections: number[]): string {
  const parts = markdown.split(/^(?=## )/m);
  const picked = sections.map((n) => {
    const part = parts.find((p) => p.startsWith(`## ${n}. `));
    if (!part) throw new Error(`FINDINGS.md has no section ${n}`);
    // Brackets escaped: inside the report's cell divs pandoc pairs a '[' of one item with a ']' of a later
    // one ("eta in [0.183, 0.2)" ... "z in (0, 1]") and the next chapter's heading disappears into the span.
    return part.replace(/^## /, '### ').replace(/[[\]]/g, '\\$&').trim();
  });
  return picked.join('\n\n');
}

/** A Markdown table cell: a bare `|` would split it. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function evidenceTable(rows: EvidenceRow[]): string {
  return [
    '| item | statement | paper | paper value is | computed | how | verdict |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.item} | ${cell(r.statement)} | ${fmt(r.paper, 5)} | ${r.paperKind === 'printed' ? 'printed in the paper' : 'its formula, evaluated by us'} | ${fmt(r.computed, 5)} | ${cell(r.method)} | ${r.verdict === 'disagrees' ? '**paper disagrees**' : 'confirmed'} |`),
  ].join('\n');
}

/** The notebook's findings as markdown, or a sentence saying it has none. */
export function findingsMarkdown(id: NotebookId): string {
  const entry = BY_NOTEBOOK[id];
  if (!entry) return `Notebook ${id} makes no closed-form claims; its verdicts above are measured on the sweeps.`;
  return [
    'Recomputed now by `src/theory`. The paper prints only one of these numbers (Theorem F.1\'s minimal sharpness 0.277); the others in the "paper" column are the paper\'s formulas evaluated by us as printed:',
    '',
    evidenceTable(entry.evidence()),
    '',
    `The full list with the evidence and the test reproducing each item (\`src/theory/FINDINGS.md\`):`,
    '',
    findingsSections(readFileSync(FINDINGS_PATH, 'utf8'), entry.sections),
  ].join('\n');
}
