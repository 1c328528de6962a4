import { cidrContains, computeMatrix, parseCidr, parseIP, resolveName, serviceEndpoints, unknownPodIPNote, type Cluster, type Pod, type PortProto } from '@kordon/engine';
import { addressMatches, addressRanges, describeAddresses, type AddressRange } from './addresses.js';
import { formatPortSet, portSetOf, type PortSet } from './ports.js';

export type GroupBy = 'pod' | 'workload' | 'namespace';

/** One end of a listed connection: a group of pods, or outside addresses. */
export interface ConnectionPeer {
  /** `ns/name` (pod), `ns/name[Kind]` (workload, `[Pod]` for a bare pod), `ns` (namespace), or the addresses in words. */
  name: string;
  kind: 'pod' | 'workload' | 'namespace' | 'addresses';
  namespace?: string;
  /** Outside addresses as CIDR blocks (`0.0.0.0/0 except 10.0.0.0/8` reads as one entry). */
  addresses?: string[];
}

export interface Connection {
  from: ConnectionPeer;
  to: ConnectionPeer;
  ports: PortSet;
  /** The port set in words: `TCP 5432`, `TCP 80,443; UDP 53`, `all ports`. */
  text: string;
}

export interface ConnectionList {
  by: GroupBy;
  connections: Connection[];
  notes: string[];
}

/** Who a `--from`/`--to` focus keeps: pods, and outside addresses overlapping a written address or CIDR. */
export interface Focus {
  pods: ReadonlySet<Pod>;
  address?: string;
}

export interface ListOptions {
  by?: GroupBy;
  from?: Focus;
  to?: Focus;
  /** Only this port: the lists say whether each pair may use it. */
  port?: PortProto;
}

/** Reads a focus as the commands take it: ns/pod, ns/workload, ns/Kind/name, a namespace, a Service, an IP or a CIDR. */
export function resolveFocus(cluster: Cluster, text: string): Focus | { error: string } {
  const t = text.trim();
  const cidr = parseCidr(t);
  if (cidr) {
    const pods = cluster.pods.filter((p) => p.ips.some((ip) => {
      const a = parseIP(ip);
      return a !== undefined && cidrContains(cidr, a);
    }));
    return { pods: new Set(pods), address: t };
  }
  if (!t.includes('/') && !t.includes('.') && !t.includes(':')) {
    const pods = cluster.pods.filter((p) => p.namespace === t);
    if (pods.length === 0 && !cluster.namespaces.some((n) => n.name === t)) return { error: `no namespace, pod or workload named ${t} (write ns, ns/pod, ns/workload or an address)` };
    return { pods: new Set(pods) };
  }
  const r = resolveName(cluster, t);
  switch (r.kind) {
    case 'pod':
      return { pods: new Set([r.pod]) };
    case 'workload':
      return { pods: new Set(r.pods) };
    case 'ip':
      return { pods: new Set(), address: r.ip };
    case 'service': {
      return { pods: new Set(serviceEndpoints(cluster, r.service)) };
    }
    default:
      return { error: r.reason };
  }
}

function clip(r: AddressRange, text: string): AddressRange {
  const c = parseCidr(text) ?? parseCidr(`${text}/${text.includes(':') ? 128 : 32}`);
  if (!c || c.family !== r.family || c.start > r.end || c.end < r.start) return r;
  return { ...r, start: c.start > r.start ? c.start : r.start, end: c.end < r.end ? c.end : r.end };
}

export function groupOf(pod: Pod, by: GroupBy): ConnectionPeer {
  if (by === 'namespace') return { name: pod.namespace, kind: 'namespace', namespace: pod.namespace };
  if (by === 'pod' || !pod.owner) return { name: by === 'pod' ? `${pod.namespace}/${pod.name}` : `${pod.namespace}/${pod.name}[Pod]`, kind: 'pod', namespace: pod.namespace };
  return { name: `${pod.namespace}/${pod.owner.name}[${pod.owner.kind}]`, kind: 'workload', namespace: pod.namespace };
}

/**
 * The allowed ports of every (group, group) and (group, address range) pair, from one matrix computed over the port
 * columns (each stands for ports every rule treats alike) and one probe address per range.
 */
export interface PairTable {
  by: GroupBy;
  groups: ConnectionPeer[];
  ranges: AddressRange[];
  /** Keyed `from|to` with `g<index>` for groups and `a<index>` for address ranges. */
  pairs: Map<string, PortSet>;
  complete: boolean;
}

