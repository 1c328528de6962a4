import { describe, expect, it } from 'vitest';
import { failsAt, lint, parseLintConfig, RULES, SEVERITY_RANK, type Finding } from '@kordon/review';
import { build, inline, pods, scenario, scenarioDirs, scenarioFiles } from '../__fixtures__/support.js';

const at = (f: Finding) => `${f.location?.file}:${f.location?.line}`;
const lintOf = (b: ReturnType<typeof scenario>) => lint(b.cluster, { diagnostics: b.diagnostics });
const ids = (fs: readonly Finding[]) => fs.map((f) => f.rule);
const serious = (fs: readonly Finding[]) => fs.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning);

describe('the seed tutorials: their real mistakes are found', () => {
  it('seed 002: namespaceSelector and podSelector written as two peers, in all four allow policies', () => {
    const r = lintOf(scenario('002-earthly-namespaces/3-allow-by-labels'));
    const split = r.findings.filter((f) => f.rule === 'peer-and-split');
    expect(split.map(at).sort()).toEqual([
      '002-earthly-namespaces/3-allow-by-labels/allow_backend_ingress_egress.yaml:19',
      '002-earthly-namespaces/3-allow-by-labels/allow_backend_ingress_egress.yaml:27',
      '002-earthly-namespaces/3-allow-by-labels/allow_db_ingress.yaml:18',
      '002-earthly-namespaces/3-allow-by-labels/allow_frontend_egress.yaml:18',
    ]);
    const fe = split.find((f) => f.location?.file.endsWith('allow_frontend_egress.yaml'))!;
    expect(fe.severity).toBe('error');
    expect(fe.path).toBe('spec.egress[0].to[1]');
    expect(fe.message).toContain('namespaceSelector ns=backend');
    expect(fe.explanation).toContain('backend/backend');
    expect(fe.fix).toMatch(/same item/);
    expect(fe.related?.[0]?.location.line).toBe(15);
    // The lone podSelector also matches nothing: the AND finding explains it, no second finding at that peer.
    expect(r.findings.filter((f) => f.rule === 'peer-selects-nothing' || f.rule === 'label-unknown')).toEqual([]);
  });

  it('seed 002: the "deny" policies allow all traffic inside their namespace', () => {
    const r = lintOf(scenario('002-earthly-namespaces/2-deny-all'));
    const deny = r.findings.filter((f) => f.rule === 'deny-name-allows');
    expect(deny.map((f) => f.object?.namespace).sort()).toEqual(['backend', 'db', 'frontend']);
    expect(deny[0]!.message).toMatch(/allows ingress from pods \(all\) in/);
  });

  it('seed 002: after deny_all, pods that call Services by name cannot resolve them', () => {
    const r = lintOf(scenario('002-earthly-namespaces/2-deny-all'));
    const dns = r.findings.filter((f) => f.rule === 'dns-blocked');
    expect(dns.map((f) => f.object?.namespace).sort()).toEqual(['backend', 'frontend']);
    const fe = dns.find((f) => f.object?.namespace === 'frontend')!;
    expect(fe.severity).toBe('error');
    expect(fe.message).toContain('frontend/tester');
    expect(fe.explanation).toContain('frontend-svc.frontend');
    expect(fe.fix).toContain('port: 53');
    // With the DNS policy of step 3 (kube-system labelled contains=coredns), the lookups pass.
    expect(ids(lintOf(scenario('002-earthly-namespaces/3-allow-by-labels')).findings)).not.toContain('dns-blocked');
  });

  it('seed 002: without the imperative `kubectl label namespace kube-system contains=coredns`, DNS is blocked and the label is unknown', () => {
    const withoutLabel = scenarioFiles('002-earthly-namespaces/3-allow-by-labels').map((f) => (f.name.endsWith('kube-system.yaml') ? { ...f, text: f.text.replace('contains: coredns', 'team: platform') } : f));
    const r = lintOf(build(withoutLabel));
    const dns = r.findings.filter((f) => f.rule === 'dns-blocked');
    expect(dns.map((f) => f.object?.namespace).sort()).toEqual(['backend', 'frontend']);
    const label = r.findings.filter((f) => f.rule === 'label-unknown');
    expect(label).toHaveLength(2);
    expect(label[0]!.message).toContain('contains=coredns');
    expect(label[0]!.fix).toContain('kubernetes.io/metadata.name');
  });

  it('seed 004: deny-from-certain-pods allows only app: test', () => {
    const r = lintOf(scenario('004-policy-cookbook/5-deny-from-certain-pods'));
    const f = r.findings.find((x) => x.rule === 'deny-name-allows')!;
    expect(f.message).toContain('allows ingress from pods app=test in default');
    expect(at(f)).toBe('004-policy-cookbook/5-deny-from-certain-pods/deny-from-certain-pods.yaml:12');
  });

  it('seed 004: the trusted-namespace and except-untrusted rules change nothing next to allow-nginx', () => {
    const r = lintOf(scenario('004-policy-cookbook/9-nginx-except-untrusted'));
    const red = r.findings.filter((f) => f.rule === 'rule-redundant');
    expect(red.map((f) => f.object?.name).sort()).toEqual(['allow-except-untrusted', 'allow-from-trusted-namespace']);
    expect(red[0]!.message).toContain('nginx-example/allow-nginx');
  });

  it('seed 000: except entries with host bits are one range three times', () => {
    const r = lintOf(scenario('000-pod-network-policies/3-ipblock-except'));
    expect(r.findings.filter((f) => f.rule === 'cidr-noncanonical').map((f) => f.path)).toEqual([0, 1, 2].map((i) => `spec.ingress[0].from[0].ipBlock.except[${i}]`));
    expect(r.findings.filter((f) => f.rule === 'except-overlap').map((f) => f.path)).toEqual([1, 2].map((i) => `spec.ingress[0].from[0].ipBlock.except[${i}]`));
    // The validator's own host-bits warning is replaced by the lint finding, which carries the fix.
    expect(ids(r.findings)).not.toContain('cidr-host-bits');
    expect(r.findings.find((f) => f.rule === 'cidr-noncanonical')!.fix).toBe('write 172.17.0.0/24, or 172.17.0.1/32 for the single address');
  });

  it('seed 000 and 003: invalid manifests are reported at their line, and lint still runs on the rest', () => {
    const r = lintOf(scenario('000-pod-network-policies/4-ports-in-peer/as-published'));
    const e = r.findings.find((f) => f.rule === 'field-unknown')!;
    expect(e.severity).toBe('error');
    expect(at(e)).toBe('000-pod-network-policies/4-ports-in-peer/as-published/network-policy.yaml:16');
    const r3 = lintOf(scenario('003-medium-selectors/as-published'));
    expect(r3.findings.filter((f) => f.rule === 'field-unknown').map((f) => f.path)).toEqual(['spec.ingress[0].from[0].podSelector.name', 'spec.egress[0].to[0].podSelector.name']);
  });

  it('seed 003: the fixed backend policy still leaves backend without DNS to reach the database Service', () => {
    const r = lintOf(scenario('003-medium-selectors/fixed'));
    expect(r.findings.filter((f) => f.rule === 'dns-blocked').map((f) => f.message)).toEqual([expect.stringContaining('default/backend')]);
  });

  it('seed 004: complex-network-policy lets complex-app reach 192.168.0.0/16 but not the DNS: a note, as those hosts may be called by name', () => {
    const dir = '004-policy-cookbook/6-complex-network-policy';
    const r = lintOf(scenario(dir));
    expect(ids(r.findings)).not.toContain('dns-blocked');
    const notes = r.findings.filter((f) => f.rule === 'dns-blocked-outside');
    expect(notes.map((f) => [f.severity, f.object?.name, f.path, at(f), f.message])).toEqual([
      ['info', 'complex-network-policy', 'spec.egress', `${dir}/complex-network-policy.yaml:19`, 'default/complex-app is isolated for egress (by default/complex-network-policy) and reaches 192.168.0.0/16 outside the cluster, but not the cluster DNS on UDP 53'],
    ]);
    expect(notes[0]!.explanation).toContain('Egress to 192.168.0.0/16 (outside the cluster) is allowed, but a request to a host there by name first asks the DNS pods in kube-system (k8s-app: kube-dns)');
    expect(notes[0]!.fix).toContain('port: 53');
    // Given as the pod network, the block holds pods, not outside hosts: with no Service there, nothing is called by name.
    const b = scenario(dir);
    const inside = lint({ ...b.cluster, network: { podCidrs: ['192.168.0.0/16'], serviceCidrs: [] } }, { diagnostics: b.diagnostics });
    expect(ids(inside.findings).filter((id) => id.startsWith('dns-blocked'))).toEqual([]);
    // Pods that reach only pods of the cluster, by address, with no Service there: no name to look up.
    expect(ids(lintOf(scenario('000-pod-network-policies/1-database-api')).findings).filter((id) => id.startsWith('dns-blocked'))).toEqual([]);
    // A pod that calls a Service is the error, never the note as well (seed 003).
    expect(ids(lintOf(scenario('003-medium-selectors/fixed')).findings).filter((id) => id.startsWith('dns-blocked'))).toEqual(['dns-blocked']);
  });

  it('seed 003: `name: namespace1` is a label no namespace carries', () => {
    const r = lintOf(scenario('003-medium-selectors/fragments'));
    const f = r.findings.find((x) => x.rule === 'label-unknown')!;
    expect(f.message).toContain('name=namespace1');
    expect(f.path).toBe('spec.ingress[0].from[0].namespaceSelector');
  });

  // The scenarios whose manifests are right: no finding at warning or above.
  const correct = [
    '000-pod-network-policies/1-database-api',
    '000-pod-network-policies/2-ipblock',
    '000-pod-network-policies/4-ports-in-peer/fixed',
    '000-pod-network-policies/5-cross-namespace',
    '000-pod-network-policies/6-allow-all',
    '000-pod-network-policies/7-catch-all-deny',
    '001-ganyushkin-network-policy/fixed/1-test-app',
    '001-ganyushkin-network-policy/fixed/2-default-deny',
    '001-ganyushkin-network-policy/fixed/3-allow-all',
    '001-ganyushkin-network-policy/fixed/4-dns-egress',
    '002-earthly-namespaces/1-no-policies',
    '004-policy-cookbook/1-default-deny-all',
    '004-policy-cookbook/2-allow-from-specific-namespace',
    '004-policy-cookbook/3-allow-specific-port',
    '004-policy-cookbook/4-allow-from-certain-pods',
    '004-policy-cookbook/6-complex-network-policy',
    '004-policy-cookbook/7-nginx-default-deny',
  ];
  for (const dir of correct) {
    it(`no false alarm: ${dir}`, () => {
      const r = lintOf(scenario(dir));
      expect(serious(r.findings).map((f) => `${f.rule} ${at(f)} ${f.message}`)).toEqual([]);
      expect(failsAt(r, 'warning')).toBe(false);
    });
  }

  it('every scenario lints without throwing, and every finding has a location and a fix', () => {
    for (const dir of scenarioDirs()) {
      const r = lintOf(scenario(dir));
      for (const f of r.findings) {
        expect(f.location?.line, `${dir} ${f.rule}`).toBeGreaterThan(0);
        expect(f.fix.length, `${dir} ${f.rule}`).toBeGreaterThan(0);
      }
    }
  });
});

