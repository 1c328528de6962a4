import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { generate, parseGenerateArgs, toJsonList, toYamlFiles } from './generate.js';
import type { K8sObject, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Pod } from './k8s.js';
import { PRESET_NAMES, PRESETS, type PresetName, type SizeParams } from './presets.js';
import { checkObjects } from './sanity.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Small parameters per preset, so every test stays fast. */
const SMALL: Record<PresetName, SizeParams> = {
  realistic: { pods: 600, policies: 150, namespaces: 8 },
  'realistic-diverse': { pods: 600, policies: 150, namespaces: 8 },
  kano: { pods: 300, policies: 150 },
  'antrea-small-ns': { pods: 400 },
  'antrea-large-ns': { namespaces: 2 },
  'antrea-one-ns': { pods: 200 },
  'antrea-netpol-per-pod': { pods: 200 },
  'antrea-cluster-scoped': { namespaces: 5 },
  'cilium-1000': { pods: 500, policies: 12 },
  cyclonus: { policies: 30 },
};

const policiesOf = (objs: K8sObject[]) => objs.filter((o): o is NetworkPolicy => o.kind === 'NetworkPolicy');
const podsOf = (objs: K8sObject[]) => objs.filter((o): o is Pod => o.kind === 'Pod');
const peersOf = (np: NetworkPolicy): NetworkPolicyPeer[] => [...(np.spec.ingress ?? []).flatMap((r) => r.from ?? []), ...(np.spec.egress ?? []).flatMap((r) => r.to ?? [])];
const portsOf = (np: NetworkPolicy): NetworkPolicyPort[] => [...(np.spec.ingress ?? []), ...(np.spec.egress ?? [])].flatMap((r) => r.ports ?? []);

describe('determinism', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(PRESET_NAMES)('%s: same seed gives the same bytes, another seed other bytes', (preset) => {
    const a = toJsonList(generate({ preset, ...SMALL[preset], seed: 11 }).objects);
    const b = toJsonList(generate({ preset, ...SMALL[preset], seed: 11 }).objects);
    const c = toJsonList(generate({ preset, ...SMALL[preset], seed: 12 }).objects);
    expect(sha(b)).toBe(sha(a));
    expect(sha(c)).not.toBe(sha(a));
  });

  it('uses neither Math.random nor the clock, so output cannot vary between runs', () => {
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random used');
    });
    vi.spyOn(Date, 'now').mockImplementation(() => {
      throw new Error('Date.now used');
    });
    for (const preset of PRESET_NAMES) expect(generate({ preset, ...SMALL[preset], workloads: true }).objects.length).toBeGreaterThan(0);
  });

  it('writes the same YAML files for the same seed', () => {
    const files = (seed: number) => toYamlFiles(generate({ preset: 'realistic', pods: 200, seed, workloads: true }).objects);
    expect(files(3)).toEqual(files(3));
    expect(files(3)).not.toEqual(files(4));
  });

  it('does not let UIDs shift the shape: with and without workloads the pods and policies are the same', () => {
    const strip = (objs: K8sObject[]) => objs.filter((o) => o.kind === 'Pod' || o.kind === 'NetworkPolicy').map((o) => ({ ...o, metadata: { ...o.metadata, uid: '' } }));
    const a = generate({ preset: 'realistic', pods: 300, seed: 5 }).objects;
    const b = generate({ preset: 'realistic', pods: 300, seed: 5, workloads: true }).objects;
    // Pod ownerReferences carry UIDs; compare everything else.
    const noOwnerUid = (objs: K8sObject[]) => JSON.stringify(strip(objs)).replace(/"uid":"[0-9a-f-]+"/g, '');
    expect(noOwnerUid(b)).toBe(noOwnerUid(a));
  });
});

