// "Allow this connection" and "Deny" on the page's matrix: the worker's controller asks generate --diff's planner for
// the smallest change, writes it into the page's own files, and says what else it opens or closes; applied as the
// page applies it (an edit per file), the cell reads as asked and every other cell changes only as the proposal says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CELL_ALL, CELL_NONE } from './analysis.js';
import { Controller, type Snapshot } from './controller.js';
import type { ProposalView } from './propose.js';

const demo = readFileSync(new URL('../../demo/online-shop.yaml', import.meta.url), 'utf8');

function snap(r: ReturnType<Controller['handle']>): Snapshot {
  if (r.type !== 'snapshot') throw new Error(`expected a snapshot, got ${r.type}`);
  return r;
}
function proposal(r: ReturnType<Controller['handle']>): ProposalView {
  if (r.type !== 'proposal') throw new Error(`expected a proposal, got ${r.type}: ${JSON.stringify(r).slice(0, 300)}`);
  return r.proposal;
}
const cell = (s: Snapshot, from: string, to: string): number => {
  const n = s.matrix.groups.length;
  const i = s.matrix.groups.findIndex((g) => g.id === from);
  const j = s.matrix.groups.findIndex((g) => g.id === to);
  return s.matrix.cells[i * n + j]!;
};
/** Every cell of the matrix as `from>to=state`. */
const cells = (s: Snapshot) => {
  const n = s.matrix.groups.length;
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.set(`${s.matrix.groups[i]!.id}>${s.matrix.groups[j]!.id}`, s.matrix.cells[i * n + j]!);
  return out;
};

function loaded(column: string): { c: Controller; s: Snapshot } {
  const c = new Controller();
  snap(c.handle({ type: 'load', files: [{ name: 'online-shop.yaml', text: demo }], origin: 'test' }));
  const s = snap(c.handle({ type: 'settings', settings: { level: 'pod', column } }));
  return { c, s };
}

/** The page's way: each file of the proposal goes in as an edit. */
function applyAll(c: Controller, p: ProposalView): Snapshot {
  let s: Snapshot | undefined;
  for (const f of p.files) s = snap(c.handle({ type: 'edit', name: f.name, text: f.text }));
  return s!;
}

describe('Allow this connection', () => {
  it('extends the policy that selects the destination, and nothing else opens', () => {
    const { c, s } = loaded('5432/TCP');
    expect(cell(s, 'p:shop/frontend', 'p:shop/db')).toBe(CELL_NONE);
    const p = proposal(c.handle({ type: 'propose', action: 'allow', from: 'p:shop/frontend', to: 'p:shop/db' }));
    expect(p.problem).toBeUndefined();
    expect(p.holds).toBe(true);
    expect(p.changes).toEqual(['changed shop/db-from-api: 1 ingress rule added']);
    expect(p.besides).toEqual([]);
    expect(p.files.map((f) => [f.name, f.created])).toEqual([['online-shop.yaml', false]]);
    // The demo's other documents stay as they were, byte for byte.
    expect(p.files[0]!.text).toContain('metadata: { name: payments-out, namespace: shop }');
    const before = cells(s);
    const after = applyAll(c, p);
    expect(after.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(cell(after, 'p:shop/frontend', 'p:shop/db')).toBe(CELL_ALL);
    const moved = [...cells(after)].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
    expect(moved).toEqual(['p:shop/frontend>p:shop/db']);
  });
  it('says what else a change opens when policies select whole workloads', () => {
    const { c } = loaded('5432/TCP');
    const p = proposal(c.handle({ type: 'propose', action: 'allow', from: 'p:legacy/batch', to: 'p:shop/db' }));
    expect(p.holds).toBe(true);
    expect(p.report).toMatch(/^kordon generate --diff: /);
    expect(p.report).toMatch(/the change, as kordon diff shows it:/);
    const after = applyAll(c, p);
    expect(cell(after, 'p:legacy/batch', 'p:shop/db')).toBe(CELL_ALL);
  });
  it('a column of many ports is not a connection to write a rule for', () => {
    const { c } = loaded('any');
    const p = proposal(c.handle({ type: 'propose', action: 'allow', from: 'p:shop/frontend', to: 'p:shop/db' }));
    expect(p.problem).toMatch(/stands for several ports/);
    expect(p.files).toEqual([]);
  });
});

describe('Deny', () => {
  it('narrows the rule that admits it, and the cell closes', () => {
    const { c, s } = loaded('5432/TCP');
    expect(cell(s, 'p:shop/api', 'p:shop/db')).toBe(CELL_ALL);
    const p = proposal(c.handle({ type: 'propose', action: 'deny', from: 'p:shop/api', to: 'p:shop/db' }));
    expect(p.holds).toBe(true);
    expect(p.changes).toEqual(['changed shop/db-from-api: spec.ingress[0] is removed: it admits only shop/api']);
    const after = applyAll(c, p);
    expect(cell(after, 'p:shop/api', 'p:shop/db')).toBe(CELL_NONE);
    const doc = parse(p.files[0]!.text.split(/^---\n/m).find((d) => d.includes('name: db-from-api'))!);
    expect(doc.spec).toEqual({ podSelector: { matchLabels: { app: 'db' } }, ingress: [] });
  });
});
