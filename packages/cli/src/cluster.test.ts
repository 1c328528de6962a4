import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSources } from '@kordon/engine';
import { readSources } from '@kordon/source';
import { makePki, TestApiServer } from '@kordon/source/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, STACK_TRACE } from './test-support.js';

// Commands against a live cluster: the loopback stand-in of kube-apiserver, holding the shop fixture as
// `kubectl apply -f` would have stored it (server-filled defaults included).

const SHOP = fileURLToPath(new URL('./__fixtures__/shop', import.meta.url));
const FILES = ['namespaces.yaml', 'pods.yaml', 'policies.yaml', 'workloads.yaml'].map((f) => join(SHOP, f));
const dir = mkdtempSync(join(tmpdir(), 'kordon-cli-cluster-'));
let api: TestApiServer;
let cfg: string;

beforeAll(async () => {
  api = new TestApiServer({ pki: makePki(), tokens: { t: 'dev' } });
  await api.start();
  for (const o of loadSources((await readSources(FILES)).files).objects) api.store.put(o.raw);
  cfg = join(dir, 'kubeconfig');
  writeFileSync(cfg, api.kubeconfig({ token: 't' }));
});
afterAll(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

const json = (s: string): unknown => JSON.parse(s);

/** An answer without its places: the same object is a line of a file in one and a cluster resource in the other. */
const strip = (s: string) => JSON.stringify(json(s), (k, v) => (['file', 'line', 'column', 'endLine', 'endColumn', 'source', 'sources'].includes(k) ? undefined : v));

/** Lint findings without places, as a sorted list: findings are sorted by place, and the places differ. */
const findings = (s: string) => (json(strip(s)) as { findings: unknown[] }).findings.map((f) => JSON.stringify(f)).sort();

describe('with no PATHS, commands read the current kubeconfig context', () => {
  it('check gives the answer the files give (KUBECONFIG or --kubeconfig)', async () => {
    const args = ['--from', 'frontend/web', '--to', 'api.backend', '-o', 'json'];
    const files = await run(['check', ...FILES, ...args]);
    const viaEnv = await run(['check', ...args], { env: { KUBECONFIG: cfg } });
    const viaFlag = await run(['--kubeconfig', cfg, 'check', ...args]);
    expect(viaEnv.code, viaEnv.err).toBe(files.code);
    const strip = (s: string) => JSON.stringify(json(s), (k, v) => (k === 'file' || k === 'line' || k === 'column' || k === 'at' || k === 'source' ? undefined : v));
    expect(strip(viaEnv.out)).toBe(strip(files.out));
    expect(strip(viaFlag.out)).toBe(strip(files.out));
  });

  it('matrix, lint and explain answer as for the files', async () => {
    for (const cmd of [['matrix', '-o', 'json'], ['lint', '-o', 'json', '--fail-on', 'none'], ['explain', '-o', 'json']]) {
      const files = await run([cmd[0]!, ...FILES, ...cmd.slice(1)]);
      const live = await run(['--kubeconfig', cfg, ...cmd]);
      expect(live.code, `${cmd[0]}: ${live.err}`).toBe(files.code);
      if (cmd[0] === 'lint') {
        expect(findings(live.out)).toEqual(findings(files.out));
      } else expect(strip(live.out), cmd[0]).toBe(strip(files.out));
    }
  });

  it('exposure, list and nft answer as for the files too', async () => {
    for (const cmd of [['exposure', '-o', 'json'], ['list', '-o', 'json'], ['nft']]) {
      const files = await run([cmd[0]!, ...FILES, ...cmd.slice(1)]);
      const live = await run(['--kubeconfig', cfg, ...cmd]);
      expect(live.code, `${cmd[0]}: ${live.err}`).toBe(0);
      expect(files.code, `${cmd[0]}: ${files.err}`).toBe(0);
      // nft names a rule's place in its comments: the file's line, or the cluster resource.
      const unplaced = (s: string) => s.replace(/(cluster:test\/[a-z]+|\/\S+\.yaml)(:\d+(:\d+)?)?/g, '<place>');
      if (cmd[0] === 'nft') expect(unplaced(live.out)).toBe(unplaced(files.out));
      else expect(strip(live.out), cmd[0]).toBe(strip(files.out));
    }
  });

  it('--cluster adds the cluster to PATHS: a new policy file judged with what runs', async () => {
    const deny = join(dir, 'deny.yaml');
    writeFileSync(deny, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: backend}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n');
    const r = await run(['--kubeconfig', cfg, '--cluster', 'check', deny, '--from', 'frontend/web', '--to', 'backend/api', '--port', '8080', '-o', 'json']);
    expect((json(r.out) as { verdict: string }).verdict).toBe('denied');
  });

  it('an unreachable cluster is one clear line and exit 2', async () => {
    const down = join(dir, 'down');
    writeFileSync(down, readFileSync(cfg, 'utf8').replace(api.url, 'https://127.0.0.1:1'));
    const r = await run(['--kubeconfig', down, '--request-timeout', '5', 'matrix']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^kordon: cannot reach the API server at https:\/\/127\.0\.0\.1:1: connection refused\n {2}hint: /);
    expect(r.err).not.toMatch(STACK_TRACE);
  });
});

describe('kordon diff cluster: FILES', () => {
  it('is what applying the files would change in the cluster', async () => {
    const d = join(dir, 'policies');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'deny.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: backend}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n');
    const r = await run(['--kubeconfig', cfg, 'diff', 'cluster:', d, '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    const report = json(r.out) as { changes: { change: string }[] };
    expect(report.changes.length).toBeGreaterThan(0);
    expect(r.err).not.toMatch(/defined again/);
    const same = await run(['--kubeconfig', cfg, 'diff', '--against-cluster', d, '-o', 'json']);
    expect(same.out).toBe(r.out);
    // Offline, against a snapshot of the same cluster: the same report, but for the places on the old side.
    const snap = join(dir, 'diff-snap.yaml');
    expect((await run(['--kubeconfig', cfg, 'snapshot', '-o', snap])).code).toBe(0);
    const offline = await run(['diff', '--against', snap, d, '-o', 'json']);
    expect(offline.code, offline.err).toBe(0);
    expect(offline.err).not.toMatch(/defined again/);
    expect(strip(offline.out)).toBe(strip(r.out));
    // Without --against the two are compared whole: the snapshot's pods and policies are gone from the new side.
    expect(strip((await run(['diff', snap, d, '-o', 'json'])).out)).not.toBe(strip(r.out));
  });

  it('--against takes one path and not with --against-cluster', async () => {
    const both = await run(['diff', '--against', 'x.yaml', '--against-cluster', 'p/']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/give --against-cluster or --against STATE, not both/);
    const two = await run(['diff', '--against', 'x.yaml', 'a/', 'b/']);
    expect(two.code).toBe(2);
    expect(two.err).toMatch(/--against takes one path: the files to apply over x\.yaml/);
  });
});

describe('kordon snapshot', () => {
  it('writes the trimmed objects, which answer offline exactly as the cluster does', async () => {
    const file = join(dir, 'snap.yaml');
    const s = await run(['--kubeconfig', cfg, 'snapshot', '-o', file]);
    expect(s.code, s.err).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/managedFields|last-applied|uid: [0-9a-f-]{36}\n\s+creationTimestamp/);
    expect(text).toMatch(/kind: EndpointSlice|kind: Node|kind: Pod/);
    const args = ['--from', 'frontend/web', '--to', 'api.backend', '-o', 'json'];
    const offline = await run(['check', file, ...args]);
    const live = await run(['--kubeconfig', cfg, 'check', ...args]);
    expect(strip(offline.out)).toBe(strip(live.out));
    for (const cmd of [['matrix', '-o', 'json'], ['explain', '-o', 'json'], ['lint', '-o', 'json', '--fail-on', 'none']]) {
      const [off, on] = [await run([cmd[0]!, file, ...cmd.slice(1)]), await run(['--kubeconfig', cfg, ...cmd])];
      expect(off.code, `${cmd[0]}: ${off.err}`).toBe(on.code);
      if (cmd[0] === 'lint') {
        expect(findings(off.out), cmd[0]).toEqual(findings(on.out));
      } else expect(strip(off.out), cmd[0]).toBe(strip(on.out));
    }
  });
});

describe('kubectl kordon (the plugin executable installed with the package)', () => {
  const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
  beforeAll(async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: ROOT, stdio: 'pipe' });
    execFileSync('node', ['scripts/bundle-cli.mjs'], { cwd: ROOT, stdio: 'pipe' });
  }, 300_000);

  it('kubectl finds it on PATH and runs check against the current context, with kubectl flag names', async () => {
    const { symlinkSync } = await import('node:fs');
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const binDir = join(dir, 'bin');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(binDir, { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/.bin/kubectl-kordon'), join(binDir, 'kubectl-kordon'));
    const env = { ...process.env, PATH: `${binDir}:${process.env['PATH']}`, KUBECONFIG: cfg };
    // Asynchronous: the stand-in answers from this very process.
    const r = await promisify(execFile)('kubectl', ['kordon', 'check', '--context', 'test', '--from', 'frontend/web', '--to', 'api.backend', '-o', 'json'], { env, encoding: 'utf8' }).catch((e: { stdout: string; stderr: string; code: number }) => e);
    expect((json(r.stdout) as { verdict: string }).verdict).toBe('denied');
    const help = await promisify(execFile)('kubectl', ['kordon', 'matrix', '--help'], { env, encoding: 'utf8' });
    expect(help.stdout).toMatch(/^Usage: kubectl kordon matrix/);
  });
});

