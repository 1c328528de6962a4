// Random clusters with random cluster policies of both tiers and all three kinds (the engine's property generator),
// enforced by kordon's nftables in the lab: on every probed column, pod to pod and pod to outside address, the real
// packets must equal the engine's matrix cell for cell.
import { computeMatrix, type Cluster } from '@kordon/engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tieredClusterArb, tieredManifestsOf, type TieredInput } from '../../../engine/src/conformance/__fixtures__/random-cluster.js';
import { LabSession, withLabAddresses } from '../lab/probe.js';
import { compileRuleset } from '../nft/compile.js';
import { renderRuleset } from '../nft/ruleset.js';
import { INLINE_PORT_ATOMS } from '../nft/tiers.js';
import { requirePrivileges } from '../test-support.js';
import { clusterOf } from './upstream.js';

requirePrivileges();

const COLUMNS = [
  { label: '80/TCP', port: 80, protocol: 'TCP' as const },
  { label: '443/UDP', port: 443, protocol: 'UDP' as const },
  { label: '9000/TCP', port: 9000, protocol: 'TCP' as const },
  { label: '53/UDP', port: 53, protocol: 'UDP' as const },
];
/** Outside addresses: one inside the generator's pod ranges, one on the internet. */
const OUTSIDE = ['10.0.0.200', '8.8.8.8'];

type Obj = Record<string, unknown>;

/**
 * What the lab can host: running pods off the host network, each address used once (the generator may give two
 * pods one address); pods without an address get one from the lab. IPv4 only: the engine judges a dual-stack pod as
 * one endpoint (a `networks` CIDR or ipBlock matches when any of its addresses is inside), while a packet has one
 * family, so the kernel matches its own address only; the two readings differ for pods of mixed families.
 */
function labCluster(objects: Obj[]): Cluster {
  const used = new Set<string>();
  const kept = objects.filter((o) => {
    if (o['kind'] !== 'Pod') return true;
    const spec = o['spec'] as Obj;
    const status = o['status'] as Obj;
    if (spec['hostNetwork'] || status['phase'] !== 'Running') return false;
    const ips = ((status['podIPs'] as Array<{ ip: string }> | undefined) ?? []).map((x) => x.ip).filter((ip) => !ip.includes(':'));
    if (ips.some((ip) => used.has(ip))) return false;
    if (ips.length) Object.assign(status, { podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) });
    else {
      delete status['podIP'];
      delete status['podIPs'];
    }
    for (const ip of ips) used.add(ip);
    return true;
  });
  const { cluster, diagnostics } = clusterOf(kept);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return withLabAddresses(cluster);
}

const matrixOf = (c: Cluster) => computeMatrix(c, { ports: COLUMNS.map((col) => ({ port: col.port, protocol: col.protocol })), ips: OUTSIDE });
const rowsOf = (m: ReturnType<typeof matrixOf>) => COLUMNS.flatMap((_, c) => m.endpoints.map((_e, i) => m.row(c, i)));

/**
 * Random subjects seldom select a pod of a small cluster, so most samples would test nothing: every cluster policy
 * here applies to every pod, and its rules' random peers and ports decide.
 */
function everyPodSubject(input: TieredInput): TieredInput {
  const all = { namespaces: {} };
  return { ...input, policies: input.policies.map((p) => ({ ...p, subject: all })), ...(input.banp ? { banp: { ...input.banp, subject: all } } : {}) };
}

/** Many random clusters still allow everything: keep those where the cluster policies change some verdict. */
function tiersDecideSomething(c: Cluster): boolean {
  const with_ = rowsOf(matrixOf(c));
  return with_.join('') !== rowsOf(matrixOf({ ...c, clusterPolicies: [] })).join('') && with_.some((r) => r.includes('0')) && with_.some((r) => r.includes('1'));
}

/**
 * The generator gives a rule at most two port entries, which the compiler tests in the rule itself. To prove the other
 * layout (peer · protocol · port sets, past INLINE_PORT_ATOMS atoms) with packets too, this adds to every rule with
 * ports as many more TCP ports, apart from each other and from every port the generator or the probes use.
 */
