/**
 * End-to-end time of an experiment profile (`npm run bench -- --profile smoke`):
 * the README's main command, `eos sweep --profile <name>`, into a fresh results
 * folder, so nothing comes from a cache; then what it computed, read back from
 * that folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitRevision } from '../src/sweep/provenance.js';
import { profile, type ProfileName } from '../src/sweep/profiles.js';
import { ResultStore } from '../src/sweep/store.js';
import { REPO_ROOT } from '../src/util/paths.js';

export interface ProfileTiming {
  profile: ProfileName;
  date: string;
  gitRevision: string;
  cores: number;
  jobs: number;
  /** Wall-clock seconds of the whole sweep, process start to exit. */
  seconds: number;
  experiments: number;
  flowRuns: number;
  gdRuns: number;
  outcomes: Record<string, number>;
  hvps: number;
}

/** Time a profile's sweep into `resultsDir` (kept; must be empty) or into a temporary folder (removed). */
export function timeProfile(name: ProfileName, opts: { dataDir: string | undefined; jobs: number; resultsDir?: string }): ProfileTiming {
  if (opts.resultsDir && existsSync(opts.resultsDir) && readdirSync(opts.resultsDir).length > 0) throw new Error(`--results ${opts.resultsDir} is not empty: a profile is timed from an empty results folder`);
  const results = opts.resultsDir ?? mkdtempSync(join(tmpdir(), `eos-bench-${name}-`));
  try {
    const args = ['--import', 'tsx', join(REPO_ROOT, 'src/cli.ts'), 'sweep', '--profile', name, '--results', results, '--jobs', String(opts.jobs)];
    if (opts.dataDir) args.push('--data-dir', opts.dataDir);
    const start = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: REPO_ROOT });
    const seconds = (performance.now() - start) / 1000;
    if (r.status !== 0) throw new Error(`eos sweep --profile ${name} exited with ${r.status ?? r.signal}`);
    const runs = new ResultStore(results).runs();
    const gd = runs.filter((x) => x.kind === 'gd');
    const outcomes: Record<string, number> = {};
    for (const x of gd) outcomes[x.outcome] = (outcomes[x.outcome] ?? 0) + 1;
    return {
      profile: name,
      date: new Date().toISOString(),
      gitRevision: gitRevision(),
      cores: availableParallelism(),
      jobs: opts.jobs,
      seconds,
      experiments: profile(name).length,
      flowRuns: runs.length - gd.length,
      gdRuns: gd.length,
      outcomes,
      hvps: runs.reduce((s, x) => s + x.provenance.hvps, 0),
    };
  } finally {
    if (!opts.resultsDir) rmSync(results, { recursive: true, force: true });
  }
}

export function profileTable(profiles: Record<string, ProfileTiming>): string[] {
  const rows = Object.values(profiles);
  if (rows.length === 0) return [];
  return [
    '## Profiles end to end',
    '',
    '`eos sweep --profile <name>` into an empty results folder (`npm run bench -- --profile <name>`).',
    '',
    '| profile | wall time | experiments | flows | GD runs | outcomes | HVPs | jobs / cores | date · git |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (p) =>
        `| ${p.profile} | ${(p.seconds / 60).toFixed(1)} min | ${p.experiments} | ${p.flowRuns} | ${p.gdRuns} | ${Object.entries(p.outcomes).map(([k, v]) => `${v} ${k}`).join(', ')} | ${p.hvps} | ${p.jobs} / ${p.cores} | ${p.date.slice(0, 10)} · ${p.gitRevision.slice(0, 7)} |`,
    ),
    '',
  ];
}
