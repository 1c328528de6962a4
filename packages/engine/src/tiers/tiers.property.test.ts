// The compiled tiers against the plain reference (conformance/__fixtures__/reference.ts), on random clusters with
// random cluster policies of both tiers and all three kinds; and the bitset matrix against evaluate() cell by cell on
// the same clusters, so the three agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../eval/evaluate.js';
import { matrixVsEvaluate, podByName } from '../conformance/__fixtures__/harness.js';
import { buildTiered, explicitArb, largeTieredClusterArb, PORTS, PROTOS, tieredClusterArb, tieredManifestsOf } from '../conformance/__fixtures__/random-cluster.js';
import { reference, type Obj, type REnd } from '../conformance/__fixtures__/reference.js';

describe('cluster policy tiers', () => {
  it('evaluate agrees with the reference on every pod pair and outside address', () => {
    fc.assert(
      fc.property(tieredClusterArb, explicitArb, (input, opts) => {
        const cluster = buildTiered(input);
        const ref = reference(tieredManifestsOf(input) as Obj[]);
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
      { seed: 909, numRuns: 150 },
    );
  });

  it('the matrix agrees with evaluate, default columns and explicit ports with outside addresses', () => {
    fc.assert(
      fc.property(tieredClusterArb, explicitArb, (input, opts) => {
        const cluster = buildTiered(input);
        expect(matrixVsEvaluate(cluster)).toEqual([]);
        expect(matrixVsEvaluate(cluster, { ports: opts.ports, ips: opts.ips })).toEqual([]);
      }),
      { seed: 910, numRuns: 120 },
    );
  });

  it('the matrix agrees with evaluate on large clusters (multi-word bitsets)', () => {
    fc.assert(
      fc.property(largeTieredClusterArb, explicitArb, (input, opts) => {
        expect(matrixVsEvaluate(buildTiered(input), { ips: opts.ips })).toEqual([]);
      }),
      { seed: 911, numRuns: 3 },
    );
  }, 120_000);
});
