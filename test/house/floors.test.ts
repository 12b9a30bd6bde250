/**
 * The house rule of CONTRIBUTING.md: data flows one way, so imports only go
 * down the floors (a folder imports its own floor's files or lower floors), and
 * no module imports itself through a cycle.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(import.meta.dirname, '../../src');

/** The floors, lowest first, as CONTRIBUTING.md writes them (one line of its `floors` block per floor). */
const FLOORS: string[][] = (() => {
  const notes = readFileSync(resolve(import.meta.dirname, '../../CONTRIBUTING.md'), 'utf8');
  const block = /```floors\n([\s\S]*?)```/.exec(notes);
  assert.ok(block, 'CONTRIBUTING.md has no ```floors block');
  return block[1].trim().split('\n').map((line) => line.trim().split(/\s+/));
})();

/** Floor of a path under src/: its folder, or the file itself for top-level files such as cli.ts. */
function floorOf(path: string): number | undefined {
  const i = FLOORS.findIndex((floor) => floor.includes(path.split('/')[0]));
  return i < 0 ? undefined : i;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|cjs)$/.test(name) ? [path] : [];
  });
}

/** Relative imports of a file, resolved to source paths (`.js` specifiers name `.ts` files). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import|require)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specs.map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts'));
}

const files = sources(SRC);
const graph = new Map(files.map((f) => [f, imports(f).filter((t) => t.startsWith(SRC))]));

test('every src folder has a floor', () => {
  for (const f of files) assert.notEqual(floorOf(relative(SRC, f)), undefined, `${relative(SRC, f)} is in no floor of CONTRIBUTING.md`);
});

test('imports only go down a floor', () => {
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    const from = relative(SRC, file);
    for (const target of targets) {
      const to = relative(SRC, target);
      const [a, b] = [floorOf(from) as number, floorOf(to) as number];
      const sameFolder = from.split('/')[0] === to.split('/')[0];
      if (b > a || (b === a && !sameFolder)) upward.push(`${from} -> ${to}`);
    }
  }
  assert.deepEqual(upward, [], `imports that do not go down (floors: ${FLOORS.map((f) => f.join('+')).join(' < ')})`);
});

test('no import cycles', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SRC, p)).join(' -> '));
      return;
    }
    state.set(f, 'open');
    for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});
