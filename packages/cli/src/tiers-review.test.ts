// lint, test and explain on inputs with cluster policies: the platform scenario of examples/005-cluster-policy-tiers.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run, tempTree } from './test-support.js';

const DIR = fileURLToPath(new URL('../../../examples/005-cluster-policy-tiers/platform', import.meta.url));
const EXPECT = `${DIR}/expect.yaml`;

describe('kordon lint with cluster policies', () => {
  it('reports the five tier findings at file:line:column, and fails', async () => {
    const r = await run(['lint', DIR, '--min-severity', 'warning']);
    expect(r.code).toBe(1);
    for (const [rule, at] of [
      ['cluster-dns-blocked', 'baseline-tier.yaml:21:5'],
      ['priority-tie', 'admin-tier.yaml:60:3'],
      ['pass-without-networkpolicy', 'admin-tier.yaml:65:5'],
      ['cluster-rule-shadowed', 'admin-tier.yaml:19:5'],
      ['subject-selects-nothing', 'admin-tier.yaml:78:5'],
    ] as const)
      expect(r.out).toMatch(new RegExp(`${at.replace(/\./g, '\\.')}.*${rule}|${rule}.*${at.replace(/\./g, '\\.')}`));
    expect(r.out).toContain('ClusterNetworkPolicy sandbox-egress spec.egress[1]');
  });

  it('SARIF: each finding has its rule id, described in the driver, and a cluster-scoped logical location', async () => {
    const r = await run(['lint', DIR, '-o', 'sarif']);
    const sarif = JSON.parse(r.out) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } }; logicalLocations?: { fullyQualifiedName: string }[] }[] }[] }[] };
    const run0 = sarif.runs[0]!;
    const ids = run0.tool.driver.rules.map((x) => x.id);
    for (const id of ['cluster-dns-blocked', 'priority-tie', 'pass-without-networkpolicy', 'cluster-rule-shadowed', 'subject-selects-nothing']) {
      expect(ids).toContain(id);
      expect(run0.results.some((x) => x.ruleId === id)).toBe(true);
    }
    const tie = run0.results.find((x) => x.ruleId === 'priority-tie')!;
    expect(tie.locations[0]!.physicalLocation.region.startLine).toBe(60);
    expect(tie.locations[0]!.logicalLocations?.[0]?.fullyQualifiedName).toBe('ClusterNetworkPolicy/pass-to-namespace-owners:spec.priority');
  });

  it('--disable turns a tier rule off', async () => {
    const r = await run(['lint', DIR, '-o', 'json', '--disable', 'priority-tie']);
    const j = JSON.parse(r.out) as { findings: { rule: string }[] };
    expect(j.findings.map((f) => f.rule)).not.toContain('priority-tie');
    expect(j.findings.map((f) => f.rule)).toContain('cluster-rule-shadowed');
  });
});

describe('kordon test with cluster policies', () => {
  it('the scenario expectations pass unchanged', async () => {
    const r = await run(['test', '--expect', EXPECT, DIR]);
    expect(r.out).toContain('10 passed, 0 failed');
    expect(r.code).toBe(0);
  });

  it('a wrong expectation fails with the walk through the tiers', async () => {
    const wrong = readFileSync(EXPECT, 'utf8').replace(/expect: denied/g, 'expect: allowed');
    const t = tempTree({ 'expect.yaml': wrong });
    try {
      const r = await run(['test', '--expect', t.path('expect.yaml'), DIR]);
      expect(r.code).toBe(1);
      expect(r.out).toContain('6 passed, 4 failed');
      expect(r.out).toContain('ingress: denied: [Admin] cnp/isolate-sandbox ingress rule 0 "deny-sandbox": Deny');
      expect(r.out).toContain('egress: denied: [Admin] no rule matches → [NetworkPolicy] not isolated → [Baseline] cnp/sandbox-egress egress rule 1 "deny-all": Deny');
      // A NetworkPolicy decision keeps its rule-level detail after the Pass.
      expect(r.out).toContain('ingress: denied: [Admin] cnp/pass-to-namespace-owners ingress rule 0 "namespace-owners-decide" (Pass) → [NetworkPolicy] denied, payments/db-0 is isolated for ingress by payments/db-from-api and no rule matches');
    } finally {
      t.cleanup();
    }
  });
});

describe('kordon explain with cluster policies', () => {
  it('lists the cluster policies in evaluation order, each rule in order, and each pod\'s tiers', async () => {
    const r = await run(['explain', DIR]);
    expect(r.code).toBe(0);
    const listing = r.out.slice(r.out.indexOf('Cluster policies'), r.out.indexOf('Cluster policy cnp/'));
    expect([...listing.matchAll(/cnp\/[a-z-]+/g)].map((m) => m[0])).toEqual(['cnp/allow-monitoring', 'cnp/isolate-sandbox', 'cnp/pass-to-namespace-owners', 'cnp/protect-legacy', 'cnp/sandbox-egress']);
    expect(r.out).toContain('  Ingress rule 1 "prometheus-metrics" (');
    expect(r.out).toContain('): Accept on named port metrics\n      from[0] pods app=prometheus in namespaces kubernetes.io/metadata.name=monitoring: monitoring/prometheus-0');
    expect(r.out).toContain('  egress tiers: [Admin] none → [NetworkPolicy] not isolated → [Baseline] cnp/sandbox-egress → allowed when nothing decides\n  egress NetworkPolicy: not isolated by any NetworkPolicy');
    expect(r.out).not.toContain('none: every pod is open in both directions');
  });

  it('--policy cnp/NAME shows that policy and the pods it selects; --pod shows the cluster policies of the pod; JSON carries both', async () => {
    const one = await run(['explain', DIR, '--policy', 'cnp/sandbox-egress']);
    expect(one.out).toContain('Cluster policy cnp/sandbox-egress');
    expect(one.out).not.toContain('Cluster policy cnp/allow-monitoring');
    expect(one.out).toContain('Pod sandbox/tester');
    expect(one.out).not.toContain('Pod payments/db-0');
    const j = JSON.parse((await run(['explain', DIR, '--pod', 'payments/db-0', '-o', 'json'])).out) as { clusterPolicies: { id: string }[]; podTiers: { pod: string; ingress: { admin: string[]; networkPolicy: string[]; baselineReached: boolean } }[] };
    expect(j.clusterPolicies.map((p) => p.id)).toEqual(['cnp/allow-monitoring', 'cnp/isolate-sandbox', 'cnp/pass-to-namespace-owners']);
    expect(j.podTiers).toEqual([expect.objectContaining({ pod: 'payments/db-0', ingress: expect.objectContaining({ networkPolicy: ['payments/db-from-api'], baselineReached: false }) })]);
    const md = await run(['explain', DIR, '-o', 'md']);
    expect(md.out).toContain('# Cluster policies');
    expect(md.out).toContain('| sandbox/tester |');
  });

  it('JSON of an input without cluster policies has no tier fields', async () => {
    const j = JSON.parse((await run(['explain', fileURLToPath(new URL('../../../examples/004-policy-cookbook/7-nginx-default-deny', import.meta.url)), '-o', 'json'])).out) as Record<string, unknown>;
    expect(Object.keys(j).sort()).toEqual(['listing', 'pods', 'policies', 'rejectedPolicies']);
  });
});
