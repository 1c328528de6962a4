import { type Cluster, type Direction, type LabelSelector, type Pod, type Protocol } from '@kordon/engine';
import { AdminSides } from './admin.js';
import { coverAddresses, type CidrOptions } from './cidr.js';
import { endKey, type End, type Requirements } from './required.js';
import type { Unit } from './units.js';

/** A peer of a generated rule, and the pods or addresses it is meant for. */
export type PlannedPeer =
  | { kind: 'unit'; unit: Unit; note: string }
  | { kind: 'namespace'; namespace: string; units: Unit[]; note: string }
  | { kind: 'dns'; note: string }
  | { kind: 'cidr'; cidr: string; addresses: string[]; size: bigint; note: string };

export interface PlannedPort {
  /** A number, or the container port's name when every destination names it so. */
  port: number | string;
  number: number;
  protocol: Protocol;
}

export interface PlannedRule {
  peers: PlannedPeer[];
  ports: PlannedPort[];
}

export interface PlannedPolicy {
  namespace: string;
  name: string;
  kind: 'default-deny' | 'dns' | 'workload';
  /** The unit it selects (workload policies). */
  unit?: Unit;
  direction?: Direction;
  selector: LabelSelector;
  policyTypes: Array<'Ingress' | 'Egress'>;
  ingress: PlannedRule[];
  egress: PlannedRule[];
  /** Comment lines above the policy. */
  comment: string[];
}

export interface PlanOptions extends CidrOptions {
  /** Also write policies for kube-system, kube-public, kube-node-lease and the DNS namespace. */
  systemNamespaces: boolean;
  /**
   * Write per-namespace default deny and DNS, and DNS egress for every workload where it is not open to the
   * namespace (true: a whole new set). False writes only the rules the connections need (a change to existing policies).
   */
  namespacePolicies?: boolean;
  /** `ns/name` of policies that exist already: new ones get other names. */
  taken?: ReadonlySet<string>;
}

export interface Plan {
  policies: PlannedPolicy[];
  /** Namespaces the plan isolates. */
  scope: Set<string>;
  /** Namespaces left alone (system namespaces), with pods. */
  skipped: string[];
  notes: string[];
}

export const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);
const EMPTY: LabelSelector = { matchLabels: {}, matchExpressions: [] };
const DNS_PORT = 53;

interface PeerEntry {
  peer: Exclude<PlannedPeer, { kind: 'cidr' }> | { kind: 'ip'; ip: string };
  ports: Map<string, { number: number; protocol: Protocol }>;
  origins: string[];
  count: number;
}

/** Per unit and direction, the peers it talks to and on which ports. */
type Side = Map<string, PeerEntry>;