describe('preset sizes', () => {
  it.each(PRESET_NAMES)('%s: counts are exactly what resolve() promised', (preset) => {
    const sizes = PRESETS[preset].resolve(SMALL[preset]);
    const g = generate({ preset, ...SMALL[preset] });
    expect({ pods: g.counts.pods, policies: g.counts.policies, namespaces: g.counts.namespaces }).toEqual(sizes);
    expect(g.objects.filter((o) => o.kind === 'Pod')).toHaveLength(sizes.pods);
    expect(g.objects.filter((o) => o.kind === 'NetworkPolicy')).toHaveLength(sizes.policies);
    expect(g.objects.filter((o) => o.kind === 'Namespace')).toHaveLength(sizes.namespaces);
  });

  it('antrea-small-ns scales in units of 1 namespace / 4 pods / 3 policies', () => {
    expect(PRESETS['antrea-small-ns'].resolve({ pods: 400 })).toEqual({ namespaces: 100, pods: 400, policies: 300 });
    expect(PRESETS['antrea-small-ns'].resolve({ namespaces: 100 })).toEqual({ namespaces: 100, pods: 400, policies: 300 });
    expect(PRESETS['antrea-small-ns'].resolve({})).toEqual({ namespaces: 25_000, pods: 100_000, policies: 75_000 });
    expect(() => PRESETS['antrea-small-ns'].resolve({ pods: 401 })).toThrow(/multiple of 4/);
    expect(() => PRESETS['antrea-small-ns'].resolve({ pods: 400, policies: 3 })).toThrow(/disagrees/);
  });

  it('antrea-small-ns at full size: 25,000 namespaces, 100,000 pods, 75,000 policies', () => {
    const g = generate({ preset: 'antrea-small-ns' });
    expect([g.counts.namespaces, g.counts.pods, g.counts.policies]).toEqual([25_000, 100_000, 75_000]);
    expect(new Set(podsOf(g.objects).map((p) => p.status.podIP)).size).toBe(100_000);
  }, 20_000);

  it('documented defaults of the structural presets', () => {
    expect(PRESETS['antrea-large-ns'].resolve({})).toEqual({ namespaces: 100, pods: 100_000, policies: 10_100 });
    expect(PRESETS['antrea-one-ns'].resolve({})).toEqual({ namespaces: 1, pods: 10_000, policies: 10_000 });
    expect(PRESETS['antrea-netpol-per-pod'].resolve({})).toEqual({ namespaces: 1, pods: 10_000, policies: 10_000 });
    expect(PRESETS['antrea-cluster-scoped'].resolve({})).toEqual({ namespaces: 1000, pods: 100_000, policies: 10_000 });
    expect(PRESETS['cilium-1000'].resolve({})).toEqual({ namespaces: 5, pods: 50_000, policies: 1500 });
    expect(PRESETS.cyclonus.resolve({})).toEqual({ namespaces: 3, pods: 9, policies: 10 });
    expect(PRESETS.kano.resolve({ pods: 10_000 })).toEqual({ namespaces: 1, pods: 10_000, policies: 5000 });
    expect(PRESETS.realistic.resolve({ pods: 10_000, policies: 2000 })).toEqual({ namespaces: 100, pods: 10_000, policies: 2000 });
  });

  it('rejects sizes a preset cannot make', () => {
    expect(() => generate({ preset: 'cilium-1000', pods: 1100 })).toThrow(/multiple of 250/);
    expect(() => generate({ preset: 'cyclonus', pods: 10 })).toThrow(/9 pods/);
    expect(() => generate({ preset: 'kano', namespaces: 2 })).toThrow(/1 namespace/);
    expect(() => generate({ preset: 'realistic', pods: 5, namespaces: 10 })).toThrow(/namespaces \+ 1/);
  });
});

