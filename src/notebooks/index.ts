/**
 * What the notebooks call: the sweeps of a notebook's experiments for the
 * profile chosen by EOS_PROFILE (default quick), its figures, and the verdicts
 * on the paper's claims. Everything is computed in src/ and tested there; a
 * notebook cell is one call.
 */
import { writeSync } from 'node:fs';
import { judgeClaims, verdictTable } from '../figures/claims.js';
import { committedLoader, defaultProfile, sweepLoader, Unavailable, type LoaderOptions, type SweepLoader } from '../figures/load.js';
import { findFigure, NOTEBOOKS, notHere, renderFigure, type NotebookId } from '../figures/registry.js';
import { fmt } from '../figures/spec.js';
import type { ProfileName } from '../sweep/profiles.js';
import type { Log } from '../sweep/runner.js';
import type { SweepSummary } from '../sweep/schema.js';
import { figureBundle, markdownBundle, show, type DisplayBundle } from './display.js';
import { findingsMarkdown } from './findings.js';

export { NOTEBOOKS };

/** One row per (experiment, loss goal): what the gradient flow gave and how the sweep went. */
export function sweepTable(summaries: SweepSummary[]): string {
  const rows = summaries.map((s) => {
    const diverged = s.runs.filter((r) => r.outcome === 'diverged').length;
    const notReached = s.runs.filter((r) => r.outcome === 'max-steps' || r.outcome === 'stalled').length;
    const fitted = (x: number | null) => (x === null ? '–' : fmt(x));
    return `| ${s.experiment.id} | ${fmt(s.lossGoal)} | ${fmt(s.s0)} | ${fmt(s.sGF)} | ${fmt(s.criticalLr)} | ${fitted(s.fittedCriticalLrSharpness)} | ${fitted(s.fittedCriticalLrNorm)} | ${s.runs.length} | ${s.runs.length - diverged - notReached} | ${diverged} | ${notReached} |`;
  });
  return [
    '| experiment | ε | s_0 | s_GF | η_c = 2/s_GF | fitted η_c (sharpness) | fitted η_c (norm) | rates | converged | diverged | max steps or stalled |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export interface Notebook {
  readonly id: NotebookId;
  readonly profile: ProfileName;
  /** The profile's experiments shown in this notebook. */
  readonly experiments: string[];
  /** Run (or read from the cache) every sweep of the notebook and show their summary. */
  sweeps(): Promise<void>;
  /** Draw a figure of the registry, or say why this profile cannot. */
  figure(id: string): Promise<void>;
  /** The verdicts on the notebook's claims, as a table. */
  verdicts(): Promise<void>;
  /** Where the paper's text and the numbers disagree: live evidence and the FINDINGS.md items of this notebook. */
  findings(): Promise<void>;
}

/**
 * The notebook API over a loader; `display` receives what a cell shows (the
 * kernel by default). A figure is drawn from `preferred` (the committed
 * paper-setting results) when it has every sweep the figure needs, complete,
 * and from `loader` otherwise.
 */
export function notebookOver(id: NotebookId, loader: SweepLoader, display: (b: DisplayBundle) => void = show, preferred?: SweepLoader): Notebook {
  const entries = loader.entries.filter((e) => e.notebook === id);
  const experiments = entries.map((e) => e.experiment.id);
  return {
    id,
    profile: loader.profile,
    experiments,
    async sweeps() {
      const summaries: SweepSummary[] = [];
      // An experiment whose data set may be out of reach (ProfileEntry.optionalData) is listed as not run here.
      const notRun: string[] = [];
      for (const entry of entries) {
        try {
          summaries.push(...(await loader.sweeps(entry.experiment.id)));
        } catch (err) {
          if (!entry.optionalData || !notHere(err)) throw err;
          notRun.push(`\n\n*${entry.experiment.id} is not run here:* ${(err as Error).message}`);
        }
      }
      display(markdownBundle(`Profile **${loader.profile}**: ${experiments.length} experiment(s).\n\n${sweepTable(summaries)}${notRun.join('')}`));
    },
    async figure(figureId) {
      const entry = findFigure(figureId);
      if (preferred && preferred.profile !== loader.profile) {
        try {
          display(await figureBundle(await renderFigure(entry, preferred)));
          return;
        } catch (err) {
          if (!(err instanceof Unavailable)) throw err;
        }
      }
      try {
        display(await figureBundle(await renderFigure(entry, loader)));
      } catch (err) {
        if (!(err instanceof Unavailable)) throw err;
        display(markdownBundle(`*${figureId} is not drawn in this profile:* ${err.message}. Run with \`EOS_PROFILE=quick\` or \`paper\`.`));
      }
    },
    async verdicts() {
      display(markdownBundle(verdictTable(await judgeClaims(id, loader))));
    },
    async findings() {
      display(markdownBundle(findingsMarkdown(id)));
    },
  };
}

/**
 * Sweep progress goes to the kernel's own stderr (file descriptor 2), which the
 * kernel's terminal or the headless runner shows; tslab would copy writes to
 * process.stderr into the saved notebook, hours of progress lines for a long sweep.
 */
const kernelLog: Log = (line) => writeSync(2, `${line}\n`);

/** Open a notebook for the profile of EOS_PROFILE (default quick). */
export function openNotebook(id: string, opts: LoaderOptions = {}): Notebook {
  if (!(NOTEBOOKS as readonly string[]).includes(id)) throw new Error(`unknown notebook '${id}': one of ${NOTEBOOKS.join(', ')}`);
  return notebookOver(id as NotebookId, sweepLoader(defaultProfile(), { log: kernelLog, ...opts }), show, committedLoader('paper'));
}