export function plan(base: Cluster, units: readonly Unit[], unitOf: ReadonlyMap<Pod, Unit>, req: Requirements, options: PlanOptions): Plan {
  const notes: string[] = [];
  const withPods = new Set(base.pods.filter((p) => !p.hostNetwork).map((p) => p.namespace));
  const system = (ns: string) => SYSTEM_NAMESPACES.has(ns) || ns === base.dns.namespace;
  const scope = new Set([...withPods].filter((ns) => options.systemNamespaces || !system(ns)));
  const skipped = [...withPods].filter((ns) => !scope.has(ns)).sort();
  const inScope = (p: Pod) => !p.hostNetwork && scope.has(p.namespace);
  const isDns = new Set(req.dnsPods);

  // DNS for a whole namespace, unless an expectation keeps some pod of it from the DNS pods.
  const whole = options.namespacePolicies !== false;
  const nsDns = new Map<string, Protocol[]>();
  for (const ns of scope) if (whole) nsDns.set(ns, ['UDP', 'TCP']);
  for (const [pod, protos] of req.dnsDenied) {
    const cur = nsDns.get(pod.namespace);
    if (!cur) continue;
    nsDns.set(pod.namespace, protos.has('UDP') ? [] : cur.filter((p) => !protos.has(p)));
  }

  const sides = new Map<string, { unit: Unit; direction: Direction; side: Side }>();
  const sideOf = (unit: Unit, direction: Direction): Side => {
    const k = `${unit.id}\u0000${direction}`;
    let s = sides.get(k);
    if (!s) {
      s = { unit, direction, side: new Map() };
      sides.set(k, s);
    }
    return s.side;
  };
  const peerFor = (e: End): PeerEntry['peer'] | undefined => {
    if (e.kind === 'ip') return { kind: 'ip', ip: e.ip };
    if (e.pod.hostNetwork) return e.pod.ips[0] !== undefined ? { kind: 'ip', ip: e.pod.ips[0] } : undefined;
    const u = unitOf.get(e.pod);
    return u ? { kind: 'unit', unit: u, note: '' } : undefined;
  };
  const add = (side: Side, peer: PeerEntry['peer'], port: number, protocol: Protocol, origins: readonly string[], count: number) => {
    const k = peer.kind === 'ip' ? `ip:${peer.ip}` : peer.kind === 'unit' ? `unit:${peer.unit.id}` : peer.kind;
    let e = side.get(k);
    if (!e) {
      e = { peer, ports: new Map(), origins: [], count: 0 };
      side.set(k, e);
    }
    e.ports.set(`${port}/${protocol}`, { number: port, protocol });
    e.count += count;
    for (const o of origins) if (e.origins.length < 2 && !e.origins.includes(o)) e.origins.push(o);
  };

  let unplaceable = 0;
  const admin = new AdminSides(base);
  for (const n of req.allow) {
    if (n.dst.kind === 'pod' && inScope(n.dst.pod) && (!n.sides || n.sides.has('ingress')) && !admin.decidesAllow(n, 'ingress')) {
      const peer = peerFor(n.src);
      if (peer) add(sideOf(unitOf.get(n.dst.pod)!, 'ingress'), peer, n.port, n.protocol, n.origins, n.count);
      else unplaceable++;
    }
    if (n.src.kind === 'pod' && inScope(n.src.pod) && (!n.sides || n.sides.has('egress')) && !admin.decidesAllow(n, 'egress')) {
      const covered = n.dst.kind === 'pod' && isDns.has(n.dst.pod) && n.port === DNS_PORT && (nsDns.get(n.src.pod.namespace) ?? []).includes(n.protocol);
      const peer = peerFor(n.dst);
      if (covered) continue;
      if (peer) add(sideOf(unitOf.get(n.src.pod)!, 'egress'), peer, n.port, n.protocol, n.origins, n.count);
      else unplaceable++;
    }
  }
  admin.checkDenied(req.deny);
  notes.push(...admin.notes());
  if (unplaceable) notes.push(`${unplaceable} connections involve a pod without an address or workload and are left out`);
  // Pods that look names up where DNS is not open to the whole namespace get it in their own egress policy.
  // So do the other workloads of a namespace where an expectation keeps some pods from the DNS.
  const needs = new Set([...req.dnsNeeded].map((p) => unitOf.get(p)).filter((u): u is Unit => u !== undefined));
  for (const unit of whole ? units : []) {
    if (!scope.has(unit.namespace) || (nsDns.get(unit.namespace) ?? []).includes('UDP')) continue;
    const denied = new Set<Protocol>();
    for (const p of unit.pods) for (const x of req.dnsDenied.get(p) ?? []) denied.add(x);
    if (denied.size > 0 && !needs.has(unit)) continue;
    const why = needs.has(unit) ? `${unit.title} looks up Service names` : `name lookups for ${unit.title} (an expectation keeps other pods of ${unit.namespace} from the DNS)`;
    for (const proto of ['UDP', 'TCP'] as const) if (!denied.has(proto)) add(sideOf(unit, 'egress'), { kind: 'dns', note: '' }, DNS_PORT, proto, [why], 1);
  }

  const denyIps = req.deny.flatMap((n) => [n.src, n.dst]).filter((e): e is Extract<End, { kind: 'ip' }> => e.kind === 'ip').map((e) => e.ip);
  const unitsByNs = new Map<string, Unit[]>();
  for (const u of units) unitsByNs.set(u.namespace, [...(unitsByNs.get(u.namespace) ?? []), u]);

  const policies: PlannedPolicy[] = [];
  const used = new Set<string>(options.taken ?? []);
  const uniqueName = (ns: string, name: string) => {
    let n = name;
    for (let i = 2; used.has(`${ns}/${n}`); i++) n = `${name}-${i}`;
    used.add(`${ns}/${n}`);
    return n;
  };
  for (const ns of whole ? [...scope].sort() : []) {
    policies.push({
      namespace: ns,
      name: uniqueName(ns, 'default-deny'),
      kind: 'default-deny',
      selector: EMPTY,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [],
      comment: [`Every pod of ${ns} is isolated both ways: only what the policies below allow gets through.`],
    });
    const protos = nsDns.get(ns) ?? [];
    if (protos.length > 0) {
      policies.push({
        namespace: ns,
        name: uniqueName(ns, 'allow-dns'),
        kind: 'dns',
        selector: EMPTY,
        policyTypes: ['Egress'],
        ingress: [],
        egress: [{ peers: [{ kind: 'dns', note: `the cluster DNS, ${base.dns.namespace} pods ${selectorText(base.dns.selector)}` }], ports: protos.map((p) => ({ port: DNS_PORT, number: DNS_PORT, protocol: p })) }],
        comment: [`Name lookups for every pod of ${ns}: without them no Service name resolves once egress is isolated.`],
      });
    }
  }
  const ordered = [...sides.values()].sort((a, b) => (a.unit.id < b.unit.id ? -1 : a.unit.id > b.unit.id ? 1 : a.direction < b.direction ? 1 : -1));
  for (const { unit, direction, side } of ordered) {
    const rules = rulesOf(unit, direction, side, unitsByNs, denyIps, options);
    if (rules.length === 0) continue;
    const total = [...side.values()].reduce((n, e) => n + e.count, 0);
    const comment = [`${direction === 'ingress' ? 'Who may connect to' : 'Where'} ${unit.title}${direction === 'egress' ? ' may connect' : ''}: ${total} ${total === 1 ? 'connection' : 'connections'} asked for or observed.`];
    if (unit.alsoSelects.length > 0) comment.push(`The selector also matches ${few(unit.alsoSelects.map((p) => `${p.namespace}/${p.name}`))}: no stable label tells them apart.`);
    policies.push({
      namespace: unit.namespace,
      name: uniqueName(unit.namespace, `${unit.name}-${direction}`),
      kind: 'workload',
      unit,
      direction,
      selector: unit.selector,
      policyTypes: [direction === 'ingress' ? 'Ingress' : 'Egress'],
      ingress: direction === 'ingress' ? rules : [],
      egress: direction === 'egress' ? rules : [],
      comment,
    });
  }
  return { policies, scope, skipped, notes };
}