function manyPorts(objects: Obj[]): Obj[] {
  const extra = Array.from({ length: INLINE_PORT_ATOMS }, (_, i) => 40001 + 2 * i);
  return objects.map((o) => {
    const cnp = o['kind'] === 'ClusterNetworkPolicy';
    if (!cnp && o['kind'] !== 'AdminNetworkPolicy' && o['kind'] !== 'BaselineAdminNetworkPolicy') return o;
    const key = cnp ? 'protocols' : 'ports';
    const pad = (rules: unknown): unknown =>
      Array.isArray(rules)
        ? rules.map((r: Obj) =>
            Array.isArray(r[key]) ? { ...r, [key]: [...(r[key] as Obj[]), ...extra.map((port) => (cnp ? { tcp: { destinationPort: { number: port } } } : { portNumber: { protocol: 'TCP', port } }))] } : r,
          )
        : rules;
    const spec = o['spec'] as Obj;
    return { ...o, spec: { ...spec, ingress: pad(spec['ingress']), egress: pad(spec['egress']) } };
  });
}

describe('cluster policy tiers: nftables in the lab agree with the engine on random clusters', () => {
  const inputs = fc.sample(tieredClusterArb, { seed: 4242, numRuns: 500 });
  const pick = (manifests: (input: TieredInput) => Obj[], n: number) =>
    inputs
      .map((input) => labCluster(manifests(input)))
      .filter((c) => c.pods.length >= 3 && c.clusterPolicies.length >= 2 && tiersDecideSomething(c))
      .slice(0, n);
  const samples = pick((input) => tieredManifestsOf(everyPodSubject(input)) as Obj[], 8);
  const padded = pick((input) => manyPorts(tieredManifestsOf(everyPodSubject(input)) as Obj[]), 4);

  it('has enough samples with cluster policies to mean something', () => {
    expect(samples).toHaveLength(8);
    expect(padded).toHaveLength(4);
  });

  it('the padded samples test their rules with ports in peer · protocol · port sets', () => {
    for (const c of padded) {
      const withPorts = c.clusterPolicies.flatMap((p) => [...p.ingress, ...p.egress]).filter((r) => r.ports !== null && !r.failClosed);
      expect(withPorts.length).toBeGreaterThan(0);
      for (const r of withPorts) expect(r.ports!.length).toBeGreaterThan(INLINE_PORT_ATOMS);
    }
    expect(padded.some((c) => /th dport @t_\w+_[ps]4/.test(renderRuleset(compileRuleset(c)))), 'some padded rule compiled to point sets').toBe(true);
  });

  [...samples.map((c, n) => ({ c, name: `sample ${n}` })), ...padded.map((c, n) => ({ c, name: `many ports, sample ${n}` }))].forEach(({ c: cluster, name }) => {
    it(`${name}: ${cluster.pods.length} pods, ${cluster.clusterPolicies.length} cluster policies, ${cluster.policies.length} NetworkPolicies`, async () => {
      const m = matrixOf(cluster);
      const session = await LabSession.open(cluster, { ips: OUTSIDE, serve: COLUMNS });
      try {
        await session.enforce(cluster);
        const probed = await session.probe(COLUMNS, 700);
        expect(probed.endpoints).toEqual([...m.endpoints]);
        // Two endpoints without a shared address family cannot connect in any network: those cells say nothing.
        const ips = m.endpoints.map((_, i) => (i < cluster.pods.length ? cluster.pods[i]!.ips : [m.endpoints[i]!]));
        const v6 = (ip: string) => ip.includes(':');
        const shared = (i: number, j: number) => ips[i]!.some((a) => ips[j]!.some((b) => v6(a) === v6(b)));
        const mask = (row: string, i: number) => [...row].map((ch, j) => (ch === '-' || !shared(i, j) ? '-' : ch)).join('');
        let compared = 0;
        COLUMNS.forEach((col, c) => {
          const engine = m.endpoints.map((_, i) => mask(m.row(c, i), i));
          compared += engine.join('').replace(/-/g, '').length;
          expect(probed.allowed[col.label]!.map(mask), `${col.label}: probed vs engine; endpoints ${m.endpoints.join(' ')}`).toEqual(engine);
        });
        expect(compared).toBeGreaterThan(COLUMNS.length * cluster.pods.length);
      } finally {
        await session.close();
      }
    }, 120_000);
  });
});
