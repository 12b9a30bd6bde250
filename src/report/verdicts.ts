/**
 * The paper's claims on committed data. The checks and their judges are those
 * of src/figures/claims.ts (the notebooks end with the same tables); they are
 * judged on the full results of a profile when its summaries are written (or
 * again from those summaries), and the verdicts are kept in
 * reports/data/<profile>/claims.json so that the report shows them without the
 * results folder. The claims checklist (`paperVerdicts`, `checklistMarkdown`)
 * turns them, with Table 1's rows, into one verdict per claim of
 * src/figures/paperClaims.ts: holds, does not hold (with a diagnosis) or not
 * run (with what would run it).
 */
import { z } from 'zod';
import { CAUSES, CLAIMS, judgeClaims, type Diagnosis } from '../figures/claims.js';
import { PAPER_CLAIMS, type Check, type ClaimJudge, type ClaimKind, type PaperClaim, type TableTest } from '../figures/paperClaims.js';
import { storedLoader } from '../figures/load.js';
import { NOTEBOOKS } from '../figures/registry.js';
import { PROFILES, type ProfileName } from '../sweep/profiles.js';
import type { StoredSweeps } from '../sweep/summary.js';
import { CLAIMS_FILE, PROFILE_PREFERENCE, readProfileFiles, type ExperimentData } from './summary.js';
import type { bestTable1 } from './table1.js';


const StoredDiagnosis = z.object({ cause: z.enum(CAUSES), evidence: z.string() });

const StoredVerdict = z.object({
  id: z.string(),
  /** null: a report-only claim (experiments of the paper profile alone). */
  notebook: z.string().nullable(),
  claim: z.string(),
  source: z.string(),
  experiment: z.string(),
  measured: z.string(),
  /** null: the data cannot tell (too few rates in a regime, experiment not run). */
  holds: z.boolean().nullable(),
  /** Why it does not hold, where the data can tell (absent in files written before diagnoses). */
  diagnosis: StoredDiagnosis.nullable().optional(),
});

export const ClaimsFile = z.object({
  format: z.literal(1),
  profile: z.enum(PROFILES),
  /** What the verdicts were judged on: the full results (absent: written before this field) or the committed summaries (`npm run report -- claims`). */
  judgedFrom: z.enum(['results', 'summaries']).optional(),
  verdicts: z.array(StoredVerdict),
});
export type ClaimsFile = z.infer<typeof ClaimsFile>;

/** Every claim judged on the stored sweeps of a profile (keyed by experiment id). */
export async function judgeProfile(profileName: ProfileName, stored: ReadonlyMap<string, StoredSweeps | null>): Promise<ClaimsFile> {
  const loader = storedLoader(profileName, (id) => stored.get(id) ?? null);
  const verdicts: ClaimsFile['verdicts'] = [];
  for (const notebook of [...NOTEBOOKS, null]) {
    const claims = CLAIMS.filter((c) => c.notebook === notebook);
    const judged = await judgeClaims(notebook, loader);
    // judgeClaims answers the notebook's claims in CLAIMS order.
    if (judged.length !== claims.length) throw new Error(`judgeClaims(${notebook}) returned ${judged.length} verdicts for ${claims.length} claims`);
    judged.forEach((v, i) => verdicts.push({ id: claims[i].id, notebook, claim: v.claim, source: v.source, experiment: v.experiment, measured: v.measured, holds: v.holds, diagnosis: v.diagnosis }));
  }
  // The stored order is CLAIMS order, whatever the notebook grouping.
  const order = new Map(CLAIMS.map((c, i) => [c.id, i]));
  verdicts.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return { format: 1, profile: profileName, judgedFrom: 'results', verdicts };
}

/** The stored verdicts of every profile under `dataDir`, validated. */
export function readVerdicts(dataDir: string): ClaimsFile[] {
  return readProfileFiles(dataDir, CLAIMS_FILE, ClaimsFile, 'verdict file');
}

