// Classes numbered by role (classes.ts `roleOrder`, which `matrix --count` asks for) are the same classes in another
// order: every endpoint keeps its class mates, its isolating policies, and its place in every set the class model
// answers (who a policy selects, who a rule's peers are, cluster policy subjects and address ranges). The counts by
// roles over them are held to the cells and to the reference evaluator in factored.property.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cluster, LabelSelector } from '../model/types.js';
import { forEachBitOf, type Bits } from './bitset.js';
import { buildClasses, type ClassModel } from './classes.js';
import { tierAddressRanges } from '../tiers/query.js';
import { build, buildTiered, explicitArb, mediumClusterArb, mediumTieredClusterArb } from '../conformance/__fixtures__/random-cluster.js';

/** Everything the class model answers, in endpoints (sorted indices) instead of classes. */
function endpointView(cluster: Cluster, cm: ClassModel) {
  const ends = (b: Bits): number[] => {
    const out: number[] = [];
    forEachBitOf(b, (c) => out.push(...cm.members[c]!));
    return out.sort((x, y) => x - y);
  };
  const selectors: LabelSelector[] = [{ matchLabels: {}, matchExpressions: [] }, ...cluster.policies.map((p) => p.podSelector)];
  return {
    count: cm.count,
    mates: Array.from(cm.classOf, (c) => [...cm.members[c]!].sort((x, y) => x - y)),
    isolating: Array.from(cm.classOf, (c) => [cm.ingressPolicies[c]!.map((p) => p.id), cm.egressPolicies[c]!.map((p) => p.id)]),
    selected: cluster.policies.map((p) => ends(cm.selectedBy(p))),
    peers: cluster.policies.map((p) => [...p.ingress, ...p.egress].map((r) => ends(cm.peersOf(p, r)))),
    matching: selectors.map((sel) => ends(cm.podsMatching(sel, sel))),
    ranges: tierAddressRanges(cluster).map((cidr) => ends(cm.inRange(cidr))),
  };
}

/** Whether numbering by role moved any class. */
const moved = (cluster: Cluster, ips: readonly string[]): boolean => {
  const a = buildClasses(cluster, ips).classOf;
  const b = buildClasses(cluster, ips, { byRole: 'always' }).classOf;
  return a.some((c, i) => c !== b[i]);
};

describe('classes numbered by role', () => {
  it('answer as the classes in input order, endpoint by endpoint', () => {
    let renumbered = 0;
    fc.assert(
      fc.property(mediumClusterArb, explicitArb, (input, opts) => {
        const cluster = build(input);
        if (moved(cluster, opts.ips)) renumbered++;
        expect(endpointView(cluster, buildClasses(cluster, opts.ips, { byRole: 'always' }))).toEqual(endpointView(cluster, buildClasses(cluster, opts.ips)));
      }),
      { seed: 1220, numRuns: 120 },
    );
    // Not vacuous: most of these clusters interleave roles, so their classes move.
    expect(renumbered).toBeGreaterThan(60);
  });

  it('with cluster policies of both tiers', () => {
    fc.assert(
      fc.property(mediumTieredClusterArb, explicitArb, (input, opts) => {
        const cluster = buildTiered(input);
        expect(endpointView(cluster, buildClasses(cluster, opts.ips, { byRole: 'always' }))).toEqual(endpointView(cluster, buildClasses(cluster, opts.ips)));
      }),
      { seed: 1221, numRuns: 60 },
    );
  });
});