describe('the release archive (scripts/release.mjs), installed with npm from the tarball alone', () => {
  const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
  const prefix = join(dir, 'installed');
  let env: NodeJS.ProcessEnv;
  let tarball: string;
  beforeAll(async () => {
    const { execFileSync } = await import('node:child_process');
    tarball = execFileSync('node', ['scripts/release.mjs', '--out', join(dir, 'release')], { cwd: ROOT, encoding: 'utf8' }).trim();
    // --offline: every dependency must come from the tarball itself, as krew's unpacked archive has them.
    execFileSync('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { cwd: dir, stdio: 'pipe' });
    env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env['PATH']}`, KUBECONFIG: cfg };
  }, 300_000);

  const installed = async (cmd: string, args: string[]): Promise<{ stdout: string; code: number }> => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    // Asynchronous: the stand-in answers from this very process. From `dir`, so the clone's node_modules are not near.
    return promisify(execFile)(cmd, args, { env, cwd: dir, encoding: 'utf8' }).then(
      (r) => ({ stdout: r.stdout, code: 0 }),
      (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
    );
  };

  it('kubectl kordon reads the cluster through client-node and answers as the clone does', async () => {
    const args = ['--from', 'frontend/web', '--to', 'api.backend', '-o', 'json'];
    const plugin = await installed('kubectl', ['kordon', 'check', '--context', 'test', ...args]);
    const clone = await run(['--kubeconfig', cfg, 'check', ...args]);
    expect(plugin.code).toBe(clone.code);
    expect(strip(plugin.stdout)).toBe(strip(clone.out));
  });

  it('kordon answers for files as the clone does, the commands that load the dataplane too', async () => {
    for (const cmd of [['matrix', '-o', 'json'], ['nft']]) {
      const mine = await installed('kordon', [cmd[0]!, ...FILES, ...cmd.slice(1)]);
      const clone = await run([cmd[0]!, ...FILES, ...cmd.slice(1)]);
      expect(mine.code, cmd[0]).toBe(0);
      expect(mine.stdout, cmd[0]).toBe(clone.out);
    }
  });

  it('holds the executable the krew manifest names', async () => {
    const { execFileSync } = await import('node:child_process');
    const { parse } = await import('yaml');
    const manifest = parse(readFileSync(join(ROOT, 'deploy/krew/kordon.yaml'), 'utf8')) as { spec: { platforms: Array<{ bin: string }> } };
    const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
    for (const p of manifest.spec.platforms) expect(entries).toContain(p.bin);
  });
});
