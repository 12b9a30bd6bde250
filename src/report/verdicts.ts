/**
 * The paper's claims on committed data. The claims and their judges are those
 * of src/figures/claims.ts (the notebooks end with the same tables); they are
 * judged on the full results of a profile when its summaries are written, and
 * the verdicts are kept in reports/data/<profile>/claims.json so that the
 * report shows them without the results folder.
 */
import { z } from 'zod';
import { CLAIMS, judgeClaims } from '../figures/claims.js';
import { storedLoader } from '../figures/load.js';
import { NOTEBOOKS } from '../figures/registry.js';
import { PROFILES, type ProfileName } from '../sweep/profiles.js';
import type { StoredSweeps } from '../sweep/summary.js';
import { CLAIMS_FILE, PROFILE_PREFERENCE, readProfileFiles, type ExperimentData } from './summary.js';


const StoredVerdict = z.object({
  id: z.string(),
  notebook: z.string(),
  claim: z.string(),
  source: z.string(),
  experiment: z.string(),
  measured: z.string(),
  /** null: the data cannot tell (too few rates in a regime, experiment not run). */
  holds: z.boolean().nullable(),
});

export const ClaimsFile = z.object({ format: z.literal(1), profile: z.enum(PROFILES), verdicts: z.array(StoredVerdict) });
export type ClaimsFile = z.infer<typeof ClaimsFile>;

/** Every claim judged on the stored sweeps of a profile (keyed by experiment id). */
export async function judgeProfile(profileName: ProfileName, stored: ReadonlyMap<string, StoredSweeps | null>): Promise<ClaimsFile> {
  const loader = storedLoader(profileName, (id) => stored.get(id) ?? null);
  const verdicts: ClaimsFile['verdicts'] = [];
  for (const notebook of NOTEBOOKS) {
    const claims = CLAIMS.filter((c) => c.notebook === notebook);
    const judged = await judgeClaims(notebook, loader);
    // judgeClaims answers the notebook's claims in CLAIMS order.
    if (judged.length !== claims.length) throw new Error(`judgeClaims(${notebook}) returned ${judged.length} verdicts for ${claims.length} claims`);
    judged.forEach((v, i) => verdicts.push({ id: claims[i].id, notebook, claim: v.claim, source: v.source, experiment: v.experiment, measured: v.measured, holds: v.holds }));
  }
  return { format: 1, profile: profileName, verdicts };
}

/** The stored verdicts of every profile under `dataDir`, validated. */
export function readVerdicts(dataDir: string): ClaimsFile[] {
  return readProfileFiles(dataDir, CLAIMS_FILE, ClaimsFile, 'verdict file');
}

export interface ReportedClaim {
  id: string;
  notebook: string;
  claim: string;
  source: string;
  experiment: string;
  measured: string;
  holds: boolean | null;
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
    const candidates = files.flatMap((f) =>
      f.verdicts.filter((v) => v.id === c.id && ids.some((id) => status.has(`${f.profile}/${id}`))).map((v) => ({ ...v, profile: f.profile })),
    );
    const rank = (v: (typeof candidates)[number]) => (v.holds === null ? 100 : 0) + (complete(v.profile, v.experiment) ? 0 : 10) + PROFILE_PREFERENCE.indexOf(v.profile);
    const best = candidates.sort((a, b) => rank(a) - rank(b))[0];
    return best ?? { id: c.id, notebook: c.notebook, claim: c.claim, source: c.source, experiment: ids.join(' or '), measured: 'no profile has run this experiment', holds: null, profile: null };
  });
}
