import { checkConnection, buildCluster, loadSources } from '@kordon/engine';
import { generate, toYamlFiles } from '@kordon/bench';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CELL_ALL, CELL_NONE, CELL_SOME } from './analysis.js';
import { Controller, type Snapshot } from './controller.js';
import { lintFindings } from './lint.js';
import { exposure, exposureText, lint } from '@kordon/review';

const demo = readFileSync(new URL('../../demo/online-shop.yaml', import.meta.url), 'utf8');

function snap(r: ReturnType<Controller['handle']>): Snapshot {
  if (r.type !== 'snapshot') throw new Error(`expected a snapshot, got ${r.type}: ${JSON.stringify(r).slice(0, 300)}`);
  return r;
}

const cell = (s: Snapshot, from: string, to: string): number => {
  const n = s.matrix.groups.length;
  const i = s.matrix.groups.findIndex((g) => g.id === from);
  const j = s.matrix.groups.findIndex((g) => g.id === to);
  if (i < 0 || j < 0) throw new Error(`no cell ${from} -> ${to}`);
  return s.matrix.cells[i * n + j]!;
};

describe('Controller', () => {
  it('lists what reading found and the bytes that were not UTF-8, at their place, until the file is edited', () => {
    const c = new Controller();
    const problem = { file: 'k8s/pipe.yaml', line: 1, column: 1, code: 'input-not-regular' as const, severity: 'error' as const, message: 'not a regular file', path: '' };
    const text = 'kind: Namespace\napiVersion: v1\nmetadata: {name: caf\uFFFD}\n';
    const s = snap(c.handle({ type: 'load', files: [{ name: 'k8s/ns.yaml', text, undecodable: [{ offset: text.indexOf('\uFFFD'), byte: 0xe9 }] }], origin: 'test', problems: [problem] }));
    expect(s.diagnostics.find((d) => d.code === 'input-not-regular')).toMatchObject({ file: 'k8s/pipe.yaml' });
    expect(s.diagnostics.find((d) => d.code === 'input-binary')).toMatchObject({ file: 'k8s/ns.yaml', line: 3, column: 21 });
    const edited = snap(c.handle({ type: 'edit', name: 'k8s/ns.yaml', text: text.replace('\uFFFD', 'e') }));
    expect(edited.diagnostics.map((d) => d.code)).not.toContain('input-binary');
    // Reading problems stay until the next load: the file is still missing from what the page was given.
    expect(edited.diagnostics.map((d) => d.code)).toContain('input-not-regular');
  });

  it('answers like checkConnection for the demo, and explains a cell as kordon check does', () => {
    const c = new Controller();
    const s = snap(c.handle({ type: 'load', files: [{ name: 'shop.yaml', text: demo }], origin: 'test' }));
    expect(s.settings.level).toBe('pod');
    const cluster = buildCluster(loadSources([{ name: 'shop.yaml', text: demo }]).objects).cluster;
    for (const port of ['80/TCP', '8080/TCP', '5432/TCP']) {
      const v = snap(c.handle({ type: 'settings', settings: { column: port } }));
      for (const a of v.matrix.groups) {
        for (const b of v.matrix.groups) {
          if (a.kind === 'ip' && b.kind === 'ip') continue;
          const r = checkConnection(cluster, { from: a.ref!, to: b.ref!, port });
          expect(cell(v, a.id, b.id), `${a.ref} -> ${b.ref} ${port}`).toBe(r.verdict === 'allowed' ? CELL_ALL : CELL_NONE);
        }
      }
    }
    const v = snap(c.handle({ type: 'settings', settings: { column: '8080/TCP' } }));
    const row = v.matrix.groups.findIndex((g) => g.id === 'p:shop/frontend');
    const col = v.matrix.groups.findIndex((g) => g.id === 'p:shop/api');
    const e = c.handle({ type: 'explain', row, col });
    if (e.type !== 'explanation') throw new Error('no explanation');
    expect(e.explanation.verdict).toBe('allowed');
    expect(e.explanation.summary).toBe('shop/frontend can reach shop/api');
    const byRule = e.explanation.lines.find((l) => l.text.startsWith('by shop/api-from-frontend ingress rule 0'));
    expect(byRule?.link).toEqual({ file: 'shop.yaml', line: expect.any(Number), column: expect.any(Number) });
    expect(demo.split('\n')[byRule!.link!.line - 1]).toMatch(/^\s+- from:/);
  });

  it('reports a validation problem at its line and leaves the rejected policy out', () => {
    const c = new Controller();
    snap(c.handle({ type: 'load', files: [{ name: 'shop.yaml', text: demo }], origin: 'test' }));
    const broken = demo.replace('ports: [{ port: 5432 }]', 'ports: [{ port: 70000 }]');
    const s = snap(c.handle({ type: 'edit', name: 'shop.yaml', text: broken }));
    const line = broken.split('\n').findIndex((l) => l.includes('70000')) + 1;
    const errs = s.diagnostics.filter((d) => d.severity === 'error');
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]!.line).toBe(line);
    expect(s.stats.rejected).toBe(1);
    expect(s.files).toEqual([{ name: 'shop.yaml', errors: errs.length, warnings: 0 }]);
  });

  it('highlights what an edit changed, and only that', () => {
    const c = new Controller();
    snap(c.handle({ type: 'load', files: [{ name: 'shop.yaml', text: demo }], origin: 'test' }));
    const before = snap(c.handle({ type: 'settings', settings: { column: '8080/TCP' } }));
    expect(cell(before, 'p:shop/frontend', 'p:shop/api')).toBe(CELL_ALL);
    const s = snap(c.handle({ type: 'edit', name: 'shop.yaml', text: demo.replace('ports: [{ port: 8080 }]', 'ports: [{ port: 8081 }]') }));
    expect(cell(s, 'p:shop/frontend', 'p:shop/api')).toBe(CELL_NONE);
    const n = s.matrix.groups.length;
    const changed = s.changes.cells.map((k) => `${s.matrix.groups[Math.floor(k / n)]!.id}->${s.matrix.groups[k % n]!.id}`);
    expect(changed).toEqual(['p:shop/frontend->p:shop/api']);
    expect(s.changes).toMatchObject({ opened: 0, closed: 1 });
    const removed = s.graph.edges.filter((e) => e.change === 'removed').map((e) => e.id);
    expect(removed).toEqual(['p:shop/frontend->p:shop/api']);
  });

  // How long an edit takes is a benchmark figure (BENCHMARKS.md), not asserted here: this test proves the edit path
  // stays incremental and changes what the matrix shows.
  it('re-evaluates an edited policy of a 1,000-pod cluster incrementally', () => {
    const g = generate({ preset: 'realistic', pods: 1000, workloads: true });
    const files = toYamlFiles(g.objects).map((f) => ({ name: f.path, text: f.text }));
    const c = new Controller();
    const first = snap(c.handle({ type: 'load', files, origin: 'bench' }));
    expect(first.stats.pods).toBe(1000);
    expect(first.settings.level).toBe('workload');
    const pol = files.find((f) => f.name.startsWith('networkpolicies/') && /port: \d+/.test(f.text))!;
    // Watch the port the edited policy names, so that moving its ports away changes what the matrix shows.
    const port = /port: (\d+)/.exec(pol.text)![1]!;
    const column = first.columns.find((c) => c.key.startsWith(`${port}/`))!.key;
    snap(c.handle({ type: 'settings', settings: { column } }));
    let changedSomething = false;
    for (let k = 0; k < 4; k++) {
      // Alternate between the policy as generated and with its ports moved away: each edit changes connectivity.
      const text = k % 2 === 0 ? pol.text.replace(/port: (\d+)/g, 'port: 1$1') : pol.text;
      const s = snap(c.handle({ type: 'edit', name: pol.name, text }));
      expect(s.incremental).toBe(true);
      if (s.changes.cells.length > 0) changedSomething = true;
    }
    expect(changedSomething).toBe(true);
  });
});

