import { describe, expect, it } from 'vitest';
import { clusterOf } from '../conformance/upstream.js';
import { CompileCache, compileRuleset } from './compile.js';
import { diffRulesets } from './diff.js';
import { renderRuleset, type Ruleset } from './ruleset.js';
import { INLINE_PORT_ATOMS } from './tiers.js';

type Obj = Record<string, unknown>;

const ns = (name: string, labels: Record<string, string> = {}): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (namespace: string, name: string, ip: string, labels: Record<string, string>, ports: Obj[] = [], node = 'n1'): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'i', ports }] },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: '192.168.9.1' },
});
const cnp = (name: string, tier: 'Admin' | 'Baseline', priority: number, subject: Obj, rules: { ingress?: Obj[]; egress?: Obj[] }): Obj => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name },
  spec: { tier, priority, subject, ...rules },
});
const node = (name: string, role: string, address: string): Obj => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { role } }, status: { addresses: [{ type: 'InternalIP', address }] } });

const BASE: Obj[] = [
  ns('web', { team: 'web' }),
  ns('db', { team: 'db' }),
  pod('web', 'w1', '10.1.0.1', { app: 'web' }),
  pod('web', 'w2', '10.1.0.2', { app: 'web' }),
  pod('db', 'd1', '10.2.0.1', { app: 'db' }, [{ name: 'pg', containerPort: 5432, protocol: 'TCP' }]),
  pod('db', 'd2', '10.2.0.2', { app: 'db' }, [{ name: 'pg', containerPort: 5433, protocol: 'TCP' }], 'n2'),
  node('n1', 'worker', '192.168.9.1'),
  node('n2', 'infra', '192.168.9.2'),
];

const compile = (objs: Obj[], node = 'n1'): Ruleset => {
  const { cluster, diagnostics } = clusterOf(objs);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return compileRuleset(cluster, { node });
};
const chain = (rs: Ruleset, name: string) => rs.chains.find((c) => c.name === name);
const chainsStarting = (rs: Ruleset, prefix: string) => rs.chains.filter((c) => c.name.startsWith(prefix));
const elementsOf = (rs: Ruleset, name: string): readonly string[] => rs.sets.find((s) => s.name === name)?.elements ?? [];
/** The set a rule text tests (`@t_…`). */
const setOf = (text: string): string => /@(\S+)/.exec(text)![1]!;
/** Every element of the sets the nft rules of one policy rule test (adjacent pods merge into ranges). */
const ruleElements = (rs: Ruleset, chainName: string, ref: string): string[] =>
  chain(rs, chainName)!.rules.filter((r) => r.text.includes(`comment "${ref}`)).flatMap((r) => elementsOf(rs, setOf(r.text)));
/**
 * The nft rules of one policy rule, each as its match with the set it tests written out as that set's elements:
 * `tcp dport 5432 ip daddr {10.2.0.1, 10.2.0.2}` (the verdict and comment left out).
 */
const ruleMatches = (rs: Ruleset, chainName: string, ref: string): string[] =>
  chain(rs, chainName)!
    .rules.filter((r) => r.text.includes(`comment "${ref}`))
    .map((r) => r.text.replace(/ (return|goto ingress|jump deny_\w+|accept) comment .*/, '').replace(/@(\S+)/, (_, name: string) => `{${elementsOf(rs, name).join(', ')}}`));
const actionOf = (text: string) => / (return|goto ingress|jump deny_egress|accept) comment "([^"]+)"/.exec(text)!.slice(1, 3).join(' ');