describe('every generated object is valid Kubernetes', () => {
  it.each(PRESET_NAMES)('%s passes the structural check', (preset) => {
    expect(checkObjects(generate({ preset, ...SMALL[preset], workloads: true }).objects)).toEqual([]);
  });

  it('the check itself catches broken objects', () => {
    const g = generate({ preset: 'cyclonus', policies: 1 });
    const np = policiesOf(g.objects)[0]!;
    const broken: NetworkPolicy = {
      ...np,
      metadata: { ...np.metadata, name: 'Bad_Name', uid: 'not-a-uid' },
      spec: {
        podSelector: { matchLabels: { 'bad key!': 'x' }, matchExpressions: [{ key: 'a', operator: 'Exists', values: ['v'] }] },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ ipBlock: { cidr: '10.1.2.3/16', except: ['192.168.0.0/24'] } }, {}], ports: [{ port: 'http', endPort: 90 }, { port: 90, endPort: 80 }] }],
      },
    };
    const problems = checkObjects([...g.objects, broken]);
    for (const needle of ['DNS-1123', 'not a UUID', 'qualified name', 'takes no values', 'not canonical', 'empty peer', 'endPort with a named port', 'endPort 80']) {
      expect(problems.some((p) => p.includes(needle)), needle).toBe(true);
    }
  });
});