export const selectorText = (labels: Readonly<Record<string, string>>): string => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
export const few = (xs: readonly string[], n = 3): string => (xs.length <= n ? xs.join(', ') : `${xs.slice(0, n).join(', ')} and ${xs.length - n} more`);

const portSetKey = (ports: Map<string, unknown>): string => [...ports.keys()].sort().join(',');

function rulesOf(unit: Unit, direction: Direction, side: Side, unitsByNs: ReadonlyMap<string, Unit[]>, denyIps: readonly string[], options: CidrOptions): PlannedRule[] {
  // Peers that need the same ports share a rule; addresses and pods never do (named ports do not apply to addresses).
  const podGroups = new Map<string, PeerEntry[]>();
  const ipGroups = new Map<string, PeerEntry[]>();
  for (const e of side.values()) {
    const g = e.peer.kind === 'ip' ? ipGroups : podGroups;
    const k = portSetKey(e.ports);
    g.set(k, [...(g.get(k) ?? []), e]);
  }
  const rules: PlannedRule[] = [];
  for (const entries of podGroups.values()) {
    const ports = portsOf(entries[0]!.ports);
    const peers = compact(
      entries.map((e) => ({ ...(e.peer as Exclude<PeerEntry['peer'], { kind: 'ip' }>), note: noteOf(e) })),
      unitsByNs,
    );
    const destinations = direction === 'ingress' ? unit.pods : peers.flatMap((p) => (p.kind === 'unit' ? p.unit.pods : p.kind === 'namespace' ? p.units.flatMap((u) => u.pods) : []));
    const anyDns = peers.some((p) => p.kind === 'dns');
    rules.push({ peers: sortPeers(peers), ports: anyDns ? ports : ports.map((p) => named(p, destinations)) });
  }
  for (const entries of ipGroups.values()) {
    const ports = portsOf(entries[0]!.ports);
    const byIp = new Map(entries.map((e) => [(e.peer as { ip: string }).ip, e]));
    const covers = coverAddresses([...byIp.keys()], denyIps, options);
    const peers: PlannedPeer[] = covers.map((c) => {
      const es = c.addresses.map((a) => byIp.get(a)).filter((x): x is PeerEntry => x !== undefined);
      const count = es.reduce((n, e) => n + e.count, 0);
      const origins = es.flatMap((e) => e.origins).slice(0, 2);
      const what = c.addresses.length === 1 && c.size === 1n ? `${c.addresses[0]}` : `${c.addresses.length} observed of ${c.size} addresses (${few(c.addresses, 4)})`;
      return { kind: 'cidr', cidr: c.cidr, addresses: c.addresses, size: c.size, note: `${what}: ${count === 1 ? 'from' : `${count} connections, e.g.`} ${origins.join('; ')}` };
    });
    rules.push({ peers, ports });
  }
  rules.sort((a, b) => ruleOrder(a) - ruleOrder(b));
  return rules;
}