describe('tier chains', () => {
  it('keeps the NetworkPolicy-only layout when there is no cluster policy', () => {
    const rs = compile(BASE);
    expect(chain(rs, 'forward')!.rules).toHaveLength(9);
    expect(chain(rs, 'ingress')).toBeUndefined();
    expect(rs.sets.some((s) => s.name.startsWith('eg_admin'))).toBe(false);
  });

  it('per direction: self and node first, then Admin, NetworkPolicy, Baseline; ingress ends in accept', () => {
    const rs = compile([...BASE, cnp('a', 'Admin', 1, { namespaces: {} }, { egress: [{ action: 'Pass', to: [{ namespaces: {} }] }] })]);
    const fwd = chain(rs, 'forward')!.rules.map((r) => r.text.replace(/ comment .*/, ''));
    expect(fwd).toEqual([
      'ct state established,related accept',
      'ip saddr @node4 accept',
      'ip daddr @node4 accept',
      'ip6 saddr @node6 accept',
      'ip6 daddr @node6 accept',
      'ip saddr vmap @eg_admin4',
      'ip6 saddr vmap @eg_admin6',
      'ip saddr vmap @egress4',
      'ip6 saddr vmap @egress6',
      'ip saddr vmap @eg_base4',
      'ip6 saddr vmap @eg_base6',
      'goto ingress',
    ]);
    expect(chain(rs, 'ingress')!.rules.map((r) => r.text.replace(/ comment .*/, ''))).toEqual([
      'ip daddr vmap @in_admin4',
      'ip6 daddr vmap @in_admin6',
      'ip daddr vmap @ingress4',
      'ip6 daddr vmap @ingress6',
      'ip daddr vmap @in_base4',
      'ip6 daddr vmap @in_base6',
      'accept',
    ]);
  });

  it('orders Admin policies by priority, ties by name, rules in order; each action its verdict', () => {
    const rs = compile([
      ...BASE,
      cnp('zz-late', 'Admin', 20, { namespaces: { matchLabels: { team: 'web' } } }, { egress: [{ action: 'Deny', to: [{ namespaces: {} }] }] }),
      cnp('b-tie', 'Admin', 10, { namespaces: { matchLabels: { team: 'web' } } }, { egress: [{ action: 'Accept', to: [{ pods: { namespaceSelector: { matchLabels: { team: 'db' } }, podSelector: {} } }] }] }),
      cnp('a-tie', 'Admin', 10, { namespaces: { matchLabels: { team: 'web' } } }, { egress: [{ action: 'Pass', to: [{ namespaces: { matchLabels: { team: 'db' } } }], protocols: [{ tcp: { destinationPort: { number: 5432 } } }] }] }),
    ]);
    const [ea, ...more] = chainsStarting(rs, 'ea_');
    expect(more).toEqual([]);
    // a-tie (Pass) before b-tie (Accept), both before zz-late (Deny); a rule with one port tests it in the rule
    // itself, over a hash set of the peer's addresses.
    expect(ea!.rules.map((r) => actionOf(r.text))).toEqual(['return cnp/a-tie egress[0]: Pass', 'goto ingress cnp/b-tie egress[0]: Accept', 'jump deny_egress cnp/zz-late egress[0]: Deny']);
    expect(ea!.rules[0]!.text).toMatch(/^tcp dport 5432 ip daddr @t_\w+_a4 return comment "cnp\/a-tie egress\[0\]: Pass"$/);
    expect(ruleMatches(rs, ea!.name, 'cnp/a-tie')).toEqual(['tcp dport 5432 ip daddr {10.2.0.1, 10.2.0.2}']);
    expect(ruleElements(rs, ea!.name, 'cnp/a-tie')).toEqual(['10.2.0.1', '10.2.0.2']);
    expect(ruleElements(rs, ea!.name, 'cnp/b-tie')).toEqual(['10.2.0.1', '10.2.0.2']);
    expect(ruleMatches(rs, ea!.name, 'cnp/b-tie')).toEqual(['ip daddr {10.2.0.1, 10.2.0.2}']);
    // Both web pods of node n1 share the chain; the db pods are not its subjects.
    expect(elementsOf(rs, 'eg_admin4')).toEqual([`10.1.0.1 : jump ${ea!.name}`, `10.1.0.2 : jump ${ea!.name}`]);
  });

  it('sends to Baseline only the pods no NetworkPolicy isolates in that direction', () => {
    const rs = compile([
      ...BASE,
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'w1-in', namespace: 'web' }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] } },
      cnp('default', 'Baseline', 1, { namespaces: {} }, { ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }], egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] }),
    ]);
    // Ingress: the web pods are isolated by w1-in, so only d1 (the local db pod) reaches Baseline.
    expect(elementsOf(rs, 'in_base4').map((e) => e.split(' ')[0])).toEqual(['10.2.0.1']);
    // Egress: nobody is isolated for egress, so every local pod does.
    expect(elementsOf(rs, 'eg_base4').map((e) => e.split(' ')[0])).toEqual(['10.1.0.1', '10.1.0.2', '10.2.0.1']);
    const eb = chainsStarting(rs, 'eb_')[0]!;
    expect(eb.rules[0]!.text).toMatch(/^ip daddr @t_\w+_n4 jump deny_egress/);
    expect(elementsOf(rs, setOf(eb.rules[0]!.text))).toEqual(['0.0.0.0/0']);
    const ib = chainsStarting(rs, 'ib_')[0]!;
    expect(ib.rules[0]!.text).toMatch(/^ip saddr @t_\w+_a4 jump deny_ingress/);
  });

  it('nodes peers match Node status.addresses; ranges and named ports resolve on the destination', () => {
    const rs = compile([
      ...BASE,
      cnp('infra', 'Admin', 1, { namespaces: { matchLabels: { team: 'web' } } }, {
        egress: [
          { action: 'Accept', to: [{ nodes: { matchLabels: { role: 'infra' } } }], protocols: [{ tcp: { destinationPort: { range: { start: 6000, end: 6010 } } } }, { udp: { destinationPort: { number: 53 } } }] },
          { action: 'Accept', to: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } }], protocols: [{ destinationNamedPort: 'pg' }] },
        ],
      }),
      cnp('db-in', 'Admin', 2, { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } }, { ingress: [{ action: 'Accept', from: [{ namespaces: {} }], protocols: [{ destinationNamedPort: 'pg' }] }] }),
    ]);
    const ea = chainsStarting(rs, 'ea_')[0]!;
    // The infra node's address (not n1's) on the range and the single port: one nft rule for each.
    expect(ruleMatches(rs, ea.name, 'cnp/infra egress[0]')).toEqual(['tcp dport 6000-6010 ip daddr {192.168.9.2}', 'udp dport 53 ip daddr {192.168.9.2}']);
    // Egress named port: each db pod's own `pg` port, on the remote pod.
    expect(ruleElements(rs, ea.name, 'cnp/infra egress[1]')).toEqual(['10.2.0.1 . tcp . 5432', '10.2.0.2 . tcp . 5433']);
    expect(ruleMatches(rs, ea.name, 'cnp/infra egress[1]')).toEqual(['ip daddr . meta l4proto . th dport {10.2.0.1 . tcp . 5432, 10.2.0.2 . tcp . 5433}', 'ip daddr . meta l4proto . th dport {}']);
    // Ingress: the named port resolves on the local pod d1 (5432), for every source pod; d2 runs on n2.
    const ia = chainsStarting(rs, 'ia_');
    expect(ia).toHaveLength(1);
    expect(elementsOf(rs, 'in_admin4')).toEqual([`10.2.0.1 : jump ${ia[0]!.name}`]);
    expect(ruleMatches(rs, ia[0]!.name, 'cnp/db-in')).toEqual(['tcp dport 5432 ip saddr {10.1.0.1, 10.1.0.2, 10.2.0.1, 10.2.0.2}']);
  });

  it('tests up to INLINE_PORT_ATOMS joined port atoms in the rules, more in peer · port point sets', () => {
    const tcp = (number: number): Obj => ({ tcp: { destinationPort: { number } } });
    const admin = (protocols: Obj[]): Obj =>
      cnp('ports', 'Admin', 1, { namespaces: { matchLabels: { team: 'web' } } }, { egress: [{ action: 'Deny', to: [{ namespaces: { matchLabels: { team: 'db' } } }], protocols }] });
    const at = (protocols: Obj[]): string[] => {
      const rs = compile([...BASE, admin(protocols)]);
      return ruleMatches(rs, chainsStarting(rs, 'ea_')[0]!.name, 'cnp/ports');
    };
    expect(INLINE_PORT_ATOMS).toBe(8);
    // Touching and overlapping ports of one protocol join into one atom.
    const range = (start: number, end: number): Obj => ({ destinationPort: { range: { start, end } } });
    expect(at([tcp(80), tcp(81), { tcp: range(81, 90) }, { udp: range(1, 65535) }, { sctp: { destinationPort: { number: 9 } } }])).toEqual([
      'tcp dport 80-90 ip daddr {10.2.0.1, 10.2.0.2}',
      'udp dport 1-65535 ip daddr {10.2.0.1, 10.2.0.2}',
      'sctp dport 9 ip daddr {10.2.0.1, 10.2.0.2}',
    ]);
    const eight = [1, 3, 5, 7, 9, 11, 13, 15];
    expect(at(eight.map(tcp))).toEqual(eight.map((p) => `tcp dport ${p} ip daddr {10.2.0.1, 10.2.0.2}`));
    // One atom more: the peer · protocol · port layout (the two neighbouring db addresses join into a range).
    expect(at([...eight, 17].map(tcp))).toEqual([
      'ip daddr . meta l4proto . th dport {}',
      `ip daddr . meta l4proto . th dport {${[...eight, 17].map((p) => `10.2.0.1-10.2.0.2 . tcp . ${p}`).join(', ')}}`,
    ]);
  });

  it('rules naming the same peers share one address set; a port edit rewrites one chain and no element', () => {
    const dbPeer = { namespaces: { matchLabels: { team: 'db' } } };
    const rules = (port: number): Obj =>
      cnp('share', 'Admin', 1, { namespaces: { matchLabels: { team: 'web' } } }, {
        egress: [
          { action: 'Deny', to: [dbPeer], protocols: [{ tcp: { destinationPort: { number: port } } }] },
          { action: 'Pass', to: [dbPeer] },
        ],
      });
    const other = cnp('other', 'Admin', 2, { namespaces: {} }, { egress: [{ action: 'Accept', to: [dbPeer], protocols: [{ udp: { destinationPort: { number: 53 } } }] }] });
    const cache = new CompileCache();
    const before = compileRuleset(clusterOf([...BASE, rules(5432), other]).cluster, { node: 'n1' }, cache);
    const peerSets = before.sets.filter((s) => s.name.startsWith('t_'));
    expect(peerSets.map((s) => s.elements)).toEqual([['10.2.0.1', '10.2.0.2']]);
    const shared = peerSets[0]!.name;
    const ea = chainsStarting(before, 'ea_');
    // web pods are selected by both policies, db pods by `other` alone: two chains, every rule on the one set.
    expect(ea).toHaveLength(2);
    for (const c of ea) for (const r of c.rules) expect(setOf(r.text)).toBe(shared);
    const after = compileRuleset(clusterOf([...BASE, rules(6543), other]).cluster, { node: 'n1' }, cache);
    expect(renderRuleset(after)).toBe(renderRuleset(compileRuleset(clusterOf([...BASE, rules(6543), other]).cluster, { node: 'n1' })));
    const d = diffRulesets(before, after);
    const webChain = ea.find((c) => c.comment.includes('cnp/share'))!.name;
    expect({ chains: d.chains, sets: d.sets, added: d.addedElements, deleted: d.deletedElements }).toEqual({ chains: [webChain], sets: [], added: 0, deleted: 0 });
    expect(d.script).toContain(`add rule inet kordon ${webChain} tcp dport 6543 ip daddr @${shared} jump deny_egress`);
    expect(d.script.length).toBeLessThan(1000);
  });

  it('a domainNames peer matches nothing and says so', () => {
    const rs = compile([...BASE, cnp('dns', 'Admin', 1, { namespaces: {} }, { egress: [{ action: 'Accept', to: [{ domainNames: ['example.com'] }] }] })]);
    expect(rs.warnings).toEqual(['cnp/dns egress[0] to[0]: domainNames cannot be enforced from manifests; this peer matches nothing']);
    const ea = chainsStarting(rs, 'ea_')[0]!;
    expect(ea.rules.map((r) => r.text)).toEqual([expect.stringMatching(/^counter comment "cnp\/dns egress\[0\]: no peer address now"/)]);
    expect(renderRuleset(rs)).toMatch(/# warning: cnp\/dns egress\[0\] to\[0\]: domainNames/);
  });

  it('v1alpha1 kinds: AdminNetworkPolicy shares the Admin order, the BaselineAdminNetworkPolicy comes after Baseline CNPs', () => {
    const rs = compile([
      ...BASE,
      { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'old' }, spec: { priority: 5, subject: { namespaces: {} }, egress: [{ action: 'Allow', to: [{ namespaces: {} }] }] } },
      cnp('new', 'Admin', 3, { namespaces: {} }, { egress: [{ action: 'Deny', to: [{ namespaces: {} }] }] }),
      { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec: { subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ namespaces: {} }] }] } },
      cnp('base', 'Baseline', 900, { namespaces: {} }, { egress: [{ action: 'Accept', to: [{ namespaces: {} }] }] }),
    ]);
    expect(chainsStarting(rs, 'ea_')[0]!.rules.map((r) => /comment "([^:]+)/.exec(r.text)![1])).toEqual(['cnp/new egress[0]', 'anp/old egress[0]']);
    expect(chainsStarting(rs, 'eb_')[0]!.rules.map((r) => /comment "([^:]+)/.exec(r.text)![1])).toEqual(['cnp/base egress[0]', 'banp/default egress[0]']);
  });

  it('compiles the same with a cache carried across cluster-policy, pod and node changes as from scratch', () => {
    const admin = cnp('a', 'Admin', 1, { namespaces: { matchLabels: { team: 'web' } } }, {
      egress: [
        { action: 'Pass', to: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } }], protocols: [{ destinationNamedPort: 'pg' }] },
        { action: 'Deny', to: [{ nodes: { matchLabels: { role: 'infra' } } }] },
      ],
      ingress: [{ action: 'Accept', from: [{ namespaces: { matchLabels: { team: 'db' } } }] }],
    });
    const base = cnp('b', 'Baseline', 1, { namespaces: {} }, { ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] });
    const withPriority = (o: Obj, priority: number): Obj => ({ ...o, spec: { ...(o['spec'] as Obj), priority } });
    const steps: Obj[][] = [
      [...BASE, admin, base],
      // a rule's action changes
      [...BASE, { ...admin, spec: { ...(admin['spec'] as Obj), ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { team: 'db' } } }] }] } }, base],
      // a pod arrives that the peers select
      [...BASE, pod('db', 'd3', '10.2.0.3', { app: 'db' }, [{ name: 'pg', containerPort: 6543, protocol: 'TCP' }]), admin, base],
      // a node changes role
      [...BASE.map((o) => (o['kind'] === 'Node' && (o['metadata'] as Obj)['name'] === 'n1' ? node('n1', 'infra', '192.168.9.1') : o)), admin, base],
      // priorities change, a policy goes
      [...BASE, withPriority(admin, 50)],
      [...BASE, admin, base],
    ];
    const cache = new CompileCache();
    for (const [i, objs] of steps.entries()) {
      const c = clusterOf(objs).cluster;
      expect(renderRuleset(compileRuleset(c, { node: 'n1' }, cache)), `step ${i}`).toBe(renderRuleset(compileRuleset(c, { node: 'n1' })));
    }
  });
});
