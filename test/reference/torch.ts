/** Runs test/reference/torch_check.py (Debian's /usr/bin/python3 with torch) on a list of requests, in one process. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch_check.py', import.meta.url));

/** Why PyTorch cannot run here (a skip reason), or false. */
export function torchMissing(): string | false {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status === 0) return false;
  const why = (probe.error?.message ?? probe.stderr).trim().split('\n').pop();
  return `PyTorch is not available: ${PYTHON} -c "import torch" failed (${why})`;
}

/** One torch_check.py result per request; `dir` holds the request file. */
export function runTorch<T>(dir: string, requests: readonly Record<string, unknown>[]): T[] {
  const requestFile = join(dir, 'requests.json');
  writeFileSync(requestFile, JSON.stringify(requests));
  const r = spawnSync(PYTHON, [SCRIPT, requestFile], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `torch_check.py failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T[];
}
