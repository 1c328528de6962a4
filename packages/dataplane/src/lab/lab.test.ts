import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, listLabNamespaces } from './lab.js';
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
});
