/** Spec inspection for the figure tests: find views by name, check they compile and carry tooltips. */
import assert from 'node:assert/strict';
import { parse } from 'vega';
import { toVega } from '../../src/figures/export.js';
import type { Json, Spec } from '../../src/figures/spec.js';

const isSpec = (x: Json | undefined): x is Spec => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Every object in the spec tree that has a `mark` (the unit views). */
export function unitViews(spec: Json | undefined, found: Spec[] = []): Spec[] {
  if (Array.isArray(spec)) spec.forEach((s) => unitViews(s, found));
  else if (isSpec(spec)) {
    if (spec.mark !== undefined) found.push(spec);
    for (const [key, value] of Object.entries(spec)) if (key !== 'datasets' && key !== 'data') unitViews(value, found);
  }
  return found;
}

export function view(spec: Spec, name: string): Spec {
  const v = unitViews(spec).find((u) => u.name === name);
  assert.ok(v, `no view named ${name}`);
  return v;
}

/** The inline data values of a view. */
export function values(v: Spec): Spec[] {
  const data = v.data;
  assert.ok(isSpec(data) && Array.isArray(data.values), `view ${String(v.name)} has no inline values`);
  return data.values as Spec[];
}

export const markType = (v: Spec): string => (typeof v.mark === 'string' ? v.mark : String((v.mark as Spec).type));

/** Vega-Lite compiles it without warnings and Vega parses the result. */
export function assertCompiles(spec: Spec): void {
  const vega = toVega(spec);
  assert.doesNotThrow(() => parse(vega));
}

/** Every point and line view has a tooltip (rules and rects may too; text labels need not). */
export function assertTooltips(spec: Spec): void {
  for (const v of unitViews(spec)) {
    if (!['point', 'line', 'rule', 'rect'].includes(markType(v))) continue;
    // The highlight rule of the linked selection only marks the picked rate.
    if (typeof v.name === 'string' && v.name.endsWith('-picked')) continue;
    const encoding = v.encoding as Spec;
    assert.ok(encoding.tooltip !== undefined, `view ${String(v.name ?? markType(v))} has no tooltip`);
  }
}

/** Names of the views the top-level selection params listen to all exist. */
export function assertSelectionViews(spec: Spec): void {
  const names = new Set(unitViews(spec).map((v) => v.name));
  for (const p of (spec.params ?? []) as Spec[]) for (const v of (p.views ?? []) as string[]) assert.ok(names.has(v), `selection ${String(p.name)} names missing view ${v}`);
}