describe('realistic shape mix', () => {
  const g = generate({ preset: 'realistic', pods: 3000, policies: 900, namespaces: 30, seed: 1 });
  const nps = policiesOf(g.objects);
  const pods = podsOf(g.objects);

  it('has kube-system with kube-dns pods and allow-DNS policies reaching them on UDP and TCP 53', () => {
    const dnsPods = pods.filter((p) => p.metadata.namespace === 'kube-system' && p.metadata.labels?.['k8s-app'] === 'kube-dns');
    expect(dnsPods.length).toBe(2);
    const allowDns = nps.filter((np) => np.metadata.name === 'allow-dns');
    expect(allowDns.length).toBeGreaterThan(0);
    for (const np of allowDns) {
      const rule = np.spec.egress![0]!;
      expect(rule.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
      expect(rule.ports).toEqual([
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ]);
      // Allow-DNS only makes sense where egress is denied by default.
      const denies = nps.filter((o) => o.metadata.namespace === np.metadata.namespace && (o.metadata.name === 'default-deny-egress' || o.metadata.name === 'default-deny-all'));
      expect(denies).toHaveLength(1);
    }
  });

  it('puts a default-deny ingress in about 70 % of the application namespaces', () => {
    const n = nps.filter((np) => np.metadata.name === 'default-deny-ingress').length;
    expect(n).toBeGreaterThanOrEqual(12);
    expect(n).toBeLessThanOrEqual(28);
  });

  it('uses every peer form, ipBlock except, endPort, named ports, every operator and protocol', () => {
    const peers = nps.flatMap(peersOf);
    const ports = nps.flatMap(portsOf);
    expect(peers.some((p) => p.podSelector && p.namespaceSelector)).toBe(true);
    expect(peers.some((p) => p.podSelector && !p.namespaceSelector)).toBe(true);
    expect(peers.some((p) => p.namespaceSelector && !p.podSelector)).toBe(true);
    expect(peers.some((p) => (p.ipBlock?.except?.length ?? 0) > 0)).toBe(true);
    expect(ports.some((p) => p.endPort !== undefined)).toBe(true);
    expect(ports.some((p) => typeof p.port === 'string')).toBe(true);
    expect(new Set(ports.map((p) => p.protocol ?? 'TCP'))).toEqual(new Set(['TCP', 'UDP', 'SCTP']));
    const ops = new Set(nps.flatMap((np) => [np.spec.podSelector, ...peersOf(np).flatMap((p) => [p.podSelector, p.namespaceSelector])]).flatMap((s) => s?.matchExpressions ?? []).map((e) => e.operator));
    expect(ops).toEqual(new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']));
    expect(nps.some((np) => np.spec.policyTypes === undefined)).toBe(true);
  });

  it('gives the same port name different numbers in some workloads', () => {
    const numbers = new Map<string, Set<number>>();
    for (const p of pods) for (const c of p.spec.containers) for (const cp of c.ports ?? []) if (cp.name) numbers.set(cp.name, (numbers.get(cp.name) ?? new Set()).add(cp.containerPort));
    expect(numbers.get('http')!.size).toBeGreaterThan(1);
    expect(numbers.get('grpc')!.size).toBeGreaterThan(1);
  });

  it('groups pods into ReplicaSets of about 4 replicas sharing labels and pod-template-hash', () => {
    const owners = new Map<string, Pod[]>();
    for (const p of pods) {
      const ref = p.metadata.ownerReferences?.[0];
      expect(ref?.kind).toBe('ReplicaSet');
      const k = `${p.metadata.namespace}/${ref!.name}`;
      owners.set(k, [...(owners.get(k) ?? []), p]);
    }
    const mean = pods.length / owners.size;
    expect(mean).toBeGreaterThan(3);
    expect(mean).toBeLessThan(5);
    for (const [k, group] of owners) {
      expect(new Set(group.map((p) => JSON.stringify(p.metadata.labels))).size).toBe(1);
      expect(k.endsWith(`-${group[0]!.metadata.labels!['pod-template-hash']}`)).toBe(true);
    }
  });

  it('labels namespaces with team and env, and gives each pod a unique IP on a node /24', () => {
    const nss = g.objects.filter((o) => o.kind === 'Namespace' && o.metadata.name !== 'kube-system');
    for (const ns of nss) {
      expect(ns.metadata.labels?.['team']).toMatch(/^team\d+$/);
      expect(['prod', 'staging', 'dev']).toContain(ns.metadata.labels?.['env']);
    }
    for (const p of pods) {
      const node = Number(p.spec.nodeName!.slice('node-'.length));
      expect(p.status.podIP.startsWith(`10.${node >> 8}.${node & 255}.`)).toBe(true);
    }
  });
});

describe('realistic-diverse: the label and address diversity of real clusters', () => {
  const g = generate({ preset: 'realistic-diverse', pods: 3000, policies: 900, namespaces: 30, seed: 1, workloads: true });
  const nps = policiesOf(g.objects);
  const pods = podsOf(g.objects);
  const label = (p: Pod, k: string) => p.metadata.labels?.[k];

  it('gives StatefulSet pods their own pod-name and pod-index labels, as the controller does', () => {
    const sts = pods.filter((p) => p.metadata.ownerReferences?.[0]?.kind === 'StatefulSet');
    expect(sts.length / pods.length).toBeGreaterThan(0.15);
    expect(sts.length / pods.length).toBeLessThan(0.45);
    for (const p of sts) {
      const owner = p.metadata.ownerReferences![0]!.name;
      expect(label(p, 'statefulset.kubernetes.io/pod-name')).toBe(p.metadata.name);
      expect(p.metadata.name).toBe(`${owner}-${label(p, 'apps.kubernetes.io/pod-index')}`);
    }
    expect(new Set(sts.map((p) => `${p.metadata.namespace}/${label(p, 'statefulset.kubernetes.io/pod-name')}`)).size).toBe(sts.length);
    const owners = new Set(sts.map((p) => `${p.metadata.namespace}/${p.metadata.ownerReferences![0]!.name}`));
    expect(g.counts.statefulSets).toBe(owners.size);
  });

  it('catches some Deployments mid-rollout: two ReplicaSets with their own pod-template-hash', () => {
    const rsByDeployment = new Map<string, Set<string>>();
    for (const o of g.objects) {
      if (o.kind !== 'ReplicaSet') continue;
      const dep = `${o.metadata.namespace}/${o.metadata.ownerReferences![0]!.name}`;
      rsByDeployment.set(dep, (rsByDeployment.get(dep) ?? new Set()).add(o.metadata.labels!['pod-template-hash']!));
    }
    const rolling = [...rsByDeployment.values()].filter((hashes) => hashes.size === 2).length;
    expect(rolling / rsByDeployment.size).toBeGreaterThan(0.05);
    expect([...rsByDeployment.values()].every((h) => h.size <= 2)).toBe(true);
  });

  it('cuts ipBlocks through the pods\' own addresses: single pods, node /24s, /16s minus node /24s', () => {
    const blocks = nps.flatMap(peersOf).flatMap((p) => (p.ipBlock ? [p.ipBlock] : []));
    const ips = new Set(pods.map((p) => p.status.podIP));
    const singles = blocks.filter((b) => b.cidr.endsWith('/32'));
    expect(singles.length).toBeGreaterThan(5);
    for (const b of singles) expect(ips.has(b.cidr.slice(0, -3))).toBe(true);
    expect(blocks.some((b) => b.cidr.endsWith('/24'))).toBe(true);
    expect(blocks.some((b) => b.cidr.endsWith('/16') && (b.except?.length ?? 0) > 0)).toBe(true);
  });

  it('picks one StatefulSet pod by name in a few selectors', () => {
    const byName = nps.flatMap((np) => [np.spec.podSelector, ...peersOf(np).map((p) => p.podSelector)]).filter((s) => s?.matchLabels?.['statefulset.kubernetes.io/pod-name'] !== undefined);
    expect(byName.length).toBeGreaterThan(0);
  });
});

describe('peer-mirroring presets', () => {
  it('antrea-small-ns: each namespace holds 2+2 pods and default-deny-all, np-1, np-2 as in the Antrea test', () => {
    const objs = generate({ preset: 'antrea-small-ns', pods: 40 }).objects;
    const byNs = new Map<string, K8sObject[]>();
    for (const o of objs) if (o.kind !== 'Namespace') byNs.set(o.metadata.namespace!, [...(byNs.get(o.metadata.namespace!) ?? []), o]);
    expect(byNs.size).toBe(10);
    for (const list of byNs.values()) {
      expect(policiesOf(list).map((p) => p.metadata.name)).toEqual(['default-deny-all', 'np-1', 'np-2']);
      expect(podsOf(list).map((p) => p.metadata.labels)).toEqual([{ 'app-1': 'scale-1' }, { 'app-1': 'scale-1' }, { 'app-2': 'scale-2' }, { 'app-2': 'scale-2' }]);
      const np1 = policiesOf(list)[1]!;
      expect(np1.spec).toEqual({ podSelector: { matchLabels: { 'app-1': 'scale-1' } }, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { 'app-1': 'scale-1' } } }] }] });
    }
  });

  it('kano: one namespace; every policy selects a real pod by User plus at most 3 labels, one direction', () => {
    const objs = generate({ preset: 'kano', pods: 200, policies: 100 }).objects;
    const pods = podsOf(objs);
    const subsetOfSomePod = (sel: Record<string, string>) => pods.some((p) => Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v));
    for (const np of policiesOf(objs)) {
      const sel = np.spec.podSelector.matchLabels!;
      expect(Object.keys(sel)).toContain('User');
      expect(Object.keys(sel).length).toBeLessThanOrEqual(4);
      expect(subsetOfSomePod(sel)).toBe(true);
      expect(np.spec.policyTypes).toHaveLength(1);
      const peer = peersOf(np);
      expect(peer).toHaveLength(1);
      expect(subsetOfSomePod(peer[0]!.podSelector!.matchLabels!)).toBe(true);
    }
    expect(new Set(objs.map((o) => o.metadata.namespace ?? o.metadata.name))).toEqual(new Set(['default']));
  });

  it('antrea-cluster-scoped: 100 companies, peers ANDed with the own company', () => {
    const objs = generate({ preset: 'antrea-cluster-scoped', namespaces: 150 }).objects;
    const companies = new Set(objs.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.labels!['company']));
    expect(companies.size).toBe(100);
    const ns = new Map(objs.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, o.metadata.labels!['company']]));
    for (const np of policiesOf(objs)) expect(peersOf(np)[0]!.namespaceSelector).toEqual({ matchLabels: { company: ns.get(np.metadata.namespace!) } });
  });

  it('cilium-1000: 250 identities, group policies in the first namespace on disjoint ports', () => {
    const objs = generate({ preset: 'cilium-1000', pods: 2_500 }).objects;
    const ids = new Set(podsOf(objs).map((p) => `${p.metadata.namespace}/${p.metadata.labels!['app']}`));
    expect(ids.size).toBe(250);
    const cnp = policiesOf(objs).filter((p) => p.metadata.name.startsWith('cnp-'));
    expect(cnp).toHaveLength(250);
    expect(new Set(cnp.map((p) => p.metadata.namespace))).toEqual(new Set(['namespace-1']));
    expect(new Set(cnp.flatMap(portsOf).map((p) => p.port)).size).toBe(250);
  });

  it('cyclonus: x, y, z × a, b, c serving 80/81 on TCP, UDP and SCTP under serve-* names', () => {
    const objs = generate({ preset: 'cyclonus' }).objects;
    expect(podsOf(objs).map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['x/a', 'x/b', 'x/c', 'y/a', 'y/b', 'y/c', 'z/a', 'z/b', 'z/c']);
    const names = podsOf(objs)[0]!.spec.containers.flatMap((c) => c.ports ?? []).map((p) => p.name);
    expect(names).toEqual(['serve-80-tcp', 'serve-80-udp', 'serve-80-sctp', 'serve-81-tcp', 'serve-81-udp', 'serve-81-sctp']);
  });
});

