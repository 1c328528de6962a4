// kordon lint, diff and test, run in-process on the tutorial scenarios and on temporary trees.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run, STACK_TRACE, tempTree } from '../test-support.js';

const EX = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const s002 = (step: string) => `${EX}002-earthly-namespaces/${step}`;

const policy = (name: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n${spec}\n`;
const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default, labels: {app: web}}\nspec: {containers: [{name: c, image: x}]}\n';

const t = tempTree({
  'ok/pod.yaml': pod,
  'ok/p.yaml': policy('web', '  podSelector: {matchLabels: {app: web}}\n  ingress: [{}]'),
  'deny/pod.yaml': pod,
  'deny/test.yaml': pod.replace(/web/g, 'test'),
  'deny/p.yaml': policy('deny-test', '  podSelector: {}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: test}}}]'),
  'bad/binary.yaml': new Uint8Array([0xff, 0xfe, 0x00, 0x01]),
  'bad/broken.yaml': 'kind: Pod\napiVersion: v1\nmetadata: {name: [\n',
  'bad/p.yaml': policy('deny-test', '  podSelector: {}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: test}}}]'),
  'config/.kordon.yaml': 'lint:\n  disable: [deny-name-allows]\n',
  'config/bad.yaml': 'lint:\n  failOn: sometimes\n',
  'expect/wrong.yaml': 'expectations:\n  - name: web reaches itself by address\n    from: default/web\n    to: default/web\n    port: 80\n    expect: denied\n  - name: outside reaches web\n    from: 203.0.113.1\n    to: default/web\n    port: 80\n    expect: allowed\n',
  'expect/latin1.yaml': new Uint8Array([...Buffer.from('expectations:\n  - name: caf'), 0xe9, ...Buffer.from('\n    from: default/web\n    to: default/web\n    port: 80\n    expect: allowed\n')]),
  'config/latin1.yaml': new Uint8Array([...Buffer.from('lint:\n  disable: [caf'), 0xe9, ...Buffer.from(']\n')]),
  'expect/broken.yaml': 'expectations:\n  - from: default/web\n    to: default/nobody\n    port: 80\n    expect: allowed\n',
  'scenarios/a/pod.yaml': pod,
  'scenarios/a/expect.yaml': 'expectations:\n  - {from: default/web, to: default/web, port: 80, expect: allowed}\n',
  // Alone, b's web is isolated; merged with a, the same name would be defined twice.
  'scenarios/nested/b/pod.yaml': pod,
  'scenarios/nested/b/p.yaml': policy('deny', '  podSelector: {}'),
  'scenarios/nested/b/expect.yaml': 'expectations:\n  - {from: 203.0.113.1, to: default/web, port: 80, expect: allowed}\n',
  'dns/all.yaml': [
    'apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: default, labels: {app: client}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.1}',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default, labels: {app: web}}\nspec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}\nstatus: {podIP: 10.0.0.2}',
    'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {selector: {app: web}, ports: [{port: 80}], clusterIP: 10.96.0.10}',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.9.1}',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: resolver, namespace: dns, labels: {app: dns}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.8.1}',
    policy('client-egress', '  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: web}}}]\n  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dns}}}]\n    ports: [{port: 53, protocol: UDP}]'),
  ].join('\n---\n'),
  'dns/expect.yaml': 'expectations:\n  - {from: default/client, to: web.default, port: 80, expect: allowed}\n',
});
afterAll(() => t.cleanup());

describe('kordon lint', () => {
  it('--dns moves where dns-blocked looks for the cluster DNS pods', async () => {
    const findings = async (...extra: string[]) =>
      (JSON.parse((await run(['lint', t.path('dns/all.yaml'), '-o', 'json', ...extra])).out) as { findings: Array<{ rule: string }> }).findings.map((f) => f.rule);
    expect(await findings()).toContain('dns-blocked');
    expect(await findings('--dns', 'dns/app=dns')).not.toContain('dns-blocked');
  });

  it('finds seed 002 mistakes, exits 1, locates each at file:line:column', async () => {
    const r = await run(['lint', s002('3-allow-by-labels')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('allow_frontend_egress.yaml:18:7: error [peer-and-split]');
    expect(r.out.trimEnd().split('\n').at(-1)).toMatch(/^4 errors, 3 warnings, \d+ infos$/);
  });

  it('--fail-on decides the exit code; none never fails', async () => {
    expect((await run(['lint', t.path('deny')])).code).toBe(1);
    expect((await run(['lint', t.path('deny'), '--fail-on', 'error'])).code).toBe(0);
    expect((await run(['lint', t.path('deny'), '--fail-on', 'none'])).code).toBe(0);
    expect((await run(['lint', t.path('ok')])).code).toBe(0);
    const bad = await run(['lint', t.path('ok'), '--fail-on', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('bad --fail-on');
  });

  it('--disable and a configuration file turn rules off', async () => {
    const r = await run(['lint', t.path('deny'), '--disable', 'deny-name-allows', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).findings.map((f: { rule: string }) => f.rule)).not.toContain('deny-name-allows');
    expect((await run(['lint', t.path('deny'), '--config', t.path('config/.kordon.yaml')])).code).toBe(0);
    const bad = await run(['lint', t.path('deny'), '--config', t.path('config/bad.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('bad.yaml:2:3');
  });

  it('-o sarif is SARIF 2.1.0 with rules and regions; -o md is a table', async () => {
    const r = await run(['lint', s002('3-allow-by-labels'), '-o', 'sarif']);
    const log = JSON.parse(r.out);
    expect(log.version).toBe('2.1.0');
    const res = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'peer-and-split');
    expect(log.runs[0].tool.driver.rules[res.ruleIndex].id).toBe('peer-and-split');
    expect(res.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
    const md = await run(['lint', s002('3-allow-by-labels'), '-o', 'md']);
    expect(md.out).toContain('| 🛑 | `peer-and-split` |');
  });

  it('bad input: binary and broken files are findings with places, valid objects still linted, no stack trace', async () => {
    const r = await run(['lint', t.path('bad')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('binary.yaml:1:1: error [input-binary]');
    expect(r.out).toMatch(/broken\.yaml:\d+:\d+: error \[yaml-syntax\]/);
    expect(r.out).toContain('[deny-name-allows]');
    expect(r.out + r.err).not.toMatch(STACK_TRACE);
    const none = await run(['lint', t.path('nowhere')]);
    expect(none.code).toBe(2);
    expect(none.err).not.toMatch(STACK_TRACE);
  });

  it('a configuration that is not UTF-8 is a usage error at its place', async () => {
    const r = await run(['lint', t.path('ok'), '--config', t.path('config/latin1.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${t.path('config/latin1.yaml')}:2:16: the configuration is not UTF-8 text (byte 0xe9)`);
    expect(r.err).not.toMatch(STACK_TRACE);
  });

  it('--list-rules', async () => {
    const r = await run(['lint', '--list-rules']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^peer-and-split +error /m);
  });
});

