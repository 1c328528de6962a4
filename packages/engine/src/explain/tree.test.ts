// The explanation tree, table-driven: exact trees for the connections the examples' tiers tutorial explains, and on
// every verdict of the network-policy-api conformance suite and every expectation of the examples, the invariants
// that make the tree a faithful account of the verdict (what each step says, and that every rule it cites exists).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkConnection, type Hop } from '../query/check.js';
import { loadSources } from '../load/load.js';
import { buildCluster } from '../model/build.js';
import type { Cluster } from '../model/types.js';
import { clusterOfFiles, podByName } from '../conformance/__fixtures__/harness.js';
import { cases, mutate, world } from '../conformance/__fixtures__/network-policy-api.js';
import { evaluate } from '../eval/evaluate.js';
import { citedClusterPolicy, citedNetworkPolicy, explainConnection } from './connection.js';
import { formatRuleCite } from './cite.js';
import type { ConnectionExplanation, DirectionExplanation, RuleCite } from './tree.js';
import { describeMiss, describeStep, describeWalk } from './tree-words.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

function clusterOfDir(dir: string): Cluster {
  const files = readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('expect'))
    .sort()
    .map((name) => ({ name: join(dir, name), text: readFileSync(join(dir, name), 'utf8') }));
  return buildCluster(loadSources(files).objects).cluster;
}

/** The rule a cite names, in the model: its peers and ports, or a reason it does not exist. */
function citedRule(cluster: Cluster, c: RuleCite): { peers: number; ports: number | null } | string {
  const np = citedNetworkPolicy(cluster, c);
  if (np) {
    const r = (c.direction === 'ingress' ? np.ingress : np.egress)[c.rule];
    return r ? { peers: r.peers?.length ?? 0, ports: r.ports?.length ?? null } : `${formatRuleCite(c)}: no such rule`;
  }
  const cp = citedClusterPolicy(cluster, c);
  if (!cp) return `${formatRuleCite(c)}: no such policy`;
  const r = (c.direction === 'ingress' ? cp.ingress : cp.egress)[c.rule];
  if (!r) return `${formatRuleCite(c)}: no such rule`;
  if (r.name !== c.name) return `${formatRuleCite(c)}: the rule is named ${r.name}`;
  return { peers: r.peers.length, ports: r.ports?.length ?? null };
}

function citeProblems(cluster: Cluster, c: RuleCite): string[] {
  const r = citedRule(cluster, c);
  if (typeof r === 'string') return [r];
  const out: string[] = [];
  if (c.peer !== undefined && c.peer >= r.peers) out.push(`${formatRuleCite(c)}: peer ${c.peer} of ${r.peers}`);
  if (c.port !== undefined && (r.ports === null || c.port >= r.ports)) out.push(`${formatRuleCite(c)}: port ${c.port} of ${r.ports}`);
  if (!c.source || c.source.line <= 0) out.push(`${formatRuleCite(c)}: no place in the manifest`);
  return out;
}

/** The codes a miss of each kind of cluster policy peer can have. */
const PEER_MISS_CODES: Readonly<Record<string, readonly string[]>> = {
  namespaces: ['not-a-pod', 'host-network', 'namespace-selector'],
  pods: ['not-a-pod', 'host-network', 'namespace-selector', 'pod-selector'],
  networks: ['no-ip-for-networks', 'outside-networks'],
  nodes: ['not-node-address'],
  domainNames: ['domain-names'],
};

const ORDER = { Admin: 0, NetworkPolicy: 1, Baseline: 2 } as const;