describe('output formats', () => {
  const objs = generate({ preset: 'realistic', pods: 150, policies: 80, seed: 2, workloads: true }).objects;

  it('the JSON List parses back to the same objects', () => {
    const list = JSON.parse(toJsonList(objs)) as { kind: string; items: unknown[] };
    expect(list.kind).toBe('List');
    expect(list.items).toEqual(objs);
  });

  it('each YAML file parses (YAML 1.1 and 1.2) back to its object, in a folder per kind', () => {
    const files = toYamlFiles(objs);
    expect(files).toHaveLength(objs.length);
    expect(new Set(files.map((f) => f.path)).size).toBe(files.length);
    files.forEach((f, i) => {
      expect(f.path.startsWith(`${{ Namespace: 'namespaces', Pod: 'pods', Service: 'services', NetworkPolicy: 'networkpolicies', Deployment: 'deployments', ReplicaSet: 'replicasets', StatefulSet: 'statefulsets', ClusterNetworkPolicy: 'clusternetworkpolicies' }[objs[i]!.kind]}/`)).toBe(true);
      expect(parse(f.text)).toEqual(objs[i]);
      expect(parse(f.text, { version: '1.1' })).toEqual(objs[i]);
    });
  });
});

describe('generate CLI arguments', () => {
  it('reads the documented flags', () => {
    expect(parseGenerateArgs(['--preset', 'realistic', '--pods', '10000', '--policies', '2000', '--seed', '1', '--format', 'yaml-dir', '--out', 'x'])).toEqual({
      options: { preset: 'realistic', pods: 10000, policies: 2000, seed: 1 },
      format: 'yaml-dir',
      out: 'x',
    });
    expect(parseGenerateArgs(['--preset=kano', '--out=f.json', '--workloads']).options).toEqual({ preset: 'kano', workloads: true });
  });

  it('refuses unknown presets, formats and flags', () => {
    expect(() => parseGenerateArgs(['--preset', 'nope', '--out', 'x'])).toThrow(/unknown preset/);
    expect(() => parseGenerateArgs(['--preset', 'kano', '--out', 'x', '--format', 'xml'])).toThrow(/json or yaml-dir/);
    expect(() => parseGenerateArgs(['--preset', 'kano', '--out', 'x', '--bogus'])).toThrow(/unknown argument/);
    expect(() => parseGenerateArgs(['--preset', 'kano'])).toThrow(/--out/);
  });
});