export interface ReportedClaim {
  id: string;
  notebook: string | null;
  claim: string;
  source: string;
  experiment: string;
  measured: string;
  holds: boolean | null;
  diagnosis: Diagnosis | null;
  /** Profile of the verdict; null when no profile has run the claim's experiments. */
  profile: ProfileName | null;
}

/** The experiment ids a claim needs (every alternative of `anyOf`, every member of `allOf`). */
function claimExperiments(claim: (typeof CLAIMS)[number]): string[] {
  return Object.values(claim.uses).flatMap((u) => ('anyOf' in u ? u.anyOf : u.allOf));
}

/**
 * One verdict per claim: a decided verdict before one that cannot tell, then
 * one from complete sweeps before one from partial sweeps, then the most
 * faithful profile; "not run" when no profile has run the claim's experiments.
 */
export function reportedClaims(files: ClaimsFile[], data: ExperimentData[]): ReportedClaim[] {
  const status = new Map(data.map((d) => [`${d.profile}/${d.experiment.id}`, d.status]));
  const complete = (p: ProfileName, experiment: string) => experiment.split(', ').every((id) => status.get(`${p}/${id}`) === 'complete');
  return CLAIMS.map((c) => {
    const ids = claimExperiments(c);
    // A claim on closed forms alone (no experiment) is judged the same in every profile.
    const candidates = files.flatMap((f) =>
      f.verdicts.filter((v) => v.id === c.id && (ids.length === 0 || ids.some((id) => status.has(`${f.profile}/${id}`)))).map((v) => ({ ...v, diagnosis: v.diagnosis ?? null, profile: f.profile })),
    );
    const rank = (v: (typeof candidates)[number]) => (v.holds === null ? 100 : 0) + (complete(v.profile, v.experiment) ? 0 : 10) + PROFILE_PREFERENCE.indexOf(v.profile);
    const best = candidates.sort((a, b) => rank(a) - rank(b))[0];
    return best ?? { id: c.id, notebook: c.notebook, claim: c.claim, source: c.source, experiment: ids.join(' or '), measured: 'no profile has run this experiment', holds: null, diagnosis: null, profile: null };
  });
}

// ---- the paper's claims: checklist ----

export type PaperVerdictWord = 'holds' | 'does not hold' | 'not run';

export interface PaperVerdict {
  id: string;
  kind: ClaimKind;
  quote: string;
  source: string;
  verdict: PaperVerdictWord;
  /** What was measured, with the profile of each number. */
  evidence: string;
  /** Profiles the verdict's data come from (empty: none). */
  profiles: ProfileName[];
  /** Why it does not hold (null unless it does not). */
  diagnosis: Diagnosis | null;
  /** What would run it (null unless it was not run). */
  run: string | null;
}

const sweepCommand = (ids: readonly string[]): string => `\`npm run eos -- sweep --profile paper${ids.map((id) => ` --experiment ${id}`).join('')}\``;

/** The check's verdict with `negate` applied. */
const effective = (holds: boolean | null, check: Check): boolean | null => (holds === null ? null : check.negate ? !holds : holds);

/**
 * The diagnosis of a failed check, in order: what its judge computed (stopping
 * rule, numerical precision, undersampled sharpness), the claim's written one,
 * reduced settings (the check decides otherwise in another profile, or was only
 * judged on a reduced profile), else a disagreement with the paper.
 */
function diagnose(failed: ReportedClaim, check: Check, claim: PaperClaim, byId: ReadonlyMap<string, ReportedClaim>, files: readonly ClaimsFile[]): Diagnosis {
  if (failed.diagnosis && !check.negate) return failed.diagnosis;
  if (claim.written) {
    const see = byId.get(claim.written.see);
    return { cause: claim.written.cause, evidence: `${claim.written.why}${see ? `; ${see.id} (${see.profile ?? 'not run'}): ${see.measured}` : ''}` };
  }
  const elsewhere = files.flatMap((f) => f.verdicts.filter((v) => v.id === failed.id && f.profile !== failed.profile && effective(v.holds, check) === true).map(() => f.profile));
  if (elsewhere.length > 0) return { cause: 'reduced settings', evidence: `${failed.id} fails at ${failed.profile} but holds at ${elsewhere.join(', ')}` };
  if (failed.profile !== 'paper') return { cause: 'reduced settings', evidence: `judged only at the reduced ${failed.profile} profile (smaller data, looser goals, fewer rates); the paper-profile sweep has not run` };
  return { cause: 'disagreement', evidence: `${failed.id} at the paper's settings: ${failed.measured}` };
}