describe('kordon test', () => {
  it('the scenario expectation file passes, found in the directory', async () => {
    const r = await run(['test', s002('3-allow-by-labels')]);
    expect(r.code).toBe(0);
    expect(r.out.trimEnd()).toBe('10 passed, 0 failed');
  });

  it('failures print their explanation and the closing count; exit 1', async () => {
    const r = await run(['test', t.path('ok'), '--expect', t.path('expect/wrong.yaml')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL');
    expect(r.out).toContain('wrong.yaml:2:5 web reaches itself by address');
    expect(r.out).toContain('a pod always reaches itself');
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
    const j = JSON.parse((await run(['test', t.path('ok'), '--expect', t.path('expect/wrong.yaml'), '-o', 'json'])).out);
    expect([j.passed, j.failed]).toEqual([1, 1]);
  });

  it('a name that does not resolve is located in the expectation file', async () => {
    const r = await run(['test', t.path('ok'), '--expect', t.path('expect/broken.yaml')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('broken.yaml:3:5: default/nobody does not resolve');
  });

  it('--each tests every scenario directory under those given on its own; the last line counts them all', async () => {
    const r = await run(['test', '--each', s002('')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`== ${s002('1-no-policies')}\n3 passed, 0 failed`);
    expect(r.out).toContain(`== ${s002('3-allow-by-labels')}\n10 passed, 0 failed`);
    expect(r.out.trimEnd().split('\n').slice(-2)).toEqual(['== all 3 scenarios', '21 passed, 0 failed']);
  });

  it('--each reports each scenario; a failing one fails the run; json lists them', async () => {
    const r = await run(['test', '--each', t.path('scenarios')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`== ${t.path('scenarios/a')}\n1 passed, 0 failed`);
    expect(r.out).toContain('FAIL');
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
    const j = JSON.parse((await run(['test', '--each', t.path('scenarios'), '-o', 'json'])).out);
    expect(j.scenarios.map((s: { path: string; passed: number; failed: number }) => [s.path, s.passed, s.failed])).toEqual([
      [t.path('scenarios/a'), 1, 0],
      [t.path('scenarios/nested/b'), 0, 1],
    ]);
  });

  it('several scenario directories without --each are merged into one cluster, with a note saying so', async () => {
    const r = await run(['test', t.path('scenarios/a'), t.path('scenarios/nested/b')]);
    expect(r.err).toContain('2 directories with an expect.yaml are merged into one cluster; --each tests each on its own');
    expect((await run(['test', '--each', t.path('ok')])).code).toBe(2);
  });

  it('--dns says where the cluster DNS pods are, as for kordon check', async () => {
    const withDefault = await run(['test', t.path('dns')]);
    expect(withDefault.code).toBe(1);
    expect(withDefault.out).toContain('kube-system');
    const withOwn = await run(['test', t.path('dns'), '--dns', 'dns/app=dns']);
    expect(withOwn.code).toBe(0);
    expect(withOwn.out.trimEnd()).toBe('1 passed, 0 failed');
    expect((await run(['test', t.path('dns'), '--dns', 'nonsense'])).code).toBe(2);
  });

  it('an expectation file is read as manifests are: a missing file, a directory or bytes that are not UTF-8 are usage errors with the place', async () => {
    const latin1 = await run(['test', t.path('ok'), '--expect', t.path('expect/latin1.yaml')]);
    expect(latin1.code).toBe(2);
    expect(latin1.err).toContain(`${t.path('expect/latin1.yaml')}:2:14: the expectation file is not UTF-8 text (byte 0xe9)`);
    expect(latin1.err).not.toMatch(STACK_TRACE);
    const missing = await run(['test', t.path('ok'), '--expect', t.path('expect/none.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`cannot read the expectation file ${t.path('expect/none.yaml')}: cannot read`);
    const dir = await run(['test', t.path('ok'), '--expect', t.path('expect')]);
    expect(dir.code).toBe(2);
    expect(dir.err).toContain('not a regular file');
  });

  it('no expectation file is a usage error', async () => {
    const r = await run(['test', t.path('ok/pod.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no expectation file');
  });
});

describe('kordon diff', () => {
  it('two directories: newly allowed flows with the policy that opens them', async () => {
    const r = await run(['diff', s002('2-deny-all'), s002('3-allow-by-labels')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('+ frontend/frontend -> backend/backend on all ports');
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('4 flows newly allowed, 0 flows newly denied');
    const j = JSON.parse((await run(['diff', s002('2-deny-all'), s002('3-allow-by-labels'), '-o', 'json'])).out);
    expect(j.summary).toEqual({ allowed: 4, denied: 0, flows: 4 });
    expect((await run(['diff', s002('2-deny-all'), s002('3-allow-by-labels'), '--exit-code'])).code).toBe(1);
    expect((await run(['diff', s002('2-deny-all'), s002('2-deny-all'), '--exit-code'])).code).toBe(0);
  });

  it('a git revision as REV:path', async () => {
    const repo = tempTree({ 'k8s/pod.yaml': pod, 'k8s/p.yaml': policy('web', '  podSelector: {matchLabels: {app: web}}\n  ingress: [{}]') });
    const git = (...a: string[]) => execFileSync('git', ['-C', repo.dir, ...a], { stdio: 'pipe' });
    git('init', '-q');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'first');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(repo.path('k8s/p.yaml'), policy('web', '  podSelector: {matchLabels: {app: web}}\n  ingress: []'));
    const cwd = process.cwd();
    process.chdir(repo.dir);
    try {
      const r = await run(['diff', 'HEAD:k8s', 'k8s', '-o', 'md']);
      expect(r.code).toBe(0);
      expect(r.out).toContain('#### ⛔ Newly denied');
      expect(r.out).toContain('modified `default/web`');
      expect(r.out).toContain('| `any outside address` | `default/web` | all ports |');
      expect(r.out).toContain('(`HEAD:k8s/p.yaml:8`)');
      expect(readFileSync(repo.path('k8s/p.yaml'), 'utf8')).toContain('ingress: []');
      const missing = await run(['diff', 'HEAD:nothing-here', 'k8s']);
      expect(missing.code).toBe(2);
      expect(missing.err).toContain('no such path at revision HEAD');
    } finally {
      process.chdir(cwd);
      repo.cleanup();
    }
  });
});
