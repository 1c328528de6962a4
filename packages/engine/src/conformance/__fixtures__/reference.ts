// A plain reference evaluator, written straight from shared/docs/semantics.md and reading the raw manifests (not the
// engine's normalized model): NetworkPolicy (sections 1 and 2) and the cluster policy tiers (section 5). The property
// tests hold evaluate() to it; the matrix is held to evaluate() cell by cell, so the three agree.
import type { Protocol } from '../../model/types.js';
import { parseCidr, parseIP } from '../../net/ip.js';

export type Obj = { [k: string]: unknown };
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strMap = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(obj(v)).map(([k, x]) => [k, String(x)]));

interface RPod {
  id: string;
  ns: string;
  labels: Record<string, string>;
  ips: string[];
  hostNetwork: boolean;
  nodeName?: string;
  hostIP?: string;
  ports: { name?: string; port: number; protocol: string }[];
}
export type REnd = { pod: RPod } | { ip: string };

function has(labels: Record<string, string>, k: string): boolean {
  return Object.keys(labels).includes(k);
}

/** §2 Label selectors. */
function selects(sel: unknown, labels: Record<string, string>): boolean {
  const s = obj(sel);
  for (const [k, v] of Object.entries(strMap(s['matchLabels']))) if (!has(labels, k) || labels[k] !== v) return false;
  for (const e of arr(s['matchExpressions']).map(obj)) {
    const k = String(e['key']);
    const vals = arr(e['values']).map(String);
    const op = e['operator'];
    const ok = op === 'In' ? has(labels, k) && vals.includes(labels[k]!) : op === 'NotIn' ? !has(labels, k) || !vals.includes(labels[k]!) : op === 'Exists' ? has(labels, k) : !has(labels, k);
    if (!ok) return false;
  }
  return true;
}

