import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliContext } from './io.js';
import { run, STACK_TRACE, tempTree, yaml } from './test-support.js';

const SHOP = fileURLToPath(new URL('./__fixtures__/shop', import.meta.url));

const pod = (ns: string, name: string, app: string) => yaml`
  apiVersion: v1
  kind: Pod
  metadata: {name: ${name}, namespace: ${ns}, labels: {app: ${app}}}
  spec: {containers: [{name: c, image: x}]}
`;

const denyAll = yaml`
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: deny, namespace: a}
  spec: {podSelector: {}, policyTypes: [Ingress]}
`;

// Bytes that are not UTF-8 and hold no NUL: the reader must still say "binary", not fail inside the YAML parser.
const garbage = Uint8Array.from({ length: 4096 }, (_, i) => 0x80 + ((i * 37) % 120));
const garbageWithNul = Uint8Array.from({ length: 4096 }, (_, i) => (i * 131) % 256);

const t = tempTree({
  'good/pods.yaml': `${pod('a', 'server', 'server')}---\n${pod('a', 'client', 'client')}`,
  'good/policy.json': JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'a' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } }),
  'malformed.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [broken\n  namespace: a\n',
  'garbage.yaml': garbage,
  'nul.yaml': garbageWithNul,
  'empty.yaml': '',
  'blank.yaml': '\n   \n# only a comment\n',
  'unknown.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: a}\n',
  'wrongtype.yaml': `${denyAll.replace('policyTypes: [Ingress]', 'policyTypes: Ingress')}`,
  'dup.yaml': `${pod('a', 'server', 'server')}---\n${pod('a', 'server', 'server')}`,
  'mixed/README.md': '# notes\n',
  'mixed/deploy.sh': 'kubectl apply -f .\n',
  'mixed/pods.yaml': `${pod('a', 'server', 'server')}---\n${pod('a', 'client', 'client')}`,
  'mixed/nested/policy.yml': denyAll,
  'mixed/nested/broken.yaml': 'kind: Pod\n  bad indentation: [\n',
  'mixed/image.json': garbageWithNul,
  'mixed/.hidden/skip.yaml': 'not: read',
  'list.yaml': yaml`
    apiVersion: v1
    kind: List
    items:
    - apiVersion: v1
      kind: Pod
      metadata: {name: server, namespace: a}
      spec: {containers: [{name: c, image: x}]}
    - apiVersion: v1
      kind: Pod
      metadata: {name: client, namespace: a, labels: {app: client}}
      spec: {containers: [{name: c, image: x}]}
  `,
});
afterAll(() => t.cleanup());

interface Case {
  name: string;
  paths: string[];
  /** Exit code of `validate`. */
  validate: number;
  /** Lines of stderr (for validate: stdout) that must appear. */
  says: RegExp[];
  /** Whether `check a/client -> a/server` still answers (the good objects are processed). */
  checks?: 'allowed' | 'denied' | 'usage';
}

