// Lint rules for cluster policies, on the network-policy-api conformance manifests (as upstream wrote them, and with
// the mutations its tests apply) and on the platform scenario of examples/005-cluster-policy-tiers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint, RULES, type Finding } from '@kordon/review';
import type { SourceFile } from '@kordon/engine';
import { build, scenarioFiles } from '../../__fixtures__/support.js';

const TIER_RULES = ['cluster-dns-blocked', 'subject-selects-nothing', 'priority-tie', 'pass-without-networkpolicy', 'cluster-rule-shadowed'];
const BASE = `${process.env['KORDON_SHARED'] ?? '/work/shared'}/conformance/network-policy-api/base`;
const WORLD: SourceFile[] = ['manifests.yaml', 'pods.yaml', 'nodes.yaml'].map((f) => ({ name: f, text: readFileSync(join(BASE, f), 'utf8') }));
const conformance = (file: string, edit: (t: string) => string = (t) => t): SourceFile => ({ name: file, text: edit(readFileSync(join(BASE, file), 'utf8')) });

const tierFindings = (files: readonly SourceFile[]): Finding[] => {
  const b = build(files);
  return lint(b.cluster, { diagnostics: b.diagnostics }).findings.filter((f) => TIER_RULES.includes(f.rule));
};
const place = (f: Finding) => `${f.rule} ${f.location?.file}:${f.location?.line}:${f.location?.column} ${f.path}`;

/** Shadowed rules of each upstream policy file as written: rule 0 Accepts what rule 1 Denies and rule 2 Passes, and so on. */
const SHADOWED: ReadonlyArray<[string, string[]]> = [
  ['admin_tier/standard-egress-tcp-rules.yaml', ['19:5 spec.egress[1]', '25:5 spec.egress[2]', '41:5 spec.egress[4]']],
  ['admin_tier/standard-egress-udp-rules.yaml', ['19:5 spec.egress[1]', '25:5 spec.egress[2]', '41:5 spec.egress[4]']],
  ['admin_tier/standard-egress-sctp-rules.yaml', ['19:5 spec.egress[1]', '25:5 spec.egress[2]', '41:5 spec.egress[4]']],
  ['admin_tier/standard-ingress-tcp-rules.yaml', ['19:5 spec.ingress[1]', '25:5 spec.ingress[2]', '41:5 spec.ingress[4]']],
  ['admin_tier/standard-gress-rules-combined.yaml', ['19:5 spec.egress[1]', '25:5 spec.egress[2]', '47:5 spec.egress[4]', '92:5 spec.ingress[1]', '98:5 spec.ingress[2]', '120:5 spec.ingress[4]']],
  ['admin_tier/standard-priority-field.yaml', ['55:5 spec.ingress[0]', '66:5 spec.egress[0]']],
  ['admin_tier/standard-egress-inline-cidr-rules.yaml', []],
  ['baseline_tier/standard-egress-tcp-rules.yaml', ['19:5 spec.egress[1]']],
  ['baseline_tier/standard-ingress-udp-rules.yaml', ['19:5 spec.ingress[1]']],
  ['baseline_tier/standard-gress-rules-combined.yaml', ['19:5 spec.egress[1]', '70:5 spec.ingress[1]']],
  ['baseline_tier/experimental-egress-selector-rules.yaml', []],
  ['api_integration/standard-anp-np-banp.yaml', []],
];

