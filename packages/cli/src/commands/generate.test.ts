// kordon generate, run in-process: the policies on stdout with the proof as comments, --out, -o json, --strict.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { run, STACK_TRACE, tempTree } from '../test-support.js';

const EX = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const scenario = `${EX}002-earthly-namespaces/3-allow-by-labels`;
const FIX = fileURLToPath(new URL('../../../review/src/__fixtures__/generate/', import.meta.url));
const t = tempTree({ 'keep.txt': '' });
afterAll(() => t.cleanup());

describe('kordon generate', () => {
  it('prints the policies, then the proof as comments, and exits 0 when the proof holds', async () => {
    const r = await run(['generate', scenario, '--expect', `${scenario}/expect.yaml`]);
    expect(r.code, r.err).toBe(0);
    const docs = parseAllDocuments(r.out).map((d) => d.toJS()).filter((d) => d !== null);
    expect(docs.length).toBeGreaterThan(5);
    expect(docs.every((d) => d.kind === 'NetworkPolicy')).toBe(true);
    expect(r.out).toMatch(/# proof \(the engine, with the generated policies in place\): holds/);
    expect(r.out).toMatch(/#   expectations \(as kordon test runs them\): 10 passed, 0 failed/);
    expect(r.err).toMatch(/proof holds/);
  });
  it('--strict exits 1 when the policies allow more than was asked', async () => {
    const r = await run(['generate', scenario, '--expect', `${scenario}/expect.yaml`, '--strict']);
    expect(r.code).toBe(1);
  });
  it('--out writes one file per namespace and prints the proof; the files pass kordon test and lint', async () => {
    const out = t.path('out');
    const r = await run(['generate', `${FIX}shop.yaml`, '--flows', `${FIX}flows.csv`, '--flows', `${FIX}hubble.jsonl`, '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/wrote .*shop\.yaml/);
    expect(readFileSync(`${out}/shop.yaml`, 'utf8')).toContain('kind: NetworkPolicy');
    const lint = await run(['lint', `${FIX}shop.yaml`, out]);
    expect(lint.out).toMatch(/0 errors, 0 warnings/);
    expect(lint.out).not.toMatch(/: (warning|error) \[/);
  });
  it('-o json gives the files and the proof', async () => {
    const r = await run(['generate', `${FIX}shop.yaml`, '--flows', `${FIX}flows.csv`, '-o', 'json']);
    const j = JSON.parse(r.out);
    expect(j.proof.holds).toBe(true);
    expect(j.proof.allowed.total).toBe(5);
    expect(j.files[0].name).toBe('generated/shop.yaml');
    const y = await run(['generate', `${FIX}shop.yaml`, '--flows', `${FIX}flows.csv`, '-o', 'yaml']);
    expect(parseAllDocuments(y.out)[0]!.toJS().kind).toBe('NetworkPolicy');
  });
  it('usage errors exit 2 without a stack trace', async () => {
    for (const argv of [['generate', `${FIX}shop.yaml`, '--cidr-prefix', '40'], ['generate', `${FIX}shop.yaml`, '--flows', t.path('missing.csv')], ['generate', `${FIX}shop.yaml`, '-o', 'xml']]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).not.toMatch(STACK_TRACE);
    }
  });
});

describe('kordon generate --diff', () => {
  const nginx = `${EX}004-policy-cookbook/7-nginx-default-deny`;
  const files = ['allow-nginx.yaml', 'kube-system.yaml', 'namespaces.yaml', 'nginx-deployment-pod.yaml', 'nginx-deployment.yaml', 'service.yaml', 'test-pods.yaml'].map((f) => `${nginx}/${f}`);
  it('with the policies as written, proposes nothing and exits 0', async () => {
    const r = await run(['generate', nginx, '--expect', `${nginx}/expect.yaml`, '--diff']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^# kordon generate --diff: 0 policies added, 0 policies changed/);
    expect(r.out).toMatch(/#   no change in connectivity/);
    expect(r.err).toMatch(/no change needed; proof holds/);
  });
  it('with default-deny-all left out, writes the change, shows it as kordon diff does, and proves it', async () => {
    const r = await run(['generate', ...files, '--expect', `${nginx}/expect.yaml`, '--diff']);
    expect(r.code, r.err).toBe(0);
    const docs = parseAllDocuments(r.out).map((d) => d.toJS()).filter((d) => d !== null);
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.every((d) => d.kind === 'NetworkPolicy')).toBe(true);
    expect(r.out).toMatch(/# the change, as kordon diff shows it:\n#   policies (added|modified): /);
    expect(r.out).toMatch(/Newly denied:/);
    expect(r.out).toMatch(/# proof \(the engine, with the change applied\): holds/);
    expect(r.out).toMatch(/#   expectations \(as kordon test runs them\): 7 passed, 0 failed/);
  });
  it('-o json gives the change, the diff and the proof; --out writes files that lint clean', async () => {
    const j = JSON.parse((await run(['generate', ...files, '--expect', `${nginx}/expect.yaml`, '--diff', '-o', 'json'])).out);
    expect(j.proof.holds).toBe(true);
    expect(j.diff.summary.denied).toBeGreaterThan(0);
    expect(j.files.length).toBeGreaterThan(0);
    const out = t.path('diff-out');
    const w = await run(['generate', ...files, '--expect', `${nginx}/expect.yaml`, '--diff', '--out', out]);
    expect(w.code, w.err).toBe(0);
    expect(w.out).toMatch(/wrote .*nginx-example\.yaml/);
    const lint = await run(['lint', out]);
    expect(lint.out).not.toMatch(/: (warning|error) \[/);
  });
});

describe('kordon generate --guardrails', () => {
  it('writes the ClusterNetworkPolicies beside the NetworkPolicies and proves them together', async () => {
    const r = await run(['generate', scenario, '--expect', `${scenario}/expect.yaml`, '--guardrails', 'admin,baseline']);
    expect(r.code, r.err).toBe(0);
    const docs = parseAllDocuments(r.out).map((d) => d.toJS()).filter((d) => d !== null);
    expect(docs.filter((d) => d.kind === 'ClusterNetworkPolicy').map((d) => `${d.spec.tier} ${d.metadata.name}`)).toEqual(['Admin kordon-admin-dns', 'Admin kordon-admin-protect-system', 'Baseline kordon-baseline-default-deny']);
    expect(r.out).toMatch(/# proof \(the engine, with the generated policies in place\): holds/);
    const out = t.path('guard-out');
    await run(['generate', scenario, '--expect', `${scenario}/expect.yaml`, '--guardrails', 'baseline', '--out', out]);
    expect(readFileSync(`${out}/cluster-guardrails.yaml`, 'utf8')).toContain('tier: Baseline');
    const v = await run(['validate', out]);
    expect(v.code, v.out + v.err).toBe(0);
  });
  it('an unknown tier is a usage error', async () => {
    const r = await run(['generate', scenario, '--guardrails', 'admin,root']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--guardrails takes admin, baseline/);
  });
});