/** Everything that must hold of one direction of the tree, given the verdict it was built from. */
function directionProblems(cluster: Cluster, d: DirectionExplanation, allowed: boolean): string[] {
  const out: string[] = [];
  if (d.allowed !== allowed) out.push(`${d.direction}: tree says ${d.allowed}, verdict ${allowed}`);
  if (d.bypass) return d.steps.length === 0 ? out : [...out, `${d.direction}: a bypass with steps`];
  if (d.steps.length === 0) return [...out, `${d.direction}: no steps`];
  d.steps.forEach((s, i) => {
    if (i > 0 && ORDER[s.tier] <= ORDER[d.steps[i - 1]!.tier]) out.push(`${d.direction}: ${s.tier} after ${d.steps[i - 1]!.tier}`);
    const decides = s.outcome === 'accept' || s.outcome === 'deny';
    if (decides && i < d.steps.length - 1) out.push(`${d.direction}: ${describeStep(s)} decides but the walk goes on`);
    if (i === d.steps.length - 1) {
      const says = s.outcome === 'accept' || s.outcome === 'not-isolated' ? true : s.outcome === 'deny' ? false : d.byDefault ? true : undefined;
      if (says !== allowed) out.push(`${d.direction}: the walk ends in ${describeStep(s)} (default ${d.byDefault}) but the verdict is ${allowed}`);
    }
    if (s.tier === 'NetworkPolicy') {
      for (const c of s.admittedBy) out.push(...citeProblems(cluster, c));
      if (s.outcome === 'accept' && s.admittedBy.length === 0) out.push(`${d.direction}: NetworkPolicy accepts with no rule`);
      if (s.outcome !== 'deny' && s.nearMisses.length > 0) out.push(`${d.direction}: near misses of an allowed side`);
      for (const x of s.ignored) out.push(...citeProblems(cluster, x.rule));
    } else {
      if (s.decidedBy) out.push(...citeProblems(cluster, s.decidedBy));
      if ((s.outcome === 'no-match') !== (s.decidedBy === undefined)) out.push(`${d.direction}: ${s.tier} ${s.outcome} with decidedBy ${s.decidedBy !== undefined}`);
    }
    for (const m of s.nearMisses) {
      if (m.tier !== s.tier) out.push(`${d.direction}: a ${m.tier} miss under ${s.tier}`);
      out.push(...citeProblems(cluster, m.rule));
      const r = citedRule(cluster, m.rule);
      // A rule whose peer failed misses on every one of its peers, each with its own reason.
      if (typeof r !== 'string' && m.why.failed === 'peer' && m.why.peers.length !== r.peers) out.push(`${formatRuleCite(m.rule)}: ${m.why.peers.length} reasons for ${r.peers} peers`);
      if (m.tier !== 'NetworkPolicy' && m.why.failed === 'peer') {
        const rule = citedClusterPolicy(cluster, m.rule)?.[m.rule.direction][m.rule.rule];
        m.why.peers.forEach((p, i) => {
          const kind = rule?.peers[i]?.kind ?? 'none';
          if (!PEER_MISS_CODES[kind]?.includes(p.code)) out.push(`${formatRuleCite(m.rule)}: a ${kind} peer missed with ${p.code}`);
        });
      }
      if (m.why.failed !== m.failed) out.push(`${formatRuleCite(m.rule)}: failed ${m.failed}, why ${m.why.failed}`);
      if (describeMiss(m).length === 0) out.push(`${formatRuleCite(m.rule)}: a miss without words`);
    }
  });
  return out;
}

function treeProblems(cluster: Cluster, hop: Hop, t: ConnectionExplanation): string[] {
  const out: string[] = [];
  if (t.allowed !== hop.verdict.allowed) out.push(`tree says ${t.allowed}, verdict ${hop.verdict.allowed}`);
  if (t.always !== hop.verdict.always) out.push(`always ${t.always} vs ${hop.verdict.always}`);
  out.push(...directionProblems(cluster, t.egress, hop.verdict.egress.allowed), ...directionProblems(cluster, t.ingress, hop.verdict.ingress.allowed));
  return out.map((p) => `${hop.from} -> ${hop.to} ${hop.port}/${hop.protocol}: ${p}`);
}

