// evaluate() against a reference written straight from shared/docs/semantics.md, reading the raw manifests (not the
// engine's normalized model): this checks defaulting, normalization and evaluation together. The matrix is checked
// against evaluate() elsewhere (matrix.property.test.ts), so the three agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { podByName } from '../conformance/__fixtures__/harness.js';
import { build, clusterArb, explicitArb, manifestsOf, PORTS, PROTOS } from '../conformance/__fixtures__/random-cluster.js';
import { reference, type Obj, type REnd } from '../conformance/__fixtures__/reference.js';

describe('evaluate agrees with a reference read straight from the semantics', () => {
  it('on random clusters, every pod pair and outside address, on named, listed and random ports', () => {
    fc.assert(
      fc.property(clusterArb, explicitArb, (input, opts) => {
        const manifests = manifestsOf(input) as Obj[];
        const cluster = build(input);
        const ref = reference(manifests);
        expect(cluster.pods.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(ref.pods.map((p) => p.id).sort());
        const ends: REnd[] = [...ref.pods.map((pod) => ({ pod })), ...opts.ips.map((ip) => ({ ip }))];
        const toEngine = (e: REnd) => ('pod' in e ? { kind: 'pod' as const, pod: podByName(cluster, e.pod.id) } : { kind: 'ip' as const, ip: e.ip });
        const probes = [...opts.ports, ...PORTS.flatMap((port) => PROTOS.map((protocol) => ({ port, protocol })))];
        const bad: string[] = [];
        for (const a of ends) {
          for (const b of ends) {
            if ('ip' in a && 'ip' in b) continue;
            for (const { port, protocol } of probes) {
              const want = ref.allowed(a, b, port, protocol);
              const got = evaluate(cluster, { from: toEngine(a), to: toEngine(b), port, protocol }).allowed;
              if (got !== want) bad.push(`${'pod' in a ? a.pod.id : a.ip} -> ${'pod' in b ? b.pod.id : b.ip} ${port}/${protocol}: evaluate ${got}, reference ${want}`);
            }
          }
        }
        expect(bad.slice(0, 10)).toEqual([]);
      }),
      { seed: 1122, numRuns: 120 },
    );
  });
});