const policy = (name: string, ns: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n${spec}`;

describe('rules on small inputs', () => {
  const app = pods('app', [
    { name: 'web', labels: { app: 'web' }, ip: '10.244.1.5', ports: [{ name: 'http', port: 8080 }] },
    { name: 'db', labels: { app: 'db' }, ip: '10.244.1.6' },
  ]);

  it('egress rules under policyTypes [Ingress] are ignored', () => {
    const b = inline(`${app}\n---\n${policy('p', 'app', '  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{}]\n  egress:\n  - to: [{podSelector: {}}]')}`);
    const f = lint(b.cluster).findings.find((x) => x.rule === 'rules-ignored-by-policy-types')!;
    expect(f.message).toBe('1 egress rule is ignored: policyTypes does not list Egress');
    expect(f.path).toBe('spec.egress');
    expect(f.location?.line).toBe(b.cluster.policies[0]!.locate!(['spec', 'egress']).line);
    // Without policyTypes, the egress rule makes the policy Egress too: nothing ignored.
    const d = inline(`${app}\n---\n${policy('p', 'app', '  podSelector: {}\n  egress:\n  - to: [{podSelector: {}}]')}`);
    expect(ids(lint(d.cluster).findings)).not.toContain('rules-ignored-by-policy-types');
  });

  it('0.0.0.0/0 without except and namespaceSelector: {} are broad; with except or a podSelector they are not', () => {
    const b = inline(`${app}\n---\n${policy('p', 'app', '  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 0.0.0.0/0}\n    - ipBlock: {cidr: "::/0"}\n    - namespaceSelector: {}\n    - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}\n    - namespaceSelector: {}\n      podSelector: {matchLabels: {app: web}}')}`);
    const r = lint(b.cluster).findings;
    expect(r.filter((f) => f.rule === 'broad-ipblock').map((f) => f.path)).toEqual(['spec.ingress[0].from[0].ipBlock.cidr', 'spec.ingress[0].from[1].ipBlock.cidr']);
    expect(r.filter((f) => f.rule === 'broad-namespace-selector').map((f) => f.path)).toEqual(['spec.ingress[0].from[2].namespaceSelector']);
    // 0.0.0.0/0 except 10/8 still covers no pod here (all in 10.244/16), so no overlap either.
    expect(r.filter((f) => f.rule === 'ipblock-overlaps-cluster')).toEqual([]);
  });

  it('an ipBlock that covers pod IPs or a ClusterIP is reported, one outside them is not', () => {
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: app}\nspec:\n  clusterIP: 10.96.0.20\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]';
    const b = inline(`${app}\n---\n${svc}\n---\n${policy('p', 'app', '  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.244.1.0/24, except: [10.244.1.6/32]}\n    - ipBlock: {cidr: 10.96.0.0/16}\n    - ipBlock: {cidr: 192.168.0.0/16}\n    - ipBlock: {cidr: 10.244.1.6/32}')}`);
    const r = lint(b.cluster).findings.filter((f) => f.rule === 'ipblock-overlaps-cluster');
    expect(r.map((f) => f.message)).toEqual([
      'ipBlock 10.244.1.0/24 covers pod app/web (10.244.1.5)',
      'ipBlock 10.96.0.0/16 covers Service app/web ClusterIP 10.96.0.20',
      'ipBlock 10.244.1.6/32 covers pod app/db (10.244.1.6)',
    ]);
    expect(r[1]!.explanation).toContain('DNAT');
  });

  it('a selector label nobody carries, with a suggestion; a combination that matches nothing', () => {
    const b = inline(`${app}\n---\n${policy('p', 'app', '  podSelector: {matchLabels: {app: wbe}}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: web, tier: x}}\n    - podSelector: {matchLabels: {role: db}}')}`);
    const r = lint(b.cluster).findings;
    const unknown = r.filter((f) => f.rule === 'label-unknown');
    expect(unknown.map((f) => f.path)).toEqual(['spec.podSelector', 'spec.ingress[0].from[0].podSelector', 'spec.ingress[0].from[1].podSelector']);
    expect(unknown[0]!.fix).toBe('did you mean app=web?');
    expect(unknown[1]!.message).toContain('tier=x');
    expect(unknown[2]!.fix).toContain('app');
    const b2 = inline(`${app}\n---\n${policy('p', 'app', '  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from:\n    - podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}, {key: app, operator: NotIn, values: [web]}]}')}`);
    const n = lint(b2.cluster).findings.filter((f) => f.rule === 'peer-selects-nothing');
    expect(n.map((f) => f.path)).toEqual(['spec.ingress[0].from[0].podSelector']);
  });

  it('a policy in a namespace without pods in the input is not judged', () => {
    const b = inline(`${app}\n---\n${policy('p', 'other', '  podSelector: {matchLabels: {app: nothing}}\n  ingress: [{}]')}`);
    expect(lint(b.cluster).findings.filter((f) => ['label-unknown', 'peer-selects-nothing'].includes(f.rule))).toEqual([]);
  });

  it('named ports: ingress looks at the selected pods, egress at the peers, never at ipBlocks', () => {
    const b = inline(`${app}\n---\n${policy('p', 'app', '  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - ports: [{port: http}, {port: https}]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: db}}}]\n    ports: [{port: http}]\n  - to: [{ipBlock: {cidr: 192.168.0.0/16}}]\n    ports: [{port: http}]')}`);
    const r = lint(b.cluster).findings.filter((f) => f.rule === 'named-port-unknown');
    expect(r.map((f) => f.path)).toEqual(['spec.ingress[0].ports[1].port', 'spec.egress[0].ports[0].port', 'spec.egress[1].ports[0].port']);
    expect(r[0]!.fix).toContain('http');
    expect(r[2]!.message).toContain('only ipBlocks');
  });

  it('duplicate policies and shadowed rules', () => {
    const spec = '  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: 5432}]';
    const b = inline(`${app}\n---\n${policy('a', 'app', spec)}\n---\n${policy('b', 'app', spec)}\n---\n${policy('c', 'app', '  podSelector: {}\n  ingress:\n  - from: [{podSelector: {}}]\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: 80}]')}`);
    const r = lint(b.cluster).findings;
    const dup = r.filter((f) => f.rule === 'policy-duplicate');
    expect(dup.map((f) => f.message)).toEqual(['policy app/b has the same effect as app/a']);
    const red = r.filter((f) => f.rule === 'rule-redundant');
    // a's rule is covered by c's first rule (c selects every pod); c's second rule by its first; b is the duplicate.
    expect(red.map((f) => `${f.object?.name} ${f.path}`).sort()).toEqual(['a spec.ingress[0]', 'b spec.ingress[0]', 'c spec.ingress[1]']);
  });

  it('pods selected by no policy, per direction, grouped by workload; namespaces without default deny', () => {
    const b = inline(`${app}\n---\n${policy('p', 'app', '  podSelector: {matchLabels: {app: db}}\n  ingress: []')}`);
    const r = lint(b.cluster).findings;
    expect(r.filter((f) => f.rule === 'ingress-unprotected').map((f) => f.message)).toEqual(['pod app/web is selected by no policy for ingress: all ingress is allowed']);
    expect(r.filter((f) => f.rule === 'egress-unprotected')).toHaveLength(2);
    expect(r.filter((f) => f.rule.startsWith('no-default-deny')).map((f) => f.rule).sort()).toEqual(['no-default-deny-egress', 'no-default-deny-ingress']);
    expect(r.every((f) => f.severity === 'info' || f.rule === 'peer-selects-nothing')).toBe(true);
  });

  it('--disable drops a rule, severities can be changed, failsAt gates on the highest', () => {
    const b = scenario('004-policy-cookbook/5-deny-from-certain-pods');
    expect(failsAt(lint(b.cluster), 'warning')).toBe(true);
    expect(failsAt(lint(b.cluster), 'error')).toBe(false);
    const off = lint(b.cluster, { disable: ['deny-name-allows'] });
    expect(ids(off.findings)).not.toContain('deny-name-allows');
    expect(off.rules.map((r) => r.id)).not.toContain('deny-name-allows');
    const up = lint(b.cluster, { severity: { 'deny-name-allows': 'error' } });
    expect(failsAt(up, 'error')).toBe(true);
  });

  it('rule IDs are unique and every rule documents itself', () => {
    const seen = new Set(RULES.map((r) => r.id));
    expect(seen.size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.id).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(r.title.length).toBeGreaterThan(10);
      expect(r.description.length).toBeGreaterThan(40);
    }
  });
});

describe('bad input', () => {
  it('malformed YAML, unknown kinds, duplicates, binary and empty files: located findings, valid objects still linted', () => {
    const files = [
      { name: 'broken.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n' },
      { name: 'weird.yaml', text: 'apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\n' },
      { name: 'binary.yaml', text: '\u0000\u0001\u0002garbage' },
      { name: 'empty.yaml', text: '' },
      { name: 'types.yaml', text: policy('bad', 'default', '  podSelector: {}\n  ingress: "everything"') },
      { name: 'deny.yaml', text: policy('deny-test', 'default', '  podSelector: {}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: test}}}]') },
      { name: 'deny2.yaml', text: policy('deny-test', 'default', '  podSelector: {}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: test}}}]') },
    ];
    const b = build(files);
    const r = lint(b.cluster, { diagnostics: b.diagnostics });
    const by = (file: string) => r.findings.filter((f) => f.location?.file === file);
    expect(by('broken.yaml').map((f) => f.rule)).toContain('yaml-syntax');
    expect(by('binary.yaml').map((f) => f.rule)).toEqual(['input-binary']);
    expect(by('empty.yaml').map((f) => f.severity)).toEqual(['warning']);
    expect(by('types.yaml').some((f) => f.severity === 'error' && f.location!.line >= 1)).toBe(true);
    expect(by('deny2.yaml').map((f) => f.rule)).toContain('object-duplicate');
    expect(by('deny2.yaml').map((f) => f.rule)).toContain('deny-name-allows');
    for (const f of r.findings) expect(f.location?.line).toBeGreaterThan(0);
  });

  it('no input at all gives no findings', () => {
    const b = build([]);
    expect(lint(b.cluster).findings).toEqual([]);
  });
});

describe('configuration file', () => {
  it('reads disable, severity and failOn, and locates its mistakes', () => {
    const ok = parseLintConfig({ name: '.kordon.yaml', text: 'lint:\n  disable: [rule-redundant]\n  severity: {deny-name-allows: error}\n  failOn: error\n' });
    expect(ok.diagnostics).toEqual([]);
    expect(ok.config).toEqual({ disable: ['rule-redundant'], severity: { 'deny-name-allows': 'error' }, failOn: 'error' });
    const bad = parseLintConfig({ name: '.kordon.yaml', text: 'lint:\n  disable: rule-redundant\n  severity:\n    deny-name-allows: fatal\n  failOn: 3\n  color: red\n' });
    expect(bad.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}`)).toEqual(['6:3 lint.color', '2:3 lint.disable', '4:5 lint.severity.deny-name-allows', '5:3 lint.failOn']);
    const broken = parseLintConfig({ name: 'c.yaml', text: 'lint: [\n' });
    expect(broken.diagnostics[0]!.code).toBe('yaml-syntax');
    expect(broken.diagnostics[0]!.line).toBeLessThanOrEqual(2);
  });
});
