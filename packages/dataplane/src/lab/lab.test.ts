import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupStaleLabs, Lab, listLabNamespaces } from './lab.js';
import { requirePrivileges } from '../test-support.js';

requirePrivileges();

describe('lab network', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({
      hosts: [
        { name: 'a', ips: ['10.9.0.1', 'fd00:9::1'], serve: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] },
        { name: 'b', ips: ['10.9.0.2', 'fd00:9::2'], serve: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }, { port: 80, protocol: 'SCTP' }] },
        { name: 'out', ips: ['203.0.113.9'], serve: [{ port: 80, protocol: 'TCP' }] },
      ],
      nodeIPs: ['172.31.255.1'],
    });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('routes IPv4 and IPv6, TCP and UDP between namespaces through the node', async () => {
    const r = await lab.probe([
      { from: 0, to: 1, port: 80, protocol: 'TCP' },
      { from: 0, to: 1, port: 53, protocol: 'UDP' },
      { from: 0, to: 1, ip: 'fd00:9::2', port: 80, protocol: 'TCP' },
      { from: 0, to: 1, ip: 'fd00:9::2', port: 53, protocol: 'UDP' },
      { from: 1, to: 2, port: 80, protocol: 'TCP' },
      { from: 2, to: 0, port: 80, protocol: 'TCP' },
      { from: 0, to: 0, port: 80, protocol: 'TCP' },
    ]);
    expect(r.map((x) => x.ok)).toEqual([true, true, true, true, true, true, true]);
  });

  it('reports a port with no server as failed, not as reached', async () => {
    const [r] = await lab.probe([{ from: 0, to: 1, port: 81, protocol: 'TCP' }]);
    expect(r?.ok).toBe(false);
  });

  it('says which ports the kernel cannot serve instead of faking them', async () => {
    const sctp = (await import('node:fs')).readFileSync('/proc/net/protocols', 'utf8').includes('SCTP');
    expect(lab.unsupported.has('80/SCTP')).toBe(!sctp);
  });

  it('removes every namespace it made', async () => {
    const tmp = await Lab.create({ hosts: [{ name: 'x', ips: ['10.9.1.1'], serve: [] }] });
    expect((await listLabNamespaces()).filter((n) => n.startsWith(tmp.runId))).toHaveLength(2);
    await tmp.destroy();
    expect((await listLabNamespaces()).filter((n) => n.startsWith(tmp.runId))).toHaveLength(0);
  });

  it('removes what it made when building fails half-way', async () => {
    const before = await listLabNamespaces();
    // Two hosts with one address: the second route cannot be added.
    await expect(
      Lab.create({ hosts: [{ name: 'a', ips: ['10.9.2.1'], serve: [] }, { name: 'b', ips: ['10.9.2.1'], serve: [] }] }),
    ).rejects.toThrow(/ip .*failed/);
    expect(await listLabNamespaces()).toEqual(before);
  });

  it('removes what it made on Ctrl-C (SIGINT to the process running it)', async () => {
    const dist = fileURLToPath(new URL('../../dist/lab/lab.js', import.meta.url));
    // The child runs the built module (CI builds through npm ci); build it here when it is missing.
    if (!existsSync(dist)) execFileSync('npx', ['tsc', '-b', fileURLToPath(new URL('../..', import.meta.url))], { stdio: 'inherit' });
    const script = `import(${JSON.stringify(dist)}).then(async (m) => {
      const lab = await m.Lab.create({ hosts: [{ name: 'a', ips: ['10.9.3.1'], serve: [{ port: 80, protocol: 'TCP' }] }] });
      process.stdout.write(lab.runId + '\\n');
      setInterval(() => {}, 1000);
    });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const runId = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => resolve(b.toString().trim()));
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    expect((await listLabNamespaces()).filter((n) => n.startsWith(runId))).toHaveLength(2);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect((await listLabNamespaces()).filter((n) => n.startsWith(runId))).toEqual([]);
  });

  it('cleans namespaces left by a run that was killed outright', async () => {
    execFileSync('ip', ['netns', 'add', 'kd-999999-dead-node']);
    expect(await cleanupStaleLabs()).toContain('kd-999999-dead-node');
    expect(await listLabNamespaces()).not.toContain('kd-999999-dead-node');
  });
});
