// tierDecision is the walk evaluate records: for every pod pair of the network-policy-api world with each upstream
// policy file, and the ports the files name, the Admin (and, when reached, Baseline) step is the same object.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCluster, evaluate, loadSources, tierDecision, tierRuleCovers, type Protocol } from '../index.js';

const BASE = `${process.env['KORDON_SHARED'] ?? '/work/shared'}/conformance/network-policy-api/base`;
const world = ['manifests.yaml', 'pods.yaml', 'nodes.yaml'].map((f) => ({ name: f, text: readFileSync(join(BASE, f), 'utf8') }));
const files = ['admin_tier', 'baseline_tier'].flatMap((d) => readdirSync(join(BASE, d)).map((f) => `${d}/${f}`));
const PORTS: Array<[number, Protocol]> = [[80, 'TCP'], [8080, 'TCP'], [53, 'UDP'], [5353, 'UDP'], [9003, 'SCTP']];

describe('tierDecision equals the step evaluate records', () => {
  it.each(files)('%s', (file) => {
    const cluster = buildCluster(loadSources([...world, { name: file, text: readFileSync(join(BASE, file), 'utf8') }]).objects).cluster;
    expect(cluster.clusterPolicies.length).toBeGreaterThan(0);
    let compared = 0;
    for (const from of cluster.pods) for (const to of cluster.pods) {
      if (from === to || to.hostNetwork) continue;
      for (const [port, protocol] of PORTS) {
        const v = evaluate(cluster, { from: { kind: 'pod', pod: from }, to: { kind: 'pod', pod: to }, port, protocol });
        const steps = v.ingress.tiers ?? [];
        const q = { direction: 'ingress' as const, local: to, remote: { kind: 'pod' as const, pod: from }, port, protocol };
        expect(tierDecision(cluster, { ...q, tier: 'Admin' })).toEqual(steps[0]);
        const baseline = steps.find((s) => s.tier === 'Baseline');
        if (baseline) expect(tierDecision(cluster, { ...q, tier: 'Baseline' })).toEqual(baseline);
        // The deciding rule covers the connection; no earlier rule of the same policy does.
        const decider = steps.find((s) => s.rule !== undefined);
        if (decider) {
          const p = cluster.clusterPolicies.find((c) => c.ref.name === decider.policy!.name)!;
          const rules = p.ingress;
          expect(tierRuleCovers(cluster, { ...q, tier: p.tier }, rules[decider.rule!]!)).toBe(true);
          for (const r of rules.slice(0, decider.rule)) expect(tierRuleCovers(cluster, { ...q, tier: p.tier }, r)).toBe(false);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