export function reference(manifests: readonly Obj[]) {
  const nsLabels = new Map<string, Record<string, string>>();
  for (const m of manifests.filter((x) => x['kind'] === 'Namespace')) {
    const name = String(obj(m['metadata'])['name']);
    nsLabels.set(name, { ...strMap(obj(m['metadata'])['labels']), 'kubernetes.io/metadata.name': name });
  }
  const labelsOfNs = (ns: string) => nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
  const pods: RPod[] = manifests
    // §1: pods in phase Succeeded or Failed are gone.
    .filter((m) => m['kind'] === 'Pod' && !['Succeeded', 'Failed'].includes(String(obj(m['status'])['phase'])))
    .map((m) => {
      const meta = obj(m['metadata']);
      const spec = obj(m['spec']);
      const status = obj(m['status']);
      const hostNetwork = spec['hostNetwork'] === true;
      const ips = arr(status['podIPs']).map((p) => String(obj(p)['ip']));
      const hostIP = typeof status['hostIP'] === 'string' ? status['hostIP'] : undefined;
      // §1: a hostNetwork pod carries its node's address.
      if (hostNetwork && ips.length === 0 && hostIP) ips.push(hostIP);
      const pod: RPod = {
        id: `${String(meta['namespace'])}/${String(meta['name'])}`,
        ns: String(meta['namespace']),
        labels: strMap(meta['labels']),
        ips,
        hostNetwork,
        ports: arr(spec['containers']).flatMap((c) =>
          arr(obj(c)['ports']).map((p) => {
            const o = obj(p);
            return { port: Number(o['containerPort']), protocol: String(o['protocol'] ?? 'TCP'), ...(typeof o['name'] === 'string' ? { name: o['name'] } : {}) };
          }),
        ),
      };
      if (typeof spec['nodeName'] === 'string') pod.nodeName = spec['nodeName'];
      if (hostIP) pod.hostIP = hostIP;
      return pod;
    });
  const policies = manifests.filter((m) => m['kind'] === 'NetworkPolicy').map((m) => ({ ns: String(obj(m['metadata'])['namespace']), spec: obj(m['spec']) }));

  /** §1 defaulting of policyTypes. */
  const types = (spec: Obj): string[] => {
    const t = arr(spec['policyTypes']).map(String);
    if (t.length > 0) return t;
    return arr(spec['egress']).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  };

  const inBlock = (block: Obj, ip: string): boolean => {
    const a = parseIP(ip);
    const c = parseCidr(String(block['cidr']));
    const within = (x: ReturnType<typeof parseCidr>) => !!a && !!x && x.family === a.family && x.start <= a.value && a.value <= x.end;
    return within(c) && !arr(block['except']).some((e) => within(parseCidr(String(e))));
  };

  /** §2 peers. */
  const peerMatches = (peer: Obj, policyNs: string, remote: REnd): boolean => {
    if (peer['ipBlock'] !== undefined) {
      const addrs = 'ip' in remote ? [remote.ip] : remote.pod.ips;
      return addrs.some((ip) => inBlock(obj(peer['ipBlock']), ip));
    }
    if (!('pod' in remote) || remote.pod.hostNetwork) return false;
    const p = remote.pod;
    const nsOk = peer['namespaceSelector'] === undefined ? p.ns === policyNs : selects(peer['namespaceSelector'], labelsOfNs(p.ns));
    const podOk = peer['podSelector'] === undefined || selects(peer['podSelector'], p.labels);
    return nsOk && podOk;
  };

  /** §2 ports; `dest` is the pod whose named ports count. */
  const portMatches = (entry: Obj, port: number, protocol: Protocol, dest: RPod | undefined): boolean => {
    if (String(entry['protocol'] ?? 'TCP') !== protocol) return false;
    const p = entry['port'];
    if (p === undefined) return true;
    if (typeof p === 'number') return typeof entry['endPort'] === 'number' ? p <= port && port <= entry['endPort'] : p === port;
    return !!dest && dest.ports.some((c) => c.name === p && c.protocol === protocol && c.port === port);
  };

  /** §1–2: the NetworkPolicy answer, or undefined when no NetworkPolicy isolates the local pod in this direction. */
  const npDecides = (dir: 'ingress' | 'egress', local: RPod, remote: REnd, port: number, protocol: Protocol): boolean | undefined => {
    const type = dir === 'ingress' ? 'Ingress' : 'Egress';
    const selecting = policies.filter((p) => p.ns === local.ns && selects(p.spec['podSelector'], local.labels) && types(p.spec).includes(type));
    if (selecting.length === 0) return undefined;
    const dest = dir === 'ingress' ? local : 'pod' in remote ? remote.pod : undefined;
    return selecting.some((p) =>
      arr(p.spec[dir]).some((r) => {
        const peers = arr(obj(r)[dir === 'ingress' ? 'from' : 'to']).map(obj);
        const ports = arr(obj(r)['ports']).map(obj);
        return (peers.length === 0 || peers.some((x) => peerMatches(x, p.ns, remote))) && (ports.length === 0 || ports.some((x) => portMatches(x, port, protocol, dest)));
      }),
    );
  };

  const tiers = tierReference(manifests, labelsOfNs);

  /** §5: Admin, then NetworkPolicy for pods it isolates in this direction, then Baseline, then allow. */
  const direction = (dir: 'ingress' | 'egress', local: REnd, remote: REnd, port: number, protocol: Protocol): boolean => {
    if (!('pod' in local) || local.pod.hostNetwork) return true;
    const admin = tiers.decides('Admin', dir, local.pod, remote, port, protocol);
    if (admin === 'Accept' || admin === 'Deny') return admin === 'Accept';
    const np = npDecides(dir, local.pod, remote, port, protocol);
    if (np !== undefined) return np;
    return tiers.decides('Baseline', dir, local.pod, remote, port, protocol) !== 'Deny';
  };

  /** §1 always allowed: a pod to itself, and a pod and its own node (a hostNetwork pod or the node's address). */
  const always = (a: REnd, b: REnd): boolean => {
    if ('pod' in a && 'pod' in b) {
      if (a.pod === b.pod) return true;
      if (!a.pod.hostNetwork && !b.pod.hostNetwork) return false;
      return (a.pod.nodeName !== undefined && a.pod.nodeName === b.pod.nodeName) || (a.pod.hostIP !== undefined && a.pod.hostIP === b.pod.hostIP);
    }
    if ('pod' in a && 'ip' in b) return a.pod.hostIP === b.ip;
    if ('ip' in a && 'pod' in b) return b.pod.hostIP === a.ip;
    return false;
  };

  return {
    pods,
    allowed: (from: REnd, to: REnd, port: number, protocol: Protocol) => always(from, to) || (direction('egress', from, to, port, protocol) && direction('ingress', to, from, port, protocol)),
  };
}


interface RPolicy {
  kind: string;
  name: string;
  tier: 'Admin' | 'Baseline';
  priority: number;
  spec: Obj;
  /** Written action to its meaning. */
  action: (written: string) => 'Accept' | 'Deny' | 'Pass';
  portsKey: 'protocols' | 'ports';
}