function byChecks(claim: PaperClaim, judge: Extract<ClaimJudge, { by: 'checks' }>, byId: ReadonlyMap<string, ReportedClaim>, files: readonly ClaimsFile[]): Omit<PaperVerdict, 'id' | 'kind' | 'quote' | 'source'> {
  const judged = judge.checks.map((check) => {
    const r = byId.get(check.id);
    if (!r) throw new Error(`paper claim ${claim.id} names check '${check.id}', which src/figures/claims.ts does not define`);
    return { check, r, holds: effective(r.holds, check) };
  });
  const profiles = [...new Set(judged.flatMap((j) => (j.r.profile && j.holds !== null ? [j.r.profile] : [])))];
  const line = (j: (typeof judged)[number]) => `${j.check.negate ? 'not ' : ''}${j.r.id} (${j.r.profile ?? 'not run'}): ${j.r.measured}`;
  const failed = judged.filter((j) => j.holds === false);
  const passed = judged.filter((j) => j.holds === true);
  const open = judged.filter((j) => j.holds === null);
  const runWhat = (): string => {
    const experiments = [...new Set(open.flatMap((j) => j.r.experiment.split(/, | or /).filter((id) => id.length > 0)))];
    const undecided = open.filter((j) => j.r.profile !== null).map((j) => `${j.r.id} (${j.r.profile}: ${j.r.measured})`);
    return [experiments.length ? sweepCommand(experiments) : '', undecided.length ? `undecided so far: ${undecided.join('; ')}` : ''].filter((x) => x).join('; ');
  };
  const decidedAll = judge.combine === 'all' ? failed.length > 0 || open.length === 0 : passed.length > 0 || open.length === 0;
  if (!decidedAll) return { verdict: 'not run', evidence: `${passed.length} of ${judged.length} checks hold, ${failed.length} fail, ${open.length} not run or undecided`, profiles, diagnosis: null, run: runWhat() };
  const holds = judge.combine === 'all' ? failed.length === 0 : passed.length > 0;
  if (holds) {
    const shown = judge.combine === 'any' ? passed.slice(0, 1) : passed;
    return { verdict: 'holds', evidence: shown.length <= 3 ? shown.map(line).join('; ') : `all ${shown.length} checks hold (${shown.map((j) => j.r.id).join(', ')})`, profiles, diagnosis: null, run: null };
  }
  const first = failed[0];
  return { verdict: 'does not hold', evidence: failed.map(line).join('; ') + (open.length ? `; ${open.length} more not run` : ''), profiles, diagnosis: diagnose(first.r, first.check, claim, byId, files), run: null };
}

type BestRow = ReturnType<typeof bestTable1>[number];