export function pairTable(cluster: Cluster, options: ListOptions = {}, ranges: AddressRange[] = addressRanges(cluster)): PairTable {
  const by = options.by ?? 'workload';
  const m = computeMatrix(cluster, { ...(options.port ? { ports: [options.port] } : {}), ips: ranges.map((r) => r.probe) });
  const C = m.columns.length;
  const groups: ConnectionPeer[] = [];
  const groupIndex = new Map<string, number>();
  const gOf = cluster.pods.map((pod) => {
    const g = groupOf(pod, by);
    let k = groupIndex.get(g.name);
    if (k === undefined) groupIndex.set(g.name, (k = groups.push(g) - 1));
    return k;
  });
  const P = m.podCount;
  const keyOf = (i: number) => (i < P ? `g${gOf[i]}` : `a${i - P}`);
  const keep = (focus: Focus | undefined, i: number) => {
    if (!focus) return true;
    if (i < P) return focus.pods.has(cluster.pods[i]!);
    return focus.address !== undefined && addressMatches(focus.address, ranges[i - P]!);
  };
  const N = m.endpoints.length;
  const sources: number[] = [];
  const dests: number[] = [];
  for (let i = 0; i < N; i++) {
    if (keep(options.from, i)) sources.push(i);
    if (keep(options.to, i)) dests.push(i);
  }
  const flags = new Map<string, Uint8Array>();
  const full = new Set<string>();
  for (const i of sources) {
    const ki = keyOf(i);
    for (const j of dests) {
      if (i === j || (i >= P && j >= P)) continue;
      const key = `${ki}|${keyOf(j)}`;
      if (full.has(key)) continue;
      let f = flags.get(key);
      let n = 0;
      for (let col = 0; col < C; col++) {
        if (f?.[col]) {
          n++;
          continue;
        }
        if (m.allowed(col, i, j)) {
          if (!f) flags.set(key, (f = new Uint8Array(C)));
          f[col] = 1;
          n++;
        }
      }
      if (n === C) full.add(key);
    }
  }
  const complete = !options.port;
  const pairs = new Map<string, PortSet>();
  for (const [key, f] of flags) pairs.set(key, portSetOf(m.columns, f, complete));
  // A focus on an address or CIDR is what the user asked about: the lines name that part of each range.
  const shown = ranges.map((r) => [options.from?.address, options.to?.address].reduce((acc, a) => (a === undefined ? acc : clip(acc, a)), r));
  return { by, groups, ranges: shown, pairs, complete };
}

/** Each (group, group) pair as one connection; pairs with outside addresses merged into one line per port set. */
export function connectionsOf(table: PairTable, pairs: ReadonlyMap<string, PortSet> = table.pairs): Connection[] {
  const out: Connection[] = [];
  const toAddresses = new Map<string, { group: number; toOutside: boolean; ports: PortSet; ranges: AddressRange[] }>();
  for (const [key, ports] of pairs) {
    const [a, b] = key.split('|') as [string, string];
    const text = formatPortSet(ports);
    if (a[0] === 'g' && b[0] === 'g') {
      out.push({ from: table.groups[Number(a.slice(1))]!, to: table.groups[Number(b.slice(1))]!, ports, text });
      continue;
    }
    const toOutside = b[0] === 'a';
    const group = Number((toOutside ? a : b).slice(1));
    const range = table.ranges[Number((toOutside ? b : a).slice(1))]!;
    const k = `${group}|${toOutside}|${text}`;
    const e = toAddresses.get(k);
    if (e) e.ranges.push(range);
    else toAddresses.set(k, { group, toOutside, ports, ranges: [range] });
  }
  for (const e of toAddresses.values()) {
    const addresses = describeAddresses(e.ranges);
    const peer: ConnectionPeer = { name: addresses.join(', '), kind: 'addresses', addresses };
    const g = table.groups[e.group]!;
    out.push(e.toOutside ? { from: g, to: peer, ports: e.ports, text: formatPortSet(e.ports) } : { from: peer, to: g, ports: e.ports, text: formatPortSet(e.ports) });
  }
  return out.sort(compareConnections);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Pods before outside addresses on each side, then by name. */
export function compareConnections(a: Pick<Connection, 'from' | 'to'>, b: Pick<Connection, 'from' | 'to'>): number {
  const side = (p: ConnectionPeer) => (p.kind === 'addresses' ? 1 : 0);
  return side(a.from) - side(b.from) || cmp(a.from.name, b.from.name) || side(a.to) - side(b.to) || cmp(a.to.name, b.to.name);
}

/** Who may open connections to whom, one line per pair of groups, with the exact ports. */
export function listConnections(cluster: Cluster, options: ListOptions = {}): ConnectionList {
  const table = pairTable(cluster, options);
  return { by: table.by, connections: connectionsOf(table), notes: listNotes(cluster) };
}

export function listNotes(cluster: Cluster): string[] {
  const notes: string[] = [];
  const hasIpBlocks = cluster.policies.some((p) => [...p.ingress, ...p.egress].some((r) => r.peers?.some((x) => x.kind === 'ipBlock')));
  const noIp = cluster.pods.filter((p) => p.ips.length === 0 && !p.hostNetwork).length;
  // With a pod network the stand-ins are judged against it; only blocks straddling it are left to note.
  if (cluster.network?.podCidrs.length) {
    const note = unknownPodIPNote(cluster);
    if (note) notes.push(note);
  } else if (hasIpBlocks && noIp > 0) notes.push(`${noIp} pod${noIp === 1 ? ' has' : 's have'} no IP (workload templates): ipBlocks never match ${noIp === 1 ? 'it' : 'them'} here, though they may in a cluster`);
  notes.push('outside addresses exclude the IPs of pods and nodes in the input; a pod always reaches itself (not listed)');
  return notes;
}