describe('cluster-rule-shadowed on the conformance policies', () => {
  it.each(SHADOWED)('%s', (file, expected) => {
    const found = tierFindings([...WORLD, conformance(file)]).filter((f) => f.rule === 'cluster-rule-shadowed');
    expect(found.map((f) => `${f.location?.line}:${f.location?.column} ${f.path}`)).toEqual(expected);
    for (const f of found) expect(f.location?.file).toBe(file);
  });

  it('names the rule that decides first, with its place', () => {
    const [f] = tierFindings([...WORLD, conformance('admin_tier/standard-ingress-tcp-rules.yaml')]).filter((x) => x.rule === 'cluster-rule-shadowed');
    expect(f!.message).toBe('cnp/ingress-tcp ingress rule 1 "deny-from-ravenclaw-everything" is never reached: cnp/ingress-tcp ingress rule 0 "allow-from-ravenclaw-everything" (Accept) decides every connection it matches');
    expect(f!.explanation).toContain('an earlier rule of the same policy');
    expect(f!.related?.[0]?.location.line).toBe(13);
  });

  it('a higher-priority policy shadows; the upstream mutation to priority 40 turns it round', () => {
    const asWritten = tierFindings([...WORLD, conformance('admin_tier/standard-priority-field.yaml')]).filter((f) => f.rule === 'cluster-rule-shadowed');
    expect(asWritten[0]!.message).toContain('cnp/priority-50-example ingress rule 0 "deny-all-ingress-from-slytherin" (Deny) decides');
    expect(asWritten[0]!.explanation).toContain('lower priority value');
    expect(asWritten[0]!.fix).toContain('lower priority value');
    const mutated = tierFindings([...WORLD, conformance('admin_tier/standard-priority-field.yaml', (t) => t.replace('priority: 60 #', 'priority: 40 #'))]).filter((f) => f.rule === 'cluster-rule-shadowed');
    expect(mutated.map((f) => `${f.object?.name} ${f.path}`)).toEqual(['priority-50-example spec.ingress[0]', 'priority-50-example spec.egress[0]']);
  });

  it('a rule reached on some port is not shadowed: an earlier rule on one port leaves the others', () => {
    const files = [...WORLD, conformance('admin_tier/standard-ingress-tcp-rules.yaml', (t) => t.replace(/(allow-from-ravenclaw-everything"\n\s+action: "Accept"\n\s+from:\n(?:.*\n){3})/, '$1    protocols:\n    - tcp:\n        destinationPort:\n          number: 80\n'))];
    expect(files[files.length - 1]!.text).toContain('number: 80');
    const found = tierFindings(files).filter((f) => f.rule === 'cluster-rule-shadowed');
    // Rule 1 now acts on every port but 80; rule 2 still comes after rule 1 on all of them.
    expect(found.map((f) => f.path)).toEqual(['spec.ingress[2]', 'spec.ingress[4]']);
    expect(found[0]!.message).toContain('is never reached: cnp/ingress-tcp ingress rule 0 "allow-from-ravenclaw-everything" (Accept), cnp/ingress-tcp ingress rule 1 "deny-from-ravenclaw-everything" (Deny) decide every connection');
  });
});

const PLATFORM = '005-cluster-policy-tiers/platform';
const platform = (edit: (name: string, text: string) => string = (_n, t) => t): SourceFile[] => scenarioFiles(PLATFORM).map((f) => ({ ...f, text: edit(f.name, f.text) }));

describe('the platform scenario (examples/005-cluster-policy-tiers)', () => {
  it('each of its mistakes is found, at the field', () => {
    expect(tierFindings(platform()).map(place)).toEqual([
      `cluster-dns-blocked ${PLATFORM}/baseline-tier.yaml:21:5 spec.egress[1]`,
      `cluster-rule-shadowed ${PLATFORM}/admin-tier.yaml:19:5 spec.ingress[1]`,
      `priority-tie ${PLATFORM}/admin-tier.yaml:60:3 spec.priority`,
      `pass-without-networkpolicy ${PLATFORM}/admin-tier.yaml:65:5 spec.ingress[0].action`,
      `subject-selects-nothing ${PLATFORM}/admin-tier.yaml:78:5 spec.subject.namespaces`,
    ]);
  });

  it('cluster-dns-blocked: the Baseline deny-all; cleared by an Accept for DNS before it, or by a NetworkPolicy', () => {
    const [f] = tierFindings(platform()).filter((x) => x.rule === 'cluster-dns-blocked');
    expect(f!.severity).toBe('error');
    expect(f!.message).toBe('cnp/sandbox-egress egress rule 1 "deny-all" denies DNS lookups (53/UDP, 53/TCP) of sandbox/tester');
    expect(f!.fix).toContain('{action: Accept, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}}], protocols: [{udp: {destinationPort: {number: 53}}}, {tcp: {destinationPort: {number: 53}}}]}');
    const dnsFirst = platform((n, t) => (n.endsWith('baseline-tier.yaml') ? t.replace('  egress:\n', '  egress:\n  - action: Accept\n    to:\n    - pods:\n        namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n        podSelector: {matchLabels: {k8s-app: kube-dns}}\n    protocols: [{udp: {destinationPort: {number: 53}}}, {tcp: {destinationPort: {number: 53}}}]\n') : t));
    expect(tierFindings(dnsFirst).map((x) => x.rule)).not.toContain('cluster-dns-blocked');
    const np = `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: egress, namespace: sandbox}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n`;
    expect(tierFindings([...platform(), { name: 'np.yaml', text: np }]).map((x) => x.rule)).not.toContain('cluster-dns-blocked');
  });

  it('cluster-dns-blocked on a BaselineAdminNetworkPolicy (v1alpha1) gives the fix in its own fields', () => {
    const banp = 'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  egress:\n  - name: deny-all\n    action: Deny\n    to: [{networks: [0.0.0.0/0]}]\n';
    const found = tierFindings([...platform(), { name: 'banp.yaml', text: banp }]).filter((x) => x.rule === 'cluster-dns-blocked' && x.object?.kind === 'BaselineAdminNetworkPolicy');
    expect(found.map((x) => `${x.location?.file}:${x.location?.line}:${x.location?.column} ${x.path}`)).toEqual(['banp.yaml:7:5 spec.egress[0]']);
    expect(found[0]!.message).toContain('banp/default egress rule 0 "deny-all" denies DNS lookups');
    expect(found[0]!.message).toContain('frontend/web-7d4b9c6f8-9qz2m');
    expect(found[0]!.fix).toContain('{action: Allow, to: [');
    expect(found[0]!.fix).toContain('ports: [{portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: TCP, port: 53}}]');
  });

  it('priority-tie: the two priority-20 policies disagree on sandbox → payments; a different priority, or agreeing actions, clear it', () => {
    const [f] = tierFindings(platform()).filter((x) => x.rule === 'priority-tie');
    expect(f!.message).toBe('cnp/pass-to-namespace-owners and cnp/isolate-sandbox share priority 20 in the Admin tier and disagree on sandbox/tester → payments/api-6f9c7d8b5-k2x4p 8080/TCP');
    expect(f!.explanation).toContain('cnp/isolate-sandbox decides it by rule 0 (Deny) and cnp/pass-to-namespace-owners by rule 0 (Pass)');
    expect(f!.related?.[0]?.location.line).toBe(39);
    const apart = platform((n, t) => (n.endsWith('admin-tier.yaml') ? t.replace(/(name: pass-to-namespace-owners\nspec:\n  tier: Admin\n  priority:) 20/, '$1 25') : t));
    expect(tierFindings(apart).map((x) => x.rule)).not.toContain('priority-tie');
    const agree = platform((n, t) => (n.endsWith('admin-tier.yaml') ? t.replace('name: deny-sandbox\n    action: Deny', 'name: deny-sandbox\n    action: Pass') : t));
    expect(tierFindings(agree).map((x) => x.rule)).not.toContain('priority-tie');
  });

  it('pass-without-networkpolicy lists the pods no NetworkPolicy isolates, and says what Baseline does for them', () => {
    const [f] = tierFindings(platform()).filter((x) => x.rule === 'pass-without-networkpolicy');
    expect(f!.message).toBe('cnp/pass-to-namespace-owners ingress rule 0 "namespace-owners-decide" passes ingress of frontend/web-7d4b9c6f8-9qz2m, kube-system/coredns-5d78c9869d-7xk2p, monitoring/prometheus-0 and 1 more to NetworkPolicy, but no NetworkPolicy isolates them for ingress');
    expect(f!.explanation).toMatch(/\[Baseline\] no policy selects it, then the default allow/);
    expect(f!.message).not.toContain('payments/');
    const baselinePass = platform((n, t) => (n.endsWith('baseline-tier.yaml') ? t.replace('name: to-frontend\n    action: Accept', 'name: to-frontend\n    action: Pass') : t));
    const b = tierFindings(baselinePass).filter((x) => x.rule === 'pass-without-networkpolicy' && x.object?.name === 'sandbox-egress');
    expect(b.map((x) => x.path)).toEqual(['spec.egress[0].action']);
    expect(b[0]!.message).toContain('passes in the Baseline tier, which allows');
  });

  it('subject-selects-nothing: cleared when a namespace carries the label; not judged without pods', () => {
    const [f] = tierFindings(platform()).filter((x) => x.rule === 'subject-selects-nothing');
    expect(f!.message).toBe('the subject of cnp/protect-legacy (namespaces) selects no pod of the input');
    const labelled = platform((n, t) => (n.endsWith('namespaces.yaml') ? t.replace('  name: frontend\n', '  name: frontend\n  labels:\n    team: legacy\n') : t));
    expect(tierFindings(labelled).map((x) => x.rule)).not.toContain('subject-selects-nothing');
    const policiesOnly = platform().filter((x) => x.name.endsWith('-tier.yaml'));
    expect(tierFindings(policiesOnly)).toEqual([]);
  });

  it('the rules are registered with SARIF ids and descriptions, and a cluster policy finding has no namespace', () => {
    for (const id of TIER_RULES) expect(RULES.find((r) => r.id === id)?.description).toBeTruthy();
    const [f] = tierFindings(platform());
    expect(f!.object).toEqual({ kind: 'ClusterNetworkPolicy', name: 'sandbox-egress' });
  });

  it('pods a cluster policy governs are not reported as unprotected', () => {
    const b = build(platform());
    const egress = lint(b.cluster).findings.filter((x) => x.rule === 'egress-unprotected').map((x) => x.object?.name);
    expect(egress).not.toContain('tester');
    expect(egress).toContain('web-7d4b9c6f8-9qz2m');
  });
});

it('every conformance policy file lints without a tier finding on the upstream integration test', () => {
  const files = readdirSync(join(BASE, 'api_integration')).map((f) => conformance(`api_integration/${f}`));
  expect(tierFindings([...WORLD, ...files])).toEqual([]);
});