function byRow(row: BestRow): Omit<PaperVerdict, 'id' | 'kind' | 'quote' | 'source'> {
  const e = row.entry;
  const profiles = row.profile ? [row.profile] : [];
  if (row.profile === null || e.agrees === null || e.agrees === undefined) {
    const run = e.experiment ? (row.profile === null ? sweepCommand([e.experiment]) : `finish ${sweepCommand([e.experiment])} (at ${row.profile}: ${e.measured ?? 'fewer than 3 converged rates'})`) : 'no experiment of any profile matches this row';
    return { verdict: 'not run', evidence: row.profile ? `${e.experiment} (${row.profile}, ${e.status}): ${e.measured ?? 'fewer than 3 converged rates'}` : 'no data', profiles, diagnosis: null, run };
  }
  const evidence = `ours ${e.ourMark} vs paper ${e.paperMark} on ${e.experiment} (${row.profile}, ${e.status}): ${e.measured}`;
  if (e.agrees) return { verdict: 'holds', evidence, profiles, diagnosis: null, run: null };
  const diagnosis: Diagnosis = (e.transientStops ?? 0) > 0
    ? { cause: 'stopping rule', evidence: `${e.transientStops} of the row's converged runs stopped transient` }
    : row.profile !== 'paper'
      ? { cause: 'reduced settings', evidence: `judged at the reduced ${row.profile} profile; the paper-profile sweep has not finished` }
      : e.status !== 'done'
        ? { cause: 'reduced settings', evidence: `the paper-profile sweep is partial (${e.runs} runs): the missing rates can move the minimum` }
        : { cause: 'disagreement', evidence };
  return { verdict: 'does not hold', evidence, profiles, diagnosis, run: null };
}

function byRows(test: TableTest, rows: readonly BestRow[]): Omit<PaperVerdict, 'id' | 'kind' | 'quote' | 'source'> {
  const run = rows.filter((r) => r.profile !== null && r.entry.ourMark !== null);
  const missing = rows.filter((r) => r.profile === null || r.entry.ourMark === null).map((r) => r.entry.row);
  const profiles = [...new Set(run.flatMap((r) => (r.profile ? [r.profile] : [])))];
  const notRun = { run: `the sweeps of Table 1 rows ${missing.join(', ')} (\`npm run eos -- plan --profile paper\` lists them)` };
  const u = run.filter((r) => r.entry.ourMark === '✓' || r.entry.ourMark === '(✓)');
  const counted = `${run.length} of ${rows.length} rows measured (${profiles.join(', ')}), ${u.length} U-shaped`;
  if (test === 'never-low') {
    const low = run.filter((r) => r.entry.end === 'low');
    if (low.length > 0) {
      const lowProfiles = [...new Set(low.map((r) => r.profile))];
      return {
        verdict: 'does not hold',
        evidence: `${counted}; lowest test loss at the smallest rate in rows ${low.map((r) => `${r.entry.row} (${r.profile}: ${r.entry.measured})`).join('; ')}`,
        profiles,
        diagnosis: lowProfiles.every((p) => p !== 'paper') ? { cause: 'reduced settings', evidence: `only at the reduced ${lowProfiles.join(', ')} profile(s)` } : { cause: 'disagreement', evidence: `rows ${low.filter((r) => r.profile === 'paper').map((r) => r.entry.row).join(', ')} at the paper's settings` },
        run: null,
      };
    }
    return missing.length === 0 ? { verdict: 'holds', evidence: counted, profiles, diagnosis: null, run: null } : { verdict: 'not run', evidence: `${counted}; none optimal at the smallest rate so far`, profiles, diagnosis: null, ...notRun };
  }
  if (test === 'some-U') {
    if (u.length > 0) return { verdict: 'holds', evidence: `${counted}: rows ${u.map((r) => `${r.entry.row} (${r.profile})`).join(', ')}`, profiles, diagnosis: null, run: null };
    return missing.length === 0 ? { verdict: 'does not hold', evidence: counted, profiles, diagnosis: { cause: 'disagreement', evidence: 'no row has its lowest test loss at an intermediate rate' }, run: null } : { verdict: 'not run', evidence: counted, profiles, diagnosis: null, ...notRun };
  }
  if (missing.length > 0) return { verdict: 'not run', evidence: counted, profiles, diagnosis: null, ...notRun };
  const holds = 2 * u.length >= run.length;
  return { verdict: holds ? 'holds' : 'does not hold', evidence: counted, profiles, diagnosis: holds ? null : { cause: 'disagreement', evidence: `${u.length} of ${run.length} rows U-shaped` }, run: null };
}

