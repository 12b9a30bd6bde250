/**
 * npm run report -- [command] [options]
 *   build (default)  render the book into reports/_site (Quarto if installed, else pandoc) and its PDF
 *   data             condense the results of a profile and judge the paper's claims on them into reports/data/<profile>/ (committed)
 *   claims           judge the claims and Table 1 rows again from a profile's committed summaries (no results folder)
 *   prepare          write the generated partials only (Quarto's pre-render step)
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseProfile, PROFILES } from '../sweep/profiles.js';
import { REPO_ROOT } from '../util/paths.js';
import { ResultStore } from '../sweep/store.js';
import { build } from './build.js';
import { defaultPrepareOptions, prepare } from './prepare.js';
import { rejudgeProfile, writeProfileData } from './profileData.js';

const HELP = `usage: npm run report -- [build | data | claims | prepare] [options]

  build      render the book (default): quarto render when Quarto is installed, else pandoc;
             then print reports/_site/report.pdf with headless Chromium
  data       condense results/ of a profile into reports/data/<profile>/ with the claims' verdicts
             (replaces the summaries of the experiments the folder holds; the others keep theirs)
  claims     judge the paper's claims and Table 1 rows again from the committed summaries of a profile
             (reports/data/<profile>: claims.json, table1.json), without its results folder
  prepare    only write the generated partials (reports/_generated), as Quarto's pre-render step does

options
  --profile NAME   data, claims: ${PROFILES.join(' | ')} (default quick)
  --results DIR    data: results folder (env EOS_RESULTS_DIR, default ./results)
  --data DIR       committed summaries to write (data) or read (build, prepare);
                   default $EOS_REPORT_DATA or reports/data
  --out DIR        build: output folder (default reports/_site)
  --pandoc         build: use pandoc even when Quarto is installed
  --no-pdf         build: skip the PDF
  -h, --help       this help`;

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      profile: { type: 'string', default: 'quick' },
      results: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      pandoc: { type: 'boolean', default: false },
      'no-pdf': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0] ?? 'build';
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  // Through the environment, so that Quarto's pre-render step reads the same folder.
  if (v.data) process.env.EOS_REPORT_DATA = resolve(v.data);
  const paths = defaultPrepareOptions();
  switch (command) {
    case 'data': {
      const w = await writeProfileData(parseProfile(v.profile), new ResultStore(v.results), paths.dataDir);
      for (const f of w.written) process.stdout.write(`wrote ${f}\n`);
      for (const f of w.kept) process.stdout.write(`kept ${f} (not in this results folder, or partial there)\n`);
      for (const f of w.removed) process.stdout.write(`removed ${f}\n`);
      if (w.notRun.length) process.stdout.write(`not run (no gradient-flow result): ${w.notRun.join(', ')}\n`);
      return 0;
    }
    case 'claims': {
      for (const f of await rejudgeProfile(parseProfile(v.profile), paths.dataDir)) process.stdout.write(`wrote ${f}\n`);
      return 0;
    }
    case 'prepare':
      await prepare(paths);
      return 0;
    case 'build': {
      const outDir = resolve(v.out ?? join(REPO_ROOT, 'reports', '_site'));
      const started = Date.now();
      const r = await build({ ...paths, outDir, pdf: !v['no-pdf'], forcePandoc: v.pandoc });
      process.stdout.write(`${r.renderer}: ${r.pages[0]}${r.pages.length > 1 ? ` (+${r.pages.length - 1} pages)` : ''}${r.pdf ? `, ${r.pdf}` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown command '${command}'\n${HELP}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