describe('Controller with lint', () => {
  it('lists lint findings of @kordon/review on request, each linked to its line', () => {
    const c = new Controller(lintFindings);
    const broad = `${demo}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-all-in, namespace: legacy }
spec:
  podSelector: {}
  ingress: [{}]
`;
    snap(c.handle({ type: 'load', files: [{ name: 'shop.yaml', text: broad }], origin: 'test' }));
    const r = c.handle({ type: 'lint' });
    if (r.type !== 'findings') throw new Error(r.type);
    const want = lint(buildCluster(loadSources([{ name: 'shop.yaml', text: broad }]).objects).cluster).findings;
    expect(want.length).toBeGreaterThan(0);
    expect(r.findings.map((f) => `${f.rule} ${f.link?.line}`)).toEqual(want.map((f) => `${f.rule} ${f.location?.line}`));
  });
});

describe('Controller, several port columns', () => {
  const cluster = buildCluster(loadSources([{ name: 'shop.yaml', text: demo }]).objects).cluster;

  it('shows a pair open on some of the columns as partial, and names the open columns', () => {
    const c = new Controller();
    snap(c.handle({ type: 'load', files: [{ name: 'shop.yaml', text: demo }], origin: 'test' }));
    const s = snap(c.handle({ type: 'settings', settings: { column: 'any' } }));
    const columns = s.columns.filter((x) => x.key !== 'any');
    expect(columns.length).toBeGreaterThan(3);
    // Each column alone (each checked against checkConnection by the first test of this file).
    const single = columns.map((col) => snap(c.handle({ type: 'settings', settings: { column: col.key } })));
    const any = snap(c.handle({ type: 'settings', settings: { column: 'any' } }));
    let partial = 0;
    for (const a of any.matrix.groups) {
      for (const b of any.matrix.groups) {
        if (a.kind === 'ip' && b.kind === 'ip') continue;
        const open = single.filter((x) => cell(x, a.id, b.id) === CELL_ALL).map((x) => x.matrix.column.label);
        const want = open.length === columns.length ? CELL_ALL : open.length === 0 ? CELL_NONE : CELL_SOME;
        expect(cell(any, a.id, b.id), `${a.id} -> ${b.id}`).toBe(want);
        if (want !== CELL_SOME) continue;
        partial++;
        const e = c.handle({ type: 'explain', from: a.id, to: b.id });
        if (e.type !== 'explanation') throw new Error(e.type);
        expect(e.explanation.verdict).toBe('partial');
        expect(e.explanation.summary).toContain(`only on ${open.join(', ')} (${open.length} of ${columns.length} port columns)`);
        const n = any.matrix.groups.length;
        const idx = any.matrix.groups.indexOf(a) * n + any.matrix.groups.indexOf(b);
        expect(any.matrix.ports!.sets[any.matrix.ports!.ofCell[idx]!]).toEqual(open);
      }
    }
    // The defect this guards: frontend reaches api on 8080 only, and "any port" used to call that allowed.
    expect(cell(any, 'p:shop/frontend', 'p:shop/api')).toBe(CELL_SOME);
    expect(partial).toBeGreaterThan(3);
    const r = checkConnection(cluster, { from: 'shop/frontend', to: 'shop/api', port: '8080/TCP' });
    expect(r.verdict).toBe('allowed');
  });
});

