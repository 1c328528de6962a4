// evaluate() against a reference written straight from shared/docs/semantics.md, reading the raw manifests (not the
// engine's normalized model): this checks defaulting, normalization and evaluation together. The matrix is checked
// against evaluate() elsewhere (matrix.property.test.ts), so the three agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../model/types.js';
import { parseCidr, parseIP } from '../net/ip.js';
import { evaluate } from './evaluate.js';
import { podByName } from '../conformance/__fixtures__/harness.js';
import { build, clusterArb, explicitArb, manifestsOf, PORTS, PROTOS } from '../conformance/__fixtures__/random-cluster.js';

type Obj = { [k: string]: unknown };
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
type REnd = { pod: RPod } | { ip: string };

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

function reference(manifests: readonly Obj[]) {
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

  const direction = (dir: 'ingress' | 'egress', local: REnd, remote: REnd, port: number, protocol: Protocol): boolean => {
    if (!('pod' in local) || local.pod.hostNetwork) return true;
    const type = dir === 'ingress' ? 'Ingress' : 'Egress';
    const selecting = policies.filter((p) => p.ns === local.pod.ns && selects(p.spec['podSelector'], local.pod.labels) && types(p.spec).includes(type));
    if (selecting.length === 0) return true;
    const dest = dir === 'ingress' ? local.pod : 'pod' in remote ? remote.pod : undefined;
    return selecting.some((p) =>
      arr(p.spec[dir]).some((r) => {
        const peers = arr(obj(r)[dir === 'ingress' ? 'from' : 'to']).map(obj);
        const ports = arr(obj(r)['ports']).map(obj);
        return (peers.length === 0 || peers.some((x) => peerMatches(x, p.ns, remote))) && (ports.length === 0 || ports.some((x) => portMatches(x, port, protocol, dest)));
      }),
    );
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

describe('evaluate agrees with a reference read straight from the semantics', () => {
  it('on random clusters, every pod pair and outside address, on named, listed and random ports', () => {
    fc.assert(
      fc.property(clusterArb, explicitArb, (input, opts) => {
        const manifests = manifestsOf(input) as Obj[];
        const cluster = build(input);
        const ref = reference(manifests);
        expect(cluster.pods.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(ref.pods.map((p) => p.id).sort());
        const ends: REnd[] = [...ref.pods.map((pod) => ({ pod })), ...opts.ips.map((ip) => ({ ip }))];
        const toEngine = (e: REnd) => ('pod' in e ? { kind: 'pod' as const, pod: podByName(cluster, e.pod.id) } : { kind: 'ip' as const, ip: e.ip });
        const probes = [...opts.ports, ...PORTS.flatMap((port) => PROTOS.map((protocol) => ({ port, protocol })))];
        const bad: string[] = [];
        for (const a of ends) {
          for (const b of ends) {
            if ('ip' in a && 'ip' in b) continue;
            for (const { port, protocol } of probes) {
              const want = ref.allowed(a, b, port, protocol);
              const got = evaluate(cluster, { from: toEngine(a), to: toEngine(b), port, protocol }).allowed;
              if (got !== want) bad.push(`${'pod' in a ? a.pod.id : a.ip} -> ${'pod' in b ? b.pod.id : b.ip} ${port}/${protocol}: evaluate ${got}, reference ${want}`);
            }
          }
        }
        expect(bad.slice(0, 10)).toEqual([]);
      }),
      { seed: 1122, numRuns: 120 },
    );
  });
});
