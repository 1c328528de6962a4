// explainClusterPolicy and explainPodTiers against the walk evaluate records, on every network-policy-api policy file,
// and against the platform scenario of examples/005-cluster-policy-tiers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCluster, evaluate, explainClusterPolicy, explainPodTiers, loadSources, type Cluster } from '../index.js';

const BASE = `${process.env['KORDON_SHARED'] ?? '/work/shared'}/conformance/network-policy-api/base`;
const read = (dir: string, names: readonly string[]) => names.map((n) => ({ name: n, text: readFileSync(join(dir, n), 'utf8') }));
const world = read(BASE, ['manifests.yaml', 'pods.yaml', 'nodes.yaml']);
const files = ['admin_tier', 'baseline_tier', 'api_integration'].flatMap((d) => readdirSync(join(BASE, d)).map((f) => `${d}/${f}`));
const clusterOf = (extra: { name: string; text: string }[]): Cluster => buildCluster(loadSources([...world, ...extra]).objects).cluster;

describe('the tiers per pod are the policies the walk consults', () => {
  it.each(files)('%s', (file) => {
    const cluster = clusterOf(read(BASE, [file]));
    const client = cluster.pods.find((p) => !p.hostNetwork)!;
    for (const pod of cluster.pods) {
      const t = explainPodTiers(cluster, pod);
      for (const direction of ['ingress', 'egress'] as const) {
        const [from, to] = direction === 'ingress' ? [client, pod] : [pod, client];
        if (from === to) continue;
        const steps = evaluate(cluster, { from: { kind: 'pod', pod: from }, to: { kind: 'pod', pod: to }, port: 80, protocol: 'TCP' })[direction].tiers;
        const withRules = (id: string) => {
          const p = cluster.clusterPolicies.find((c) => c.id === id)!;
          return (direction === 'ingress' ? p.ingress : p.egress).length > 0;
        };
        if (pod.hostNetwork) {
          expect(t[direction].admin).toEqual([]);
          continue;
        }
        expect(t[direction].admin).toEqual((steps?.[0]?.policies ?? []).filter(withRules));
        const baseline = steps?.find((s) => s.tier === 'Baseline');
        if (baseline) expect(t[direction].baseline).toEqual((baseline.policies ?? []).filter(withRules));
        expect(t[direction].baselineReached).toBe(!steps?.some((s) => s.tier === 'NetworkPolicy' && s.outcome !== 'not-isolated'));
      }
    }
    for (const p of cluster.clusterPolicies) {
      const e = explainClusterPolicy(cluster, p);
      const selecting = cluster.pods.filter((pod) => explainPodTiers(cluster, pod).ingress.admin.concat(explainPodTiers(cluster, pod).ingress.baseline, explainPodTiers(cluster, pod).egress.admin, explainPodTiers(cluster, pod).egress.baseline).includes(p.id));
      expect(e.subject.pods).toEqual(expect.arrayContaining(selecting.map((x) => `${x.namespace}/${x.name}`)));
      expect(e.ingress.map((r) => r.index)).toEqual(p.ingress.map((r) => r.index));
    }
  });
});

const PLATFORM = fileURLToPath(new URL('../../../../examples/005-cluster-policy-tiers/platform/', import.meta.url));
const platform = () => buildCluster(loadSources(readdirSync(PLATFORM).filter((n) => n.endsWith('.yaml') && !n.startsWith('expect')).sort().map((n) => ({ name: n, text: readFileSync(join(PLATFORM, n), 'utf8') }))).objects).cluster;

describe('the platform scenario in words', () => {
  const cluster = platform();
  const byId = (id: string) => explainClusterPolicy(cluster, cluster.clusterPolicies.find((p) => p.id === id)!);

  it.each([
    ['cnp/allow-monitoring', 'Admin', 10, 1, 7, ['Accept', 'Accept'], []],
    ['cnp/isolate-sandbox', 'Admin', 20, 2, 2, ['Deny'], []],
    ['cnp/pass-to-namespace-owners', 'Admin', 20, 3, 7, ['Pass'], []],
    ['cnp/protect-legacy', 'Admin', 30, 4, 0, ['Deny'], []],
    ['cnp/sandbox-egress', 'Baseline', 100, 1, 1, [], ['Accept', 'Deny']],
  ] as const)('%s: %s tier, priority %d, tried #%d, %d pods', (id, tier, priority, order, pods, ingress, egress) => {
    const e = byId(id);
    expect([e.tier, e.priority, e.order, e.subject.pods.length]).toEqual([tier, priority, order, pods]);
    expect(e.ingress.map((r) => r.action)).toEqual(ingress);
    expect(e.egress.map((r) => r.action)).toEqual(egress);
  });

  it('rules carry their peers, the pods they match, protocols and place', () => {
    const m = byId('cnp/allow-monitoring');
    expect(m.ingress[1]).toMatchObject({ name: 'prometheus-metrics', protocols: ['named port metrics'], location: { line: 19 } });
    expect(m.ingress[1]!.peers[0]).toMatchObject({ kind: 'pods', text: 'pods app=prometheus in namespaces kubernetes.io/metadata.name=monitoring', pods: ['monitoring/prometheus-0'] });
    const deny = byId('cnp/sandbox-egress').egress[1]!;
    expect(deny.peers[0]!.pods).toHaveLength(7);
    expect(deny.text).toBe('Deny to networks 0.0.0.0/0, ::/0 on every port');
    expect(byId('cnp/sandbox-egress').summary[0]).toBe('Baseline tier, priority 100: tried first of 1 in the tier.');
  });

  it('per pod: the Admin policies, the NetworkPolicies and whether Baseline is reached', () => {
    const pod = (id: string) => explainPodTiers(cluster, cluster.pods.find((p) => `${p.namespace}/${p.name}` === id)!);
    expect(pod('payments/db-0').ingress).toMatchObject({ admin: ['cnp/allow-monitoring', 'cnp/isolate-sandbox', 'cnp/pass-to-namespace-owners'], networkPolicy: ['payments/db-from-api'], baselineReached: false });
    expect(pod('sandbox/tester').egress).toMatchObject({ admin: [], networkPolicy: [], baseline: ['cnp/sandbox-egress'], baselineReached: true });
    expect(pod('sandbox/tester').egress.text).toBe('[Admin] none → [NetworkPolicy] not isolated → [Baseline] cnp/sandbox-egress → allowed when nothing decides');
  });
});