describe('Controller, asking by name', () => {
  const cluster = buildCluster(loadSources([{ name: 'shop.yaml', text: demo }]).objects).cluster;

  it('answers a Service name as kordon check does, DNS lookup included', () => {
    const c = new Controller();
    snap(c.handle({ type: 'load', files: [{ name: 'shop.yaml', text: demo }], origin: 'test' }));
    for (const req of [
      { from: 'shop/frontend', to: 'api.shop' },
      { from: 'shop/frontend', to: 'api.shop.svc.cluster.local', port: '80/TCP' },
      { from: 'shop/db', to: 'api.shop' },
      { from: 'legacy/batch', to: 'api.shop' },
      { from: 'shop/frontend', to: 'nothing.shop' },
      { from: 'shop/frontend', to: 'shop/api', port: '8080' },
    ]) {
      const want = checkConnection(cluster, req);
      const e = c.handle({ type: 'check', ...req });
      if (e.type !== 'explanation') throw new Error(e.type);
      expect(e.explanation.summary, JSON.stringify(req)).toBe(want.summary);
      expect(e.explanation.verdict).toBe(want.partial ? 'partial' : want.verdict);
      if (want.dns) {
        const dns = e.explanation.lines.find((l) => l.text.startsWith('DNS lookup'));
        expect(dns?.text).toContain(want.dns.allowed ? 'allowed' : 'blocked');
        // The lookups themselves are listed whenever policies decide them, as kordon check lists them.
        if (want.dns.needed) expect(e.explanation.lines.some((l) => l.text.includes(`${want.dns!.hops[0]!.to} 53/UDP`))).toBe(true);
      }
    }
    // The name's DNS lookup blocked: the answer is the DNS step, as kordon check gives it.
    const noDns = demo.replace(/kubernetes\.io\/metadata\.name: kube-system/, 'kubernetes.io/metadata.name: nowhere');
    expect(noDns).not.toBe(demo);
    snap(c.handle({ type: 'edit', name: 'shop.yaml', text: noDns }));
    const blocked = checkConnection(buildCluster(loadSources([{ name: 'shop.yaml', text: noDns }]).objects).cluster, { from: 'shop/frontend', to: 'api.shop' });
    expect(blocked.dns?.allowed).toBe(false);
    const e = c.handle({ type: 'check', from: 'shop/frontend', to: 'api.shop' });
    if (e.type !== 'explanation') throw new Error(e.type);
    expect(e.explanation.summary).toBe(blocked.summary);
    expect(e.explanation.summary).toMatch(/^DNS lookup of api\.shop is blocked/);
  });
});

