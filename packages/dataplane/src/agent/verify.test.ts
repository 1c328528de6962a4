// The agent compares the kernel's table with its ruleset and repairs drift (issue 13): every case of tampering the
// attack run found, each checked against the table a full replace makes.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '@kordon/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCluster } from '../bench/synthetic.js';
import { clusterOf, readUpstreamSuite, upstreamObjects } from '../conformance/upstream.js';
import { Lab } from '../lab/lab.js';
import { applyScript, listTable } from '../nft/apply.js';
import { compileRuleset } from '../nft/compile.js';
import { describeDifferences, expectedView, kernelView, viewDigest } from '../nft/digest.js';
import { NftLister } from '../nft/lister.js';
import { renderRuleset } from '../nft/ruleset.js';
import { requirePrivileges } from '../test-support.js';
import { Agent, type VerifyResult } from './agent.js';
import { backgroundCheck } from './background-check.js';

requirePrivileges();

const SUITE = readUpstreamSuite(`${process.env['KORDON_SHARED']}/conformance/upstream-e2e-part.json`);

function upstreamClusters(): Array<[string, Cluster]> {
  const out: Array<[string, Cluster]> = [];
  for (const c of SUITE.cases)
    for (const [i, step] of c.steps.entries()) out.push([`${c.id} step ${i}`, clusterOf([...upstreamObjects(SUITE, step.namespaceLabels), ...step.policies]).cluster]);
  return out;
}

/** IPv6 addresses, prefixes and ranges, port ranges, every-port peers and open ports: each element form there is. */
function dualStack(): Cluster {
  const pod = (ns: string, name: string, ips: string[], labels: Record<string, string>): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: ns, name, labels },
    spec: { nodeName: 'n', containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: ips[0], podIPs: ips.map((ip) => ({ ip })), hostIP: '192.168.9.1' },
  });
  const policy = (ns: string, name: string, spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec });
  const { cluster, diagnostics } = clusterOf([
    pod('a', 'web', ['10.1.0.1', 'fd00:1::1'], { role: 'web' }),
    pod('a', 'api', ['10.1.0.2', 'fd00:1::2'], { role: 'api' }),
    pod('b', 'db', ['10.2.0.1', 'fd00:2::1'], { role: 'db' }),
    policy('b', 'in', {
      podSelector: {},
      ingress: [
        { from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'web' } } }, { ipBlock: { cidr: 'fd00::/16', except: ['fd00:1::/64'] } }], ports: [{ port: 'http' }, { port: 6000, endPort: 6010 }] },
        { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { ipBlock: { cidr: '2001:db8::/32' } }] },
        { from: [{ podSelector: { matchLabels: { role: 'api' } } }] },
      ],
    }),
    policy('a', 'out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 443 }] }, { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0', except: ['fd00::/8'] } }], ports: [{ port: 80, endPort: 90 }] }] }),
  ]);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return cluster;
}

