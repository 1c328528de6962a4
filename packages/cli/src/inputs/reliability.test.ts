import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, STACK_TRACE, tempTree, yaml } from '../test-support.js';

// Issue 13's input items: one unreadable file or directory never takes the others down, inputs that may never end
// are refused, and a documented limit ends oversized input with a message instead of an out-of-memory dump.

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

const pod = (name: string) => yaml`
  apiVersion: v1
  kind: Pod
  metadata: {name: ${name}, namespace: a, labels: {app: ${name}}}
  spec: {containers: [{name: c, image: x}]}
`;

const t = tempTree({ 'a.yaml': pod('server'), 'b.yaml': pod('client'), 'big.yaml': `${pod('big')}# ${'x'.repeat(4096)}\n` });
afterAll(() => t.cleanup());

describe('inputs that are not regular files', () => {
  it('a FIFO argument is refused at once, and the other paths are still read (exit 2)', async () => {
    const fifo = t.path('f.yaml');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const r = await run(['validate', fifo, t.path('a.yaml')]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/f\.yaml:1:1: error: a FIFO, not a regular file: not read/);
    expect(r.out).toMatch(/1 object in 1 file/);
    expect(r.err).toMatch(/1 input could not be read \(.*f\.yaml\); the answer covers the rest/);
    expect(r.out + r.err).not.toMatch(STACK_TRACE);
  });

  it('/dev/zero is refused as a character device instead of growing memory without bound', async () => {
    const r = await run(['validate', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/\/dev\/zero:1:1: error: a character device, not a regular file/);
    expect(r.out).toMatch(/--allow-special-files/);
  });

  it('--allow-special-files reads a FIFO when asked', async () => {
    const fifo = t.path('g.yaml');
    execFileSync('mkfifo', [fifo]);
    // A writer in another process, as `kordon validate <(kubectl get pods -o yaml)` would have.
    const writer = spawn('sh', ['-c', `cat ${t.path('a.yaml')} > ${fifo}`], { stdio: 'ignore' });
    const r = await run(['--allow-special-files', 'validate', fifo]);
    writer.kill();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/1 object in 1 file/);
  });

  it('--allow-special-files still stops /dev/zero at the size limit', async () => {
    const r = await run(['--allow-special-files', '--max-input-size', '1M', 'validate', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^kordon: the input is larger than the limit of 1 MiB \(stopped at \/dev\/zero\)\n {2}hint: raise it with --max-input-size/);
  });

  it('a FIFO inside a directory is skipped without being opened', async () => {
    const u = tempTree({ 'ok.yaml': pod('server') });
    try {
      execFileSync('mkfifo', [u.path('pipe.yaml')]);
      const r = await run(['validate', u.dir]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/pipe\.yaml:1:1: note: not a regular file; skipped/);
    } finally {
      u.cleanup();
    }
  });
});

describe('the size limit', () => {
  it('refuses a file larger than --max-input-size before reading it, with the limit and how to raise it', async () => {
    const r = await run(['--max-input-size', '2K', 'validate', t.path('a.yaml'), t.path('big.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the input is larger than the limit of 2 KiB \(stopped at .*big\.yaml\)/);
    expect(r.err).not.toMatch(STACK_TRACE);
  });

  it('counts every input together, and KORDON_MAX_INPUT_SIZE sets it too', async () => {
    const ok = await run(['validate', t.path('a.yaml'), t.path('big.yaml')], { env: { KORDON_MAX_INPUT_SIZE: '8K' } });
    expect(ok.code, ok.err).toBe(0);
    const over = await run(['validate', t.path('big.yaml'), t.path('big.yaml')], { env: { KORDON_MAX_INPUT_SIZE: '8K' } });
    expect(over.code).toBe(2);
    expect(over.err).toMatch(/larger than the limit of 8 KiB/);
  });

  it('stops stdin at the limit', async () => {
    const r = await run(['--max-input-size', '1K', 'lint', '-'], { stdin: new Uint8Array(4096) });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/larger than the limit of 1 KiB \(stopped at <stdin>\)/);
  });

  it('a malformed size is a usage error', async () => {
    const r = await run(['--max-input-size', 'lots', 'validate', t.path('a.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad --max-input-size "lots": give a size such as 500M or 2G/);
  });
});

describe('unreadable files and directories (run as nobody: root reads everything)', () => {
  const u = tempTree({ 'd/a.yaml': pod('server'), 'd/b.yaml': pod('client'), 'd/sub/c.yaml': pod('other'), 'd/policy.yaml': yaml`
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: deny, namespace: a}
    spec: {podSelector: {}, policyTypes: [Ingress]}
  ` });
  beforeAll(() => {
    execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: ROOT, stdio: 'pipe' });
    execFileSync('node', ['scripts/bundle-cli.mjs'], { cwd: ROOT, stdio: 'pipe' });
    chmodSync(u.dir, 0o755);
    chmodSync(u.path('d'), 0o755);
    chmodSync(u.path('d/b.yaml'), 0o000);
    chmodSync(u.path('d/sub'), 0o000);
  }, 300_000);
  afterAll(() => {
    chmodSync(u.path('d/sub'), 0o755);
    u.cleanup();
  });
  const asNobody = (args: string[]) =>
    spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', `${ROOT}/bin/kordon.js`, ...args], { cwd: '/', encoding: 'utf8' });

  it('validate reports each unreadable one, validates the rest, and exits 2', () => {
    const r = asNobody(['validate', u.path('d')]);
    expect(r.stdout).toMatch(/b\.yaml:1:1: error: cannot read .*b\.yaml: permission denied; left out of the answer/);
    expect(r.stdout).toMatch(/sub:1:1: error: cannot read directory .*sub: permission denied/);
    expect(r.stdout).toMatch(/2 objects in 2 files/);
    expect(r.stderr).toMatch(/2 inputs could not be read/);
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).not.toMatch(STACK_TRACE);
  });

  it('check still answers for what it could read', () => {
    mkdirSync(u.path('e'), { mode: 0o755 });
    writeFileSync(u.path('e/client.yaml'), pod('client'), { mode: 0o644 });
    const r = asNobody(['check', u.path('d'), u.path('e'), '--from', 'a/client', '--to', 'a/server', '--port', '80', '-o', 'json']);
    expect((JSON.parse(r.stdout) as { verdict: string }).verdict).toBe('denied');
    expect(r.stderr).toMatch(/b\.yaml:1:1: error: cannot read/);
    expect(r.status).toBe(2);
  });
});

describe('git revisions', () => {
  it('diff nosuchrev:path says "unknown revision"', async () => {
    const g = tempTree({ 'p.yaml': pod('server') });
    const cwd = process.cwd();
    try {
      execFileSync('git', ['init', '-q', g.dir]);
      process.chdir(g.dir);
      const r = await run(['diff', 'nosuchrev:p.yaml', 'p.yaml']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^kordon: nosuchrev:p\.yaml: unknown revision nosuchrev\n/);
    } finally {
      process.chdir(cwd);
      g.cleanup();
    }
  });

  it('REV:path is read by every command, not only diff', async () => {
    const g = tempTree({ 'p.yaml': pod('server') });
    const cwd = process.cwd();
    try {
      const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...a], { cwd: g.dir, stdio: 'pipe' });
      git('init', '-q');
      git('add', '.');
      git('commit', '-q', '-m', 'one');
      writeFileSync(g.path('p.yaml'), pod('renamed'));
      process.chdir(g.dir);
      const r = await run(['validate', 'HEAD:p.yaml', '-o', 'json']);
      expect(r.code, r.err).toBe(0);
      const m = await run(['matrix', 'HEAD:p.yaml', '-o', 'json']);
      expect(m.out).toContain('a/server');
      expect(m.out).not.toContain('renamed');
    } finally {
      process.chdir(cwd);
      g.cleanup();
    }
  });
});
