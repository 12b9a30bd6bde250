/**
 * npm run figure -- <id> [<id> ...] [--profile quick]   recompute (from the cache) and export figures
 * npm run figure -- --all [--profile quick]             every figure the profile can draw
 * npm run figure -- --list                               figure ids and the paper figures they reproduce
 * Writes reports/figures/<id>.svg, .png and .vl.json (--out DIR to change).
 * Exit codes: 0 ok, 1 a figure failed, 2 bad usage.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../util/paths.js';
import { exportFigure } from './export.js';
import { parseProfile } from '../sweep/profiles.js';
import { defaultProfile, sweepLoader, Unavailable } from './load.js';
import { FIGURES, findFigure, renderFigure, resolveUses } from './registry.js';

const { values: v, positionals } = parseArgs({
  options: {
    profile: { type: 'string' },
    list: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, 'reports', 'figures') },
    results: { type: 'string' },
    jobs: { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});

async function main(): Promise<number> {
  const profileName = v.profile ? parseProfile(v.profile) : defaultProfile();
  const loader = sweepLoader(profileName, { results: v.results, jobs: v.jobs ? Number(v.jobs) : undefined, dataDir: v['data-dir'] });
  if (v.list) {
    for (const f of FIGURES) {
      const { ids, missing } = resolveUses(f, (id) => loader.has(id));
      const uses = missing.length > 0 ? `not in profile ${profileName}` : Object.values(ids).flat().join(', ');
      process.stdout.write(`${f.id.padEnd(7)} ${f.paperFigure.padEnd(50)} ${f.notebook.padEnd(22)} ${uses}\n`);
    }
    return 0;
  }
  if (v.help || (!v.all && positionals.length === 0)) {
    process.stdout.write('usage: npm run figure -- <id>... | --all | --list  [--profile smoke|quick|paper] [--out DIR] [--results DIR] [--jobs N] [--data-dir DIR]\n');
    return v.help ? 0 : 2;
  }
  const entries = v.all ? FIGURES : positionals.map(findFigure);
  let failed = 0;
  for (const entry of entries) {
    try {
      const paths = await exportFigure(entry.id, await renderFigure(entry, loader), v.out);
      process.stdout.write(`${entry.id}: ${paths.svg} ${paths.png}\n`);
    } catch (err) {
      // With --all, a figure the profile lacks is skipped; asked for by name, it is an error.
      if (err instanceof Unavailable && v.all) {
        process.stdout.write(`${entry.id}: skipped (${err.message})\n`);
        continue;
      }
      failed++;
      process.stderr.write(`${entry.id}: ${(err as Error).stack ?? String(err)}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
