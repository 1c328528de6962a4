// Two pods given one address in different classes (a broken cluster, or an address reused before the old pod is
// gone). A verdict map holds each key once: listing the address twice makes nft refuse the whole table ("File
// exists"), and deleting its key twice makes it refuse the delta ("No such file or directory"). The compiler gives the
// address to the first pod by namespace and name and says so; real nft in a network namespace takes every step.
import type { Cluster } from '@kordon/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../agent/agent.js';
import { clusterOf } from '../conformance/upstream.js';
import { Lab } from '../lab/lab.js';
import { requirePrivileges } from '../test-support.js';
import { listTable } from './apply.js';
import { compileRuleset } from './compile.js';
import { diffRulesets } from './diff.js';

requirePrivileges();

type Obj = Record<string, unknown>;

const pod = (name: string, ip: string, role: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'app', name, labels: { role } },
  spec: { containers: [{ name: 'c', image: 'x' }] },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
});
const isolate = (role: string, from: string): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { namespace: 'app', name: `only-${from}-to-${role}` },
  spec: { podSelector: { matchLabels: { role } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: from } } }] }] },
});
const admin: Obj = {
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name: 'guard' },
  spec: { tier: 'Admin', priority: 1, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { role: 'web' } } } }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { team: 'x' } } }] }] },
};
const base = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } }, isolate('web', 'api'), isolate('api', 'db'), admin, pod('z-other', '10.1.0.2', 'db')];

function cluster(...pods: Obj[]): Cluster {
  return clusterOf([...base, ...pods]).cluster;
}

/** Keys of a map's elements, as the compiler writes them. */
const keys = (elements: readonly string[]): string[] => elements.map((e) => e.slice(0, e.indexOf(' : ')));

describe('two pods with one address', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ hosts: [] });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('one key per verdict map, the address enforced for the first pod, with a warning', () => {
    const rs = compileRuleset(cluster(pod('a', '10.1.0.9', 'web'), pod('b', '10.1.0.9', 'api')));
    const maps = rs.sets.filter((s) => s.kind === 'map');
    for (const m of maps) expect(new Set(keys(m.elements)).size, m.name).toBe(m.elements.length);
    const ingress = maps.find((m) => m.name === 'ingress4')!;
    const webChain = rs.chains.find((c) => c.comment === 'ingress: app/only-api-to-web')!.name;
    expect(ingress.elements).toContain(`10.1.0.9 : jump ${webChain}`);
    expect(rs.warnings).toContain('pods app/a and app/b share the address 10.1.0.9: it is enforced for app/a only');
  });

  it('real nft takes the full table and each delta, and holds what the compiler wrote', async () => {
    const agent = await Agent.create({ netns: lab.nodeNetns });
    const steps = [
      cluster(pod('a', '10.1.0.9', 'web'), pod('b', '10.1.0.9', 'api')),
      // Both pods change class: the old key goes once, the new verdict comes once.
      cluster(pod('a', '10.1.0.9', 'api'), pod('b', '10.1.0.9', 'web')),
      cluster(pod('b', '10.1.0.9', 'web')),
      // One class: the address goes to the same chain whichever pod holds it, so the kernel's table stays.
      cluster(pod('a', '10.1.0.9', 'web'), pod('b', '10.1.0.9', 'web')),
      cluster(pod('a', '10.1.0.8', 'web'), pod('b', '10.1.0.9', 'api')),
    ];
    const modes: string[] = [];
    let last = undefined as ReturnType<typeof compileRuleset> | undefined;
    for (const c of steps) {
      const r = await agent.sync(c);
      modes.push(r.mode);
      const deletes = r.script.split('\n').filter((l) => l.startsWith('delete element'));
      for (const l of deletes) {
        const ks = l.slice(l.indexOf('{ ') + 2, l.lastIndexOf(' }')).split(', ');
        expect(new Set(ks).size, l).toBe(ks.length);
      }
      const table = await listTable('kordon', { netns: lab.nodeNetns });
      for (const name of ['ingress4', 'in_admin4']) {
        type NftMap = { name: string; elem?: Array<[unknown, { jump: { target: string } }]> };
        const set = table!.nftables.map((x) => x['map'] as NftMap | undefined).find((m) => m?.name === name);
        const held = (set?.elem ?? []).map(([k, v]) => `${String(k)} : jump ${v.jump.target}`).sort();
        expect(held, name).toEqual([...r.ruleset.sets.find((s) => s.name === name)!.elements].sort());
      }
      if (last) expect(diffRulesets(last, r.ruleset).script).toBe(r.script);
      last = r.ruleset;
    }
    expect(modes).toEqual(['full', 'incremental', 'incremental', 'unchanged', 'incremental']);
  });
});