const ruleOrder = (r: PlannedRule): number => (r.peers.some((p) => p.kind === 'cidr') ? 2 : r.peers.some((p) => p.kind === 'dns') ? 1 : 0);

function noteOf(e: PeerEntry): string {
  const who = e.peer.kind === 'unit' ? e.peer.unit.title : e.peer.kind === 'dns' ? 'the cluster DNS' : '';
  return `${who}: ${e.count === 1 ? 'from' : `${e.count} connections, e.g.`} ${e.origins.join('; ')}`;
}

function portsOf(ports: Map<string, { number: number; protocol: Protocol }>): PlannedPort[] {
  return [...ports.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.number - b.number).map((p) => ({ port: p.number, number: p.number, protocol: p.protocol }));
}

/** The container port's name, when every destination pod gives this port that name (and no other port has it). */
function named(p: PlannedPort, destinations: readonly Pod[]): PlannedPort {
  if (destinations.length === 0) return p;
  let name: string | undefined;
  for (const pod of destinations) {
    const cps = pod.containerPorts.filter((c) => c.port === p.number && c.protocol === p.protocol);
    const n = cps[0]?.name;
    if (n === undefined || cps.some((c) => c.name !== n)) return p;
    if (pod.containerPorts.some((c) => c.name === n && c.protocol === p.protocol && c.port !== p.number)) return p;
    if (name === undefined) name = n;
    else if (name !== n) return p;
  }
  return name === undefined ? p : { ...p, port: name };
}

/** Every unit of a namespace (two or more) becomes one peer for the namespace: the same pods, said shortly. */
function compact(peers: PlannedPeer[], unitsByNs: ReadonlyMap<string, Unit[]>): PlannedPeer[] {
  const byNs = new Map<string, Array<Extract<PlannedPeer, { kind: 'unit' }>>>();
  const out: PlannedPeer[] = [];
  for (const p of peers) {
    if (p.kind === 'unit') byNs.set(p.unit.namespace, [...(byNs.get(p.unit.namespace) ?? []), p]);
    else out.push(p);
  }
  for (const [ns, ps] of byNs) {
    const all = unitsByNs.get(ns) ?? [];
    if (all.length >= 2 && ps.length === all.length) out.push({ kind: 'namespace', namespace: ns, units: all, note: `every workload of ${ns}: ${ps.map((p) => p.unit.title).join(', ')}` });
    else out.push(...ps);
  }
  return out;
}

function sortPeers(peers: PlannedPeer[]): PlannedPeer[] {
  const key = (p: PlannedPeer) => (p.kind === 'unit' ? `1${p.unit.id}` : p.kind === 'namespace' ? `0${p.namespace}` : p.kind === 'dns' ? '2' : `3${p.cidr}`);
  return [...peers].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export { endKey };