const cases: Case[] = [
  { name: 'malformed YAML', paths: ['malformed.yaml', 'good'], validate: 1, says: [/malformed\.yaml:5:3: error: Flow sequence in block collection must be sufficiently indented/], checks: 'denied' },
  { name: 'binary garbage that is not UTF-8', paths: ['garbage.yaml', 'good'], validate: 1, says: [/garbage\.yaml:1:1: error: this file is not UTF-8 text \(binary\?\)/], checks: 'denied' },
  { name: 'binary garbage with NUL bytes', paths: ['nul.yaml', 'good'], validate: 1, says: [/nul\.yaml:1:1: error: .*binary/], checks: 'denied' },
  { name: 'an empty file', paths: ['empty.yaml', 'good'], validate: 0, says: [/empty\.yaml:1:1: warning: this file holds no objects/], checks: 'denied' },
  { name: 'only an empty file', paths: ['empty.yaml'], validate: 0, says: [/empty\.yaml:1:1: warning: this file holds no objects/], checks: 'usage' },
  { name: 'a file of blanks and comments', paths: ['blank.yaml'], validate: 0, says: [/^✓ valid \(0 objects in 1 file, 0 NetworkPolicies\)$/m], checks: 'usage' },
  { name: 'an unknown kind', paths: ['unknown.yaml', 'good'], validate: 0, says: [/unknown\.yaml:1:1: note: Widget .*skipped/], checks: 'denied' },
  { name: 'a value of the wrong type', paths: ['wrongtype.yaml', 'good/pods.yaml'], validate: 1, says: [/wrongtype\.yaml:4:\d+: error: .+\[spec\.policyTypes\]/], checks: 'allowed' },
  { name: 'a duplicate object', paths: ['dup.yaml', 'good'], validate: 0, says: [/dup\.yaml:\d+:\d+: warning: Pod a\/server is defined again/], checks: 'denied' },
  { name: 'a kind: List', paths: ['list.yaml', 'good/policy.json'], validate: 0, says: [/✓ valid \(3 objects in 2 files, 1 NetworkPolicy\)/], checks: 'denied' },
  {
    name: 'a directory of mixed files',
    paths: ['mixed'],
    validate: 1,
    says: [/mixed\/deploy\.sh:1:1: note: not a manifest \(\.yaml, \.yml, \.json\); skipped/, /mixed\/image\.json:1:1: error: .*binary/, /mixed\/nested\/broken\.yaml:\d+:\d+: error: /],
    checks: 'denied',
  },
];

describe('documentation beside manifests', () => {
  it('is skipped without a note, while other files get one', async () => {
    const v = await run(['validate', t.path('mixed')]);
    expect(v.out + v.err).not.toContain('README.md');
    expect(v.out + v.err).toMatch(/deploy\.sh:1:1: note: not a manifest/);
  });
});

describe('bad input: a clear message with its place, no stack trace, the good objects still processed', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const paths = c.paths.map((p) => t.path(p));
      const v = await run(['validate', ...paths]);
      expect(v.code, v.out + v.err).toBe(c.validate);
      for (const s of c.says) expect(v.out).toMatch(s);
      if (c.checks === 'usage') expect(v.err).toContain('kordon: the input holds no Kubernetes objects');
      expect(v.out + v.err).not.toMatch(STACK_TRACE);
      if (c.checks) {
        const r = await run(['check', ...paths, '--from', 'a/client', '--to', 'a/server', '--port', '80', '-o', 'json']);
        expect(r.out + r.err).not.toMatch(STACK_TRACE);
        if (c.checks === 'usage') {
          expect(r.code).toBe(2);
          expect(r.err).toContain('the input holds no Kubernetes objects');
        } else {
          expect(r.code, r.err).toBe(c.checks === 'allowed' ? 0 : 1);
          expect((JSON.parse(r.out) as { verdict: string }).verdict).toBe(c.checks);
          // Diagnostics of other commands go to stderr in the same form.
          for (const s of c.says.filter((x) => !x.source.includes('valid'))) expect(r.err).toMatch(s);
        }
      }
    });
  }

  it('a hidden folder inside a directory is not read', async () => {
    const v = await run(['validate', t.path('mixed')]);
    expect(v.out).not.toContain('.hidden');
  });

  const unreadable: [string, string[], RegExp][] = [
    ['a path that does not exist', ['validate', '/nonexistent/kordon/x.yaml'], /^kordon: cannot read \/nonexistent\/kordon\/x\.yaml: no such file or directory\n/],
    ['no path at all', ['validate'], /missing required argument 'paths'/],
    ['stdin twice', ['validate', '-', '-'], /- \(stdin\) is given twice/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown option', ['validate', SHOP, '--frobnicate'], /unknown option '--frobnicate'/],
  ];
  for (const [name, argv, message] of unreadable) {
    it(`exits 2 on ${name}`, async () => {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(STACK_TRACE);
    });
  }
});

