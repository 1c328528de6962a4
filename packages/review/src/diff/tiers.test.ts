// kordon diff when cluster policies change: the platform scenario of examples/005-cluster-policy-tiers against edited
// copies, each flipped flow attributed to the cluster policy, rule and action behind it.
import { describe, expect, it } from 'vitest';
import { diffClusters, diffText } from '@kordon/review';
import type { SourceFile } from '@kordon/engine';
import { build, scenarioFiles } from '../__fixtures__/support.js';

const DIR = '005-cluster-policy-tiers/platform';
const files = (edit: (name: string, text: string) => string | undefined = (_n, t) => t): SourceFile[] =>
  scenarioFiles(DIR).flatMap((f) => {
    const text = edit(f.name.slice(DIR.length + 1), f.text);
    return text === undefined ? [] : [{ ...f, text }];
  });
const line = (c: { change: string; from: string; to: string; allPorts: boolean; ports: string[] }) => `${c.change} ${c.from} -> ${c.to} ${c.allPorts ? 'all' : c.ports.join(',')}`;
const causes = (c: { causes: { subject: string; change?: string; rule?: string; tier?: string; action?: string }[] }) => c.causes.map((x) => `${x.subject} ${x.change} ${x.tier} ${x.rule} ${x.action}`);

const DNS_FIRST = '  egress:\n  - name: dns\n    action: Accept\n    to:\n    - pods:\n        namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n        podSelector: {matchLabels: {k8s-app: kube-dns}}\n    protocols: [{udp: {destinationPort: {number: 53}}}, {tcp: {destinationPort: {number: 53}}}]\n';

describe('diff with cluster policies', () => {
  it('a DNS rule added before the Baseline deny-all: the lookups open, caused by the new rule and the deny it replaces', () => {
    const r = diffClusters(build(files()).cluster, build(files((n, t) => (n === 'baseline-tier.yaml' ? t.replace('  egress:\n', DNS_FIRST) : t))).cluster);
    expect(r.policies).toEqual({ added: [], removed: [], modified: ['cnp/sandbox-egress'] });
    expect(r.changes.map(line)).toEqual(['allowed sandbox/tester -> kube-system/coredns 53/TCP,53/UDP']);
    expect(causes(r.changes[0]!)).toEqual(['cnp/sandbox-egress modified Baseline spec.egress[0] Accept', 'cnp/sandbox-egress modified Baseline spec.egress[1] Deny']);
    expect(r.changes[0]!.causes[0]!.effect).toBe('[Baseline] cnp/sandbox-egress egress rule 0 "dns" (Accept) now decides it for sandbox/tester');
    expect(r.changes[0]!.causes[1]!.effect).toBe('[Baseline] cnp/sandbox-egress egress rule 1 "deny-all" (Deny) decided it before for sandbox/tester');
    expect(r.changes[0]!.causes[0]!.location?.file).toBe(`${DIR}/baseline-tier.yaml`);
    expect(diffText(r)).toContain('cnp/sandbox-egress');
  });

  it('an Admin Accept removed: the NetworkPolicy below now denies monitoring, caused by the removed policy', () => {
    const r = diffClusters(build(files()).cluster, build(files((n, t) => (n === 'admin-tier.yaml' ? t.split('\n---\n').slice(1).join('\n---\n') : t))).cluster);
    expect(r.policies.removed).toEqual(['cnp/allow-monitoring']);
    expect(r.changes.map(line)).toEqual(['denied monitoring/prometheus-0 -> payments/* all']);
    const [db] = r.changes;
    expect([...new Set(causes(db!))]).toEqual(['cnp/allow-monitoring removed Admin spec.ingress[0] Accept']);
    expect(db!.causes.map((c) => c.effect)).toContain('[Admin] cnp/allow-monitoring ingress rule 0 "from-monitoring" (Accept) decided it before for payments/db-0');
    // Pods no NetworkPolicy isolates stay open: the Pass below sends them to the default allow.
    expect(r.changes.filter((c) => c.to.startsWith('frontend/'))).toEqual([]);
  });

  it('a Baseline policy removed: the sandbox opens everywhere its deny-all used to decide', () => {
    const r = diffClusters(build(files()).cluster, build(files((n, t) => (n === 'baseline-tier.yaml' ? undefined : t))).cluster);
    expect(r.policies.removed).toEqual(['cnp/sandbox-egress']);
    expect(r.summary.denied).toBe(0);
    const lines = r.changes.map(line);
    expect(lines).toEqual([
      'allowed sandbox/tester -> 0.0.0.0-255.255.255.255 all',
      'allowed sandbox/tester -> ::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff all',
      'allowed sandbox/tester -> kube-system/coredns all',
      'allowed sandbox/tester -> monitoring/prometheus-0 all',
    ]);
    for (const c of r.changes) {
      expect(c.from).toBe('sandbox/tester');
      expect(causes(c)).toEqual(['cnp/sandbox-egress removed Baseline spec.egress[1] Deny']);
    }
    // The api and the db keep denying the sandbox: the Admin deny (ingress) decides, whatever egress now says.
    expect(r.changes.some((c) => c.to.startsWith('payments/'))).toBe(false);
  });

  it('priorities swapped: the Pass now comes before the Deny, and payments\' NetworkPolicy decides instead', () => {
    const swapped = (n: string, t: string) => (n === 'admin-tier.yaml' ? t.replace(/(name: pass-to-namespace-owners\nspec:\n  tier: Admin\n  priority:) 20/, '$1 15') : t);
    const r = diffClusters(build(files()).cluster, build(files(swapped)).cluster);
    expect(r.policies.modified).toEqual(['cnp/pass-to-namespace-owners']);
    // sandbox -> payments stays denied (now by the NetworkPolicies), so no flow changes.
    expect(r.changes).toEqual([]);
  });
});