describe('Controller, rules ignored by policyTypes', () => {
  it('says which rule would admit the connection if its policy counted that direction, with its line', () => {
    const text = `${demo}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db-egress-only, namespace: shop }
spec:
  podSelector: { matchLabels: { app: db } }
  policyTypes: [Egress]
  ingress:
    - from: [{ podSelector: { matchLabels: { app: frontend } } }]
  egress: [{}]
`;
    const c = new Controller();
    snap(c.handle({ type: 'load', files: [{ name: 'shop.yaml', text }], origin: 'test' }));
    const want = checkConnection(buildCluster(loadSources([{ name: 'shop.yaml', text }]).objects).cluster, { from: 'shop/frontend', to: 'shop/db', port: '5432/TCP' });
    expect(want.hops[0]!.verdict.ingress.ignored?.map((r) => r.policy)).toEqual(['shop/db-egress-only']);
    const e = c.handle({ type: 'check', from: 'shop/frontend', to: 'shop/db', port: '5432/TCP' });
    if (e.type !== 'explanation') throw new Error(e.type);
    const line = e.explanation.lines.find((l) => l.text.startsWith('ignored: shop/db-egress-only ingress rule 0'));
    expect(line?.text).toContain('would admit it, but policyTypes [Egress] leaves out Ingress');
    expect(text.split('\n')[line!.link!.line - 1]).toMatch(/^\s+- from:/);
  });
});

describe('Controller exposure', () => {
  it('gives exposure(cluster) of @kordon/review and its CLI text, and follows edits', () => {
    const c = new Controller();
    snap(c.handle({ type: 'load', files: [{ name: 'shop.yaml', text: demo }], origin: 'test' }));
    const cluster = () => buildCluster(loadSources([{ name: 'shop.yaml', text: current }]).objects).cluster;
    let current = demo;
    const got = c.handle({ type: 'exposure' });
    if (got.type !== 'exposure') throw new Error(`expected exposure, got ${got.type}`);
    const want = exposure(cluster());
    expect(got.report).toEqual(want);
    expect(got.text).toBe(exposureText(want));
    expect(want.entries.length).toBeGreaterThan(0);
    // An edit that drops every NetworkPolicy leaves every workload unprotected, and the page says so.
    current = demo.split(/^---$/m).filter((d) => !/kind:\s*NetworkPolicy/.test(d)).join('---');
    snap(c.handle({ type: 'edit', name: 'shop.yaml', text: current }));
    const after = c.handle({ type: 'exposure' });
    if (after.type !== 'exposure') throw new Error(`expected exposure, got ${after.type}`);
    expect(after.report).toEqual(exposure(cluster()));
    expect(after.report.unprotected.ingress.length).toBe(after.report.entries.length);
    expect(after.text).not.toBe(got.text);
  });
});