/** §5 cluster policies, read from the manifests: the first matching rule of a tier, in priority, name and rule order. */
function tierReference(manifests: readonly Obj[], labelsOfNs: (ns: string) => Record<string, string>) {
  const list: RPolicy[] = [];
  for (const m of manifests) {
    const spec = obj(m['spec']);
    const name = String(obj(m['metadata'])['name']);
    if (m['kind'] === 'ClusterNetworkPolicy' && m['apiVersion'] === 'policy.networking.k8s.io/v1alpha2') {
      list.push({ kind: 'ClusterNetworkPolicy', name, tier: spec['tier'] === 'Baseline' ? 'Baseline' : 'Admin', priority: Number(spec['priority']), spec, action: (a) => a as 'Accept', portsKey: 'protocols' });
    } else if ((m['kind'] === 'AdminNetworkPolicy' || m['kind'] === 'BaselineAdminNetworkPolicy') && m['apiVersion'] === 'policy.networking.k8s.io/v1alpha1') {
      const admin = m['kind'] === 'AdminNetworkPolicy';
      list.push({ kind: String(m['kind']), name, tier: admin ? 'Admin' : 'Baseline', priority: admin ? Number(spec['priority']) : Infinity, spec, action: (a) => (a === 'Allow' ? 'Accept' : (a as 'Deny')), portsKey: 'ports' });
    }
  }
  list.sort((a, b) => (a.tier !== b.tier ? (a.tier === 'Admin' ? -1 : 1) : a.priority !== b.priority ? a.priority - b.priority : a.name !== b.name ? (a.name < b.name ? -1 : 1) : a.kind < b.kind ? -1 : 1));
  const nodes = manifests.filter((m) => m['kind'] === 'Node').map((m) => ({
    labels: strMap(obj(m['metadata'])['labels']),
    addresses: arr(obj(m['status'])['addresses']).map((a) => String(obj(a)['address'])),
  }));

  const nsAndPods = (nsSel: unknown, podSel: unknown, pod: RPod): boolean => !pod.hostNetwork && selects(nsSel ?? {}, labelsOfNs(pod.ns)) && (podSel === undefined || selects(podSel, pod.labels));
  const subjectHas = (p: RPolicy, pod: RPod): boolean => {
    const s = obj(p.spec['subject']);
    return s['pods'] !== undefined ? nsAndPods(obj(s['pods'])['namespaceSelector'], obj(s['pods'])['podSelector'] ?? {}, pod) : nsAndPods(s['namespaces'], undefined, pod);
  };
  const inCidr = (cidr: string, ip: string): boolean => {
    const a = parseIP(ip);
    const c = parseCidr(cidr);
    return !!a && !!c && a.family === c.family && c.start <= a.value && a.value <= c.end;
  };
  const peerMatches = (peer: Obj, remote: REnd): boolean => {
    const addrs = 'ip' in remote ? [remote.ip] : remote.pod.ips;
    if (peer['networks'] !== undefined) return addrs.some((ip) => arr(peer['networks']).some((c) => inCidr(String(c), ip)));
    if (peer['nodes'] !== undefined) return nodes.some((n) => selects(peer['nodes'], n.labels) && n.addresses.some((a) => addrs.includes(a)));
    if (!('pod' in remote)) return false;
    if (peer['namespaces'] !== undefined) return nsAndPods(peer['namespaces'], undefined, remote.pod);
    if (peer['pods'] !== undefined) return nsAndPods(obj(peer['pods'])['namespaceSelector'], obj(peer['pods'])['podSelector'] ?? {}, remote.pod);
    return false;
  };
  const named = (dest: RPod | undefined, name: unknown, port: number, protocol: Protocol) => !!dest && dest.ports.some((c) => c.name === name && c.protocol === protocol && c.port === port);
  const portMatches = (p: RPolicy, e: Obj, port: number, protocol: Protocol, dest: RPod | undefined): boolean => {
    if (p.portsKey === 'protocols') {
      if (e['destinationNamedPort'] !== undefined) return named(dest, e['destinationNamedPort'], port, protocol);
      const m = obj(e[protocol.toLowerCase()]);
      if (e[protocol.toLowerCase()] === undefined) return false;
      const dp = obj(m['destinationPort']);
      if (dp['number'] !== undefined) return dp['number'] === port;
      return Number(obj(dp['range'])['start']) <= port && port <= Number(obj(dp['range'])['end']);
    }
    if (e['namedPort'] !== undefined) return named(dest, e['namedPort'], port, protocol);
    const o = obj(e['portNumber'] ?? e['portRange']);
    if (String(o['protocol'] ?? 'TCP') !== protocol) return false;
    return e['portNumber'] !== undefined ? o['port'] === port : Number(o['start']) <= port && port <= Number(o['end']);
  };

  return {
    decides(tier: 'Admin' | 'Baseline', dir: 'ingress' | 'egress', local: RPod, remote: REnd, port: number, protocol: Protocol): 'Accept' | 'Deny' | 'Pass' | undefined {
      const dest = dir === 'ingress' ? local : 'pod' in remote ? remote.pod : undefined;
      for (const p of list) {
        if (p.tier !== tier || !subjectHas(p, local)) continue;
        for (const r of arr(p.spec[dir]).map(obj)) {
          const peers = arr(r[dir === 'ingress' ? 'from' : 'to']).map(obj);
          const ports = r[p.portsKey] === undefined ? undefined : arr(r[p.portsKey]).map(obj);
          if (peers.some((x) => peerMatches(x, remote)) && (ports === undefined || ports.some((e) => portMatches(p, e, port, protocol, dest)))) return p.action(String(r['action']));
        }
      }
      return undefined;
    },
  };
}