/**
 * Every claim of the paper (src/figures/paperClaims.ts) with its verdict: from
 * the reported verdicts of its checks, or from the Table 1 rows (the most
 * faithful data per row); not run, with what would run it, when the data
 * cannot decide it.
 */
export function paperVerdicts(claims: readonly ReportedClaim[], files: readonly ClaimsFile[], rows: readonly BestRow[]): PaperVerdict[] {
  const byId = new Map(claims.map((c) => [c.id, c]));
  return PAPER_CLAIMS.map((c) => {
    const head = { id: c.id, kind: c.kind, quote: c.quote, source: c.source };
    const j = c.judge;
    if (j.by === 'checks') return { ...head, ...byChecks(c, j, byId, files) };
    if (j.by === 'rows') return { ...head, ...byRows(j.test, rows) };
    if (j.by === 'none') return { ...head, verdict: 'not run', evidence: 'no measurement encoded', profiles: [], diagnosis: null, run: j.run };
    const row = rows.find((r) => r.entry.row === j.row);
    if (!row) throw new Error(`paper claim ${c.id}: Table 1 has no row ${j.row}`);
    return { ...head, ...byRow(row) };
  });
}

const KIND_TITLE: Record<ClaimKind, string> = {
  abstract: 'Abstract',
  contribution: 'Contributions (Section 1.1)',
  section: 'Findings of Sections 2 and 3',
  appendix: 'Findings of Appendices E-H',
  caption: 'Figure captions',
  table: 'Table 1: U-shape marks',
};

const VERDICT_LABEL: Record<PaperVerdictWord, string> = { holds: '✓ holds', 'does not hold': '✗ does not hold', 'not run': '– not run' };

/**
 * The checklist as Markdown: counts per source and verdict, the causes of the
 * failures, then one table per source (claim, where, verdict, evidence, and
 * the diagnosis or what would run it).
 */
export function checklistMarkdown(verdicts: readonly PaperVerdict[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const words = Object.keys(VERDICT_LABEL) as PaperVerdictWord[];
  const kinds = Object.keys(KIND_TITLE) as ClaimKind[];
  const count = (list: readonly PaperVerdict[], w: PaperVerdictWord) => list.filter((v) => v.verdict === w).length;
  const overview = [
    `| source | claims | ${words.map((w) => VERDICT_LABEL[w]).join(' | ')} |`,
    `|---|---|${words.map(() => '---').join('|')}|`,
    ...kinds.map((k) => verdicts.filter((v) => v.kind === k)).filter((l) => l.length > 0).map((l) => `| ${KIND_TITLE[l[0].kind]} | ${l.length} | ${words.map((w) => count(l, w)).join(' | ')} |`),
    `| all | ${verdicts.length} | ${words.map((w) => count(verdicts, w)).join(' | ')} |`,
  ];
  const failed = verdicts.filter((v) => v.diagnosis);
  const causes = CAUSES.map((c) => [c, failed.filter((v) => v.diagnosis?.cause === c).length] as const).filter(([, n]) => n > 0);
  const sections = kinds.flatMap((k) => {
    const list = verdicts.filter((v) => v.kind === k);
    if (list.length === 0) return [];
    return [
      `### ${KIND_TITLE[k]}`,
      '',
      '| claim (the paper\'s words) | where | verdict | evidence | diagnosis / what would run it |',
      '|---|---|---|---|---|',
      ...list.map((v) => `| ${cell(v.quote)} | ${cell(v.source)} | ${VERDICT_LABEL[v.verdict]} | ${cell(v.evidence)} | ${cell(v.diagnosis ? `**${v.diagnosis.cause}**: ${v.diagnosis.evidence}` : v.run ? `run: ${v.run}` : '')} |`),
      '',
    ];
  });
  return [
    ...overview,
    '',
    failed.length ? `Diagnoses of the ${failed.length} claims that do not hold: ${causes.map(([c, n]) => `${c} ${n}`).join(', ')}.` : 'Every decided claim holds.',
    '',
    ...sections,
  ].join('\n');
}