describe('agent.verify', () => {
  let lab: Lab;
  const t = (): { netns: string } => ({ netns: lab.nodeNetns });
  const nft = (script: string): Promise<void> => applyScript(script, t(), { check: false });
  const digestOfKernel = async (table = 'kordon'): Promise<string> => viewDigest(kernelView(await listTable(table, t()), table));

  beforeAll(async () => {
    lab = await Lab.create({ hosts: [] });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('finds the kernel equal to the ruleset after a sync, for every upstream case and a synthetic cluster', async () => {
    const agent = await Agent.create(t());
    const clusters: Array<[string, Cluster]> = [...upstreamClusters(), ['synthetic', syntheticCluster({ pods: 120, policies: 80, nodes: 1 })], ['dual-stack', dualStack()]];
    for (const [name, c] of clusters) {
      await agent.sync(c);
      const r = await agent.verify();
      expect(r.differences, name).toEqual([]);
      expect(r.state, name).toBe('ok');
      expect(await digestOfKernel(), name).toBe(viewDigest(expectedView(agent.ruleset!)));
    }
    expect(agent.repairs).toBe(0);
  });

  // The exact check inside the queue, and the one in pieces beside the syncs: each must find and put back the same.
  const checks: Array<[string, (agent: Agent) => Promise<VerifyResult>]> = [
    ['agent.verify', (agent) => agent.verify()],
    ['backgroundCheck', (agent) => backgroundCheck(agent, lister)],
  ];
  let lister: NftLister;
  beforeAll(() => {
    lister = new NftLister(t());
  });
  afterAll(() => lister?.close());

  describe.each(checks)('%s repairs what was changed behind its back', (_, check) => {
    const cluster = syntheticCluster({ pods: 60, policies: 40, nodes: 1 });
    let agent: Agent;
    let want: string;
    beforeAll(async () => {
      agent = await Agent.create(t());
      await agent.sync(cluster, { full: true });
      want = viewDigest(expectedView(agent.ruleset!));
      // The compiled ruleset, applied whole, is what every repair must come back to.
      await nft(renderRuleset(compileRuleset(cluster), { notes: false }));
      expect(await digestOfKernel()).toBe(want);
    });

    const firstOf = (pred: (name: string) => boolean, kind: 'set' | 'map' = 'set') => {
      const s = agent.ruleset!.sets.find((x) => x.kind === kind && !x.dynamic && x.elements.length > 0 && pred(x.name))!;
      return { name: s.name, element: s.elements[0]!, key: s.kind === 'map' ? s.elements[0]!.split(' : ')[0]! : s.elements[0]! };
    };
    const classChain = (): string => agent.ruleset!.chains.find((c) => c.name.startsWith('in_'))!.name;

    const cases: Array<[string, () => string, RegExp, 'incremental' | 'full']> = [
      ['a deleted map element (the pod loses isolation)', () => { const m = firstOf((n) => n === 'ingress4', 'map'); return `delete element inet kordon ingress4 { ${m.key} }`; }, /ingress4 lacked 1 and had 0 extra/, 'incremental'],
      ['a deleted element of a class set', () => { const s = firstOf((n) => /_pp4$|_ip4$/.test(n)); return `delete element inet kordon ${s.name} { ${s.element} }`; }, /lacked 1 and had 0 extra/, 'incremental'],
      ['an element added to a class set (a peer let in)', () => { const s = firstOf((n) => /_pp4$/.test(n)); return `add element inet kordon ${s.name} { 10.250.250.250 . tcp . 22 }`; }, /lacked 0 and had 1 extra/, 'incremental'],
      ['a map element sent to another chain', () => { const m = firstOf((n) => n === 'ingress4', 'map'); return `delete element inet kordon ingress4 { ${m.key} }\nadd element inet kordon ingress4 { ${m.key} : accept }`; }, /ingress4 lacked 1 and had 1 extra/, 'incremental'],
      ['a flushed class chain', () => `flush chain inet kordon ${classChain()}`, /chain in_\w+ had 0 rules unlike the \d+ of the ruleset/, 'incremental'],
      ['a flushed forward chain', () => 'flush chain inet kordon forward', /chain forward had 0 rules unlike the 9/, 'incremental'],
      ['a rule added to the forward chain', () => 'insert rule inet kordon forward accept', /chain forward had 10 rules/, 'incremental'],
      ['a deleted table', () => 'delete table inet kordon', /the table was missing/, 'full'],
      ['another chain in the table', () => 'add chain inet kordon sneaky { type filter hook forward priority -10; policy accept; }', /chain sneaky, not in the ruleset/, 'full'],
      ['a flushed class set', () => `flush set inet kordon ${firstOf((n) => /_pp4$/.test(n)).name}`, /_pp4 lacked \d+ and had 0 extra/, 'incremental'],
      ['another set in the table', () => 'add set inet kordon sneaky { type ipv4_addr; }', /it held set sneaky, not in the ruleset/, 'full'],
      ['a named counter in the table', () => 'add counter inet kordon sneaky', /it held counter sneaky, which kordon never makes/, 'full'],
    ];
    for (const [name, tamper, says, mode] of cases)
      it(`${name}`, async () => {
        await nft(`${tamper()}\n`);
        expect(await digestOfKernel()).not.toBe(want);
        const r = await check(agent);
        expect(r.state).toBe('repaired');
        expect(r.mode).toBe(mode);
        expect(describeDifferences(r.differences)).toMatch(says);
        expect(await digestOfKernel()).toBe(want);
        expect((await check(agent)).state).toBe('ok');
      });

    it('counts its repairs', () => {
      expect(agent.repairs).toBe(cases.length);
    });
  });

  it('catches an nft that reported success without applying anything', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kordon-liar-'));
    try {
      // Says yes to the next transaction and does nothing; the real nft otherwise.
      writeFileSync(join(d, 'lies'), '1\n');
      writeFileSync(join(d, 'nft'), `#!/bin/sh\nif [ "$1" = "-f" ] && [ "$(cat ${d}/lies)" -gt 0 ]; then echo 0 > ${d}/lies; cat > /dev/null; exit 0; fi\nexec nft "$@"\n`);
      chmodSync(join(d, 'nft'), 0o755);
      const agent = await Agent.create({ ...t(), table: 'kordon_liar', nftProgram: join(d, 'nft') });
      const c = syntheticCluster({ pods: 20, policies: 10, nodes: 1 });
      expect((await agent.sync(c)).mode).toBe('full');
      expect(await listTable('kordon_liar', t())).toBeUndefined();
      const r = await agent.verify();
      expect(r.state).toBe('repaired');
      expect(r.differences).toEqual([{ kind: 'table-missing' }]);
      expect(await digestOfKernel('kordon_liar')).toBe(viewDigest(expectedView(agent.ruleset!)));
      await agent.uninstall();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