describe('- reads stdin', () => {
  it('a multi-document stream, as kubectl get -o yaml pipes it', async () => {
    const stdin = `${pod('a', 'server', 'server')}---\n${pod('a', 'client', 'client')}---\n${denyAll}`;
    const r = await run(['check', '-', '--from', 'a/client', '--to', 'a/server', '--port', '80', '-o', 'json'], { stdin });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.out) as { verdict: string }).verdict).toBe('denied');
  });

  it('stdin and files together; problems in stdin are placed at <stdin>:line:column', async () => {
    const r = await run(['validate', '-', t.path('good')], { stdin: 'apiVersion: v1\nkind: Pod\nmetadata: {name: [x}\n' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^<stdin>:3:\d+: error: /m);
  });

  it('JSON on stdin', async () => {
    const r = await run(['validate', '-', '-o', 'json'], { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [] }) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([]);
  });
});

describe('a 50 MB file', () => {
  it('is read, validated and evaluated in reasonable time', async () => {
    const u = tempTree({});
    try {
      // One kind: List of about 170,000 small pods and one policy, as a large kubectl get -o json would be.
      const items: string[] = [];
      let size = 0;
      for (let i = 0; size < 50_000_000; i++) {
        const s = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: `ns${i % 50}`, labels: { app: `a${i % 20}` } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] }, status: { podIP: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` } });
        items.push(s);
        size += s.length + 2;
      }
      // ns0 admits app=a1 pods of every namespace: p1 (ns1, a1) may connect to p0, p2 (ns2, a2) may not.
      items.push(JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'only-a1', namespace: 'ns0' }, spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'a1' } } }] }] } }));
      const file = u.path('big.json');
      writeFileSync(file, `{"apiVersion":"v1","kind":"List","items":[\n${items.join(',\n')}\n]}\n`);
      const started = Date.now();
      const r = await run(['check', file, '--from', 'ns1/p1', '--to', 'ns0/p0', '--port', '80', '-o', 'json']);
      const seconds = (Date.now() - started) / 1000;
      expect(r.code, r.err).toBe(0);
      expect((JSON.parse(r.out) as { verdict: string }).verdict).toBe('allowed');
      expect(seconds).toBeLessThan(120);
      const denied = await run(['check', file, '--from', 'ns2/p2', '--to', 'ns0/p0', '--port', '80']);
      expect(denied.code).toBe(1);
      // The policy is the last item, on its own line: positions in large JSON files are still exact.
      expect(denied.out).toContain(`isolated by ns0/only-a1 at ${file}:${items.length + 1}\n`);
    } finally {
      u.cleanup();
    }
  }, 180_000);
});

describe('readInputs', () => {
  it('remembers what it could not read for the exit code, once: re-reads (serve) report to their caller only', async () => {
    const { readInputs } = await import('./input.js');
    const t = tempTree({ 'ok.yaml': denyAll });
    execFileSync('mkfifo', [t.path('fifo.yaml')]);
    const ctx: CliContext = { io: { out: () => {}, err: () => {}, readStdin: async () => new Uint8Array(), stdoutIsTTY: false, stderrIsTTY: false, env: {} }, exitCode: 0, noColor: true };
    const paths = [t.path('ok.yaml'), t.path('fifo.yaml')];
    const first = await readInputs(paths, ctx);
    expect(first.unreadable).toEqual([t.path('fifo.yaml')]);
    for (let i = 0; i < 3; i++) {
      const again = await readInputs(paths, ctx, { remember: false });
      expect(again.unreadable).toEqual([t.path('fifo.yaml')]);
      expect(again.files.map((f) => f.name)).toEqual([t.path('ok.yaml')]);
    }
    expect(ctx.unreadable).toEqual([t.path('fifo.yaml')]);
    t.cleanup();
  });
});