describe('explanation tree: the tiers tutorial (examples/005), exact', () => {
  const cluster = clusterOfDir(join(EXAMPLES, '005-cluster-policy-tiers/platform'));
  const tree = (from: string, to: string, port: string) => {
    const r = checkConnection(cluster, { from, to, port });
    expect(r.hops).toHaveLength(1);
    return explainConnection(cluster, r.hops[0]!);
  };
  const cases: Array<[string, string, string, string, string, boolean]> = [
    // from, to, port, egress walk, ingress walk, allowed. The Admin policies have ingress rules only: on egress they
    // select the pod and no rule matches. sandbox-egress (Baseline) denies all but namespace frontend.
    ['frontend/web-7d4b9c6f8-9qz2m', 'payments/api-6f9c7d8b5-k2x4p', '8080/TCP', '[Admin] no rule matches → [NetworkPolicy] not isolated → [Baseline] no policy selects it → allowed by default', '[Admin] cnp/pass-to-namespace-owners ingress rule 0 "namespace-owners-decide" (Pass) → [NetworkPolicy] allowed (isolated by payments/api-from-frontend)', true],
    ['frontend/web-7d4b9c6f8-9qz2m', 'payments/db-0', '5432/TCP', '[Admin] no rule matches → [NetworkPolicy] not isolated → [Baseline] no policy selects it → allowed by default', '[Admin] cnp/pass-to-namespace-owners ingress rule 0 "namespace-owners-decide" (Pass) → [NetworkPolicy] denied (isolated by payments/db-from-api)', false],
    ['sandbox/tester', 'payments/api-6f9c7d8b5-k2x4p', '8080/TCP', '[Admin] no rule matches → [NetworkPolicy] not isolated → [Baseline] cnp/sandbox-egress egress rule 1 "deny-all": Deny', '[Admin] cnp/isolate-sandbox ingress rule 0 "deny-sandbox": Deny', false],
    ['sandbox/tester', '203.0.113.10', '443/TCP', '[Admin] no rule matches → [NetworkPolicy] not isolated → [Baseline] cnp/sandbox-egress egress rule 1 "deny-all": Deny', '', false],
  ];
  for (const [from, to, port, egress, ingress, allowed] of cases) {
    it(`${from} -> ${to} ${port}`, () => {
      const t = tree(from, to, port);
      expect(t.allowed).toBe(allowed);
      expect(describeWalk(t.egress)).toBe(egress);
      expect(t.ingress.bypass === 'not-a-pod' ? '' : describeWalk(t.ingress)).toBe(ingress);
      expect(treeProblems(cluster, { purpose: 'connect', from, to, port: t.port, protocol: t.protocol, verdict: evaluate(cluster, { from: { kind: 'pod', pod: podByName(cluster, from) }, to: to.includes('/') ? { kind: 'pod', pod: podByName(cluster, to) } : { kind: 'ip', ip: to }, port: t.port, protocol: t.protocol }) }, t)).toEqual([]);
    });
  }

  it('cites the deciding rule with its place, priority and the tie', () => {
    const t = tree('sandbox/tester', 'payments/api-6f9c7d8b5-k2x4p', '8080/TCP');
    const admin = t.ingress.steps[0]!;
    expect(admin.tier).toBe('Admin');
    if (admin.tier !== 'Admin') return;
    expect(admin.decidedBy).toMatchObject({ policy: { kind: 'ClusterNetworkPolicy', name: 'isolate-sandbox' }, direction: 'ingress', rule: 0, name: 'deny-sandbox', action: 'Deny', priority: 20 });
    expect(admin.decidedBy!.source!.file).toMatch(/admin-tier\.yaml$/);
    expect(admin.ambiguousWith).toEqual([{ kind: 'ClusterNetworkPolicy', name: 'pass-to-namespace-owners' }]);
  });

  it('a NetworkPolicy denial below a Pass: the isolating policy, and the nearest miss as codes', () => {
    const t = tree('frontend/web-7d4b9c6f8-9qz2m', 'payments/db-0', '5432/TCP');
    const np = t.ingress.steps[1]!;
    expect(np.tier).toBe('NetworkPolicy');
    if (np.tier !== 'NetworkPolicy') return;
    expect(np.isolatedBy.map((p) => p.policy)).toEqual([{ kind: 'NetworkPolicy', namespace: 'payments', name: 'db-from-api' }]);
    expect(np.nearMisses.map((m) => [formatRuleCite(m.rule), m.failed, m.why.failed === 'peer' ? m.why.peers.map((p) => p.code) : []])).toEqual([['payments/db-from-api ingress rule 0 (ports[0])', 'peer', ['other-namespace']]]);
  });
});

describe('explanation tree: invariants on the network-policy-api conformance suite', () => {
  for (const test of cases.tests) {
    it(test.name, () => {
      let objs = world(test);
      const problems: string[] = [];
      let checked = 0;
      for (const step of test.steps) {
        if (step.type === 'mutation') {
          objs = mutate(objs, step);
          continue;
        }
        const { cluster } = clusterOfFiles([{ name: `${test.name}.json`, text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }) }]);
        const from = podByName(cluster, step.client);
        const to = podByName(cluster, step.server);
        const verdict = evaluate(cluster, { from: { kind: 'pod', pod: from }, to: { kind: 'pod', pod: to }, port: step.port, protocol: step.protocol });
        const hop: Hop = { purpose: 'connect', from: step.client, to: step.server, port: step.port, protocol: step.protocol, verdict };
        const t = explainConnection(cluster, hop);
        problems.push(...treeProblems(cluster, hop, t));
        // The upstream verdict, read from the tree alone.
        if (t.always === undefined && (t.egress.allowed && t.ingress.allowed) !== step.connect) problems.push(`${step.id}: the tree says ${t.allowed}, upstream ${step.connect}`);
        for (const d of [t.egress, t.ingress]) if (!d.bypass && !d.tiered) problems.push(`${step.id}: ${d.direction} of ${d.endpoint} not walked through the tiers`);
        checked++;
      }
      expect(problems).toEqual([]);
      expect(checked).toBeGreaterThan(0);
    });
  }
});

describe('explanation tree: invariants on every expectation of the examples', () => {
  const dirs: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === 'expect.yaml')) dirs.push(dir);
    for (const e of entries) if (e.isDirectory() && e.name !== 'node_modules') walk(join(dir, e.name));
  };
  walk(EXAMPLES);
  it('finds the scenarios', () => expect(dirs.length).toBeGreaterThan(10));
  for (const dir of dirs) {
    it(dir.slice(EXAMPLES.length), () => {
      const cluster = clusterOfDir(dir);
      const { expectations } = parse(readFileSync(join(dir, 'expect.yaml'), 'utf8')) as { expectations: { from: string; to: string; port?: string | number }[] };
      const problems: string[] = [];
      let hops = 0;
      for (const x of expectations) {
        const r = checkConnection(cluster, { from: x.from, to: x.to, ...(x.port === undefined ? {} : { port: String(x.port) }) });
        for (const h of [...(r.dns?.hops ?? []), ...r.hops]) {
          problems.push(...treeProblems(cluster, h, explainConnection(cluster, h)));
          hops++;
        }
      }
      expect(problems).toEqual([]);
      expect(hops).toBeGreaterThan(0);
    });
  }
});
