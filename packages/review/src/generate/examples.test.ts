// Evidence: for every tutorial scenario, policies generated from its true expectations make the engine give exactly
// the expected verdict on every asserted pair; each file validates and lints clean; every other connection they allow
// is listed with a reason; and the set stays small (no more policies than workloads x 2 + namespaces x 3).
import { describe, expect, it } from 'vitest';
import { buildCluster, checkConnection, evaluate, loadSources, type Endpoint } from '@kordon/engine';
import { generatePolicies, parseExpectations } from '../index.js';
import { readExample, scenarioDirs, scenarioFiles } from '../__fixtures__/support.js';

describe('kordon generate on every scenario of examples/, from its true expectations', () => {
  const dirs = scenarioDirs();
  it('finds the scenarios', () => expect(dirs.length).toBeGreaterThanOrEqual(20));
  for (const dir of dirs) {
    it(dir, () => {
      const files = scenarioFiles(dir);
      const objects = loadSources(files).objects;
      const exp = parseExpectations(readExample(`${dir}/expect.yaml`));
      const r = generatePolicies({ objects, expectations: [exp], flows: [] });
      expect(r.problems).toEqual([]);
      expect(r.proof.validation).toEqual([]);
      expect(r.proof.lint.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
      expect(r.proof.allowed.failures).toEqual([]);
      expect(r.proof.denied.failures).toEqual([]);
      expect(r.proof.expectations.failed).toBe(0);
      expect(r.proof.holds).toBe(true);

      // The same, without the generator's own proof: the generated text loaded as a user would apply it, each
      // expectation asked of the engine as kordon check asks it.
      const generated = loadSources(r.files);
      expect(generated.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      const kept = objects.filter((o) => o.kind !== 'NetworkPolicy' || !r.scope.includes(o.namespace ?? 'default'));
      const applied = buildCluster([...kept, ...generated.objects]);
      expect(applied.diagnostics.filter((d) => d.severity === 'error' && d.file.startsWith('generated/'))).toEqual([]);
      expect(applied.cluster.policies.filter((p) => p.source?.file.startsWith('generated/')).length).toBe(r.policies.length);
      for (const x of exp.expectations) {
        if (x.from.kind !== 'name' || x.to.kind !== 'name') continue;
        const c = checkConnection(applied.cluster, x.port === undefined ? { from: x.from.text, to: x.to.text } : { from: x.from.text, to: x.to.text, port: x.port });
        expect(c.verdict, `${x.name}: ${c.summary}`).toBe(x.expect);
        expect(c.partial).toBe(false);
      }

      // Every extra is explained, and the extras are complete: each pod pair (and address) of a generated namespace
      // that evaluate() allows on a probed port is either asked for or counted in an extra group.
      for (const e of r.proof.extras) expect(e.reason.length, JSON.stringify(e)).toBeGreaterThan(20);
      const pods = applied.cluster.pods;
      const scoped = (p: (typeof pods)[number]) => !p.hostNetwork && r.scope.includes(p.namespace);
      const asked = new Set(r.connections.allow);
      const listed = new Set(r.proof.extras.flatMap((e) => e.pairList));
      const ports = [...new Set([...r.connections.allow.map((c) => c.split(' ').pop()!), ...r.policies.flatMap((p) => [...p.ingress, ...p.egress].flatMap((x) => x.ports.map((q) => `${q.number}/${q.protocol}`))), ...pods.flatMap((p) => p.containerPorts.map((c) => `${c.port}/${c.protocol}`))])];
      for (const a of pods) {
        for (const b of pods) {
          if (a === b || !(scoped(a) || scoped(b))) continue;
          for (const port of ports) {
            const [n, proto] = port.split('/') as [string, 'TCP' | 'UDP' | 'SCTP'];
            const from: Endpoint = { kind: 'pod', pod: a };
            const to: Endpoint = { kind: 'pod', pod: b };
            const v = evaluate(applied.cluster, { from, to, port: Number(n), protocol: proto });
            if (!v.allowed || v.always) continue;
            const pair = `${a.namespace}/${a.name} -> ${b.namespace}/${b.name} ${port}`;
            if (!listed.has(pair)) expect(asked.has(pair), `${pair} is allowed but neither asked for nor listed`).toBe(true);
          }
        }
      }

      // Readable: few policies, selectors on stable labels only.
      const namespaces = new Set(r.units.map((u) => u.namespace)).size;
      expect(r.policies.length).toBeLessThanOrEqual(r.units.length * 2 + namespaces * 3);
      for (const f of r.files) expect(f.text).not.toMatch(/pod-template-hash|controller-revision-hash|statefulset\.kubernetes\.io\/pod-name|apps\.kubernetes\.io\/pod-index/);
    });
  }
});

