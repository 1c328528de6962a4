/**
 * The connections a cluster policy rule can meet in the given cluster, one of each kind: lint asks the engine's tier
 * walk about these instead of judging rules itself. Pods stand in for every pod with the same namespace, labels and
 * container ports (and addresses, when address peers exist); ports are one per stretch between the port boundaries
 * the tier's rules and the pods' container ports draw; addresses one per stretch between the CIDR and Node address
 * boundaries of the tier's peers.
 */
import {
  formatIP,
  subjectSelectsPod,
  tierPeerRanges,
  tierRuleCovers,
  type ClusterPolicy,
  type Cluster,
  type Endpoint,
  type Pod,
  type Protocol,
  type TierQuery,
  type TierRule,
} from '@kordon/engine';

type Direction = 'ingress' | 'egress';
const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** How many connections lint asks about for one rule before it gives up judging it. */
export const SIDE_BUDGET = 20_000;

export interface TierSides {
  cluster: Cluster;
  /** Representative subject pods of a policy. */
  subjects(policy: ClusterPolicy): readonly Pod[];
  /**
   * Every connection one rule of the policy matches (up to the budget), and whether the list is whole. With
   * `newPods`, also those of a pod with no labels added to each namespace, as a workload deployed later would be.
   */
  covered(policy: ClusterPolicy, rule: TierRule, options?: { newPods?: boolean }): { sides: TierQuery[]; complete: boolean };
}

const cache = new WeakMap<Cluster, TierSides>();

export function tierSides(cluster: Cluster): TierSides {
  let s = cache.get(cluster);
  if (!s) cache.set(cluster, (s = build(cluster)));
  return s;
}

function build(cluster: Cluster): TierSides {
  const policies = cluster.clusterPolicies;
  const addressPeers = policies.some((p) => p.egress.some((r) => r.peers.some((x) => x.kind === 'networks' || x.kind === 'nodes')));
  const key = (p: Pod, withIps: boolean) =>
    JSON.stringify([p.namespace, Object.entries(p.labels).sort(), p.hostNetwork, p.containerPorts.map((c) => `${c.name ?? ''}:${c.port}/${c.protocol}`).sort(), withIps ? [...p.ips].sort() : []]);
  const classes = (pods: readonly Pod[], withIps: boolean): Pod[] => {
    const seen = new Map<string, Pod>();
    for (const p of pods) {
      const k = key(p, withIps);
      if (!seen.has(k)) seen.set(k, p);
    }
    return [...seen.values()];
  };
  const remotePods = classes(cluster.pods, addressPeers);
  const localPods = classes(
    cluster.pods.filter((p) => !p.hostNetwork),
    false,
  );
  const newPods = cluster.namespaces.map((n): Pod => ({ namespace: n.name, name: '(a new pod)', labels: {}, ips: [], hostNetwork: false, ready: true, containerPorts: [], fromTemplate: true }));
  const subjectCache = new Map<ClusterPolicy, Pod[]>();
  const subjects = (policy: ClusterPolicy): Pod[] => {
    let l = subjectCache.get(policy);
    if (!l) subjectCache.set(policy, (l = localPods.filter((p) => subjectSelectsPod(cluster, policy, p))));
    return l;
  };
  const bounds = portBounds(policies);
  const addresses = addressReps(cluster, policies);
  return {
    cluster,
    subjects,
    covered(policy, rule, options = {}) {
      const sides: TierQuery[] = [];
      const extra = options.newPods ? newPods : [];
      const remotes: Endpoint[] = [...[...remotePods, ...extra].map((pod): Endpoint => ({ kind: 'pod', pod })), ...(rule.direction === 'egress' ? addresses : [])];
      for (const local of [...subjects(policy), ...extra.filter((p) => subjectSelectsPod(cluster, policy, p))]) {
        for (const remote of remotes) {
          if (remote.kind === 'pod' && remote.pod === local) continue;
          const dest = rule.direction === 'ingress' ? local : remote.kind === 'pod' ? remote.pod : undefined;
          for (const [port, protocol] of portReps(bounds.get(`${policy.tier}/${rule.direction}`), rule, dest)) {
            const q: TierQuery = { tier: policy.tier, direction: rule.direction, local, remote, port, protocol };
            if (!tierRuleCovers(cluster, q, rule)) continue;
            if (sides.length >= SIDE_BUDGET) return { sides, complete: false };
            sides.push(q);
          }
        }
      }
      return { sides, complete: true };
    },
  };
}

/** Per tier and direction, per protocol: the ports where some numeric entry starts or ends (port 1 always). */
function portBounds(policies: readonly ClusterPolicy[]): Map<string, Map<Protocol, number[]>> {
  const out = new Map<string, Map<Protocol, Set<number>>>();
  for (const p of policies) {
    for (const rule of [...p.ingress, ...p.egress]) {
      const k = `${p.tier}/${rule.direction}`;
      let m = out.get(k);
      if (!m) out.set(k, (m = new Map(PROTOCOLS.map((x) => [x, new Set([1])]))));
      for (const e of rule.ports ?? []) {
        if (e.kind !== 'port') continue;
        m.get(e.protocol)!.add(e.start);
        if (e.end < 65535) m.get(e.protocol)!.add(e.end + 1);
      }
    }
  }
  return new Map([...out].map(([k, m]) => [k, new Map([...m].map(([pr, s]) => [pr, [...s].sort((a, b) => a - b)]))]));
}

/** One port per stretch of the rule's entries, plus the destination's container ports (where named entries match). */
function portReps(bounds: Map<Protocol, number[]> | undefined, rule: TierRule, dest: Pod | undefined): Array<[number, Protocol]> {
  const out = new Map<string, [number, Protocol]>();
  const add = (port: number, protocol: Protocol) => out.set(`${port}/${protocol}`, [port, protocol]);
  const within = (protocol: Protocol, start: number, end: number) => {
    for (const b of bounds?.get(protocol) ?? [1]) if (b >= start && b <= end) add(b, protocol);
    for (const c of dest?.containerPorts ?? []) {
      if (c.protocol !== protocol) continue;
      if (c.port >= start && c.port <= end) add(c.port, protocol);
      if (c.port + 1 >= start && c.port + 1 <= end) add(c.port + 1, protocol);
    }
  };
  if (rule.ports === null || rule.failClosed === 'deny-all') for (const pr of PROTOCOLS) within(pr, 1, 65535);
  else
    for (const e of rule.ports) {
      if (e.kind === 'port') within(e.protocol, e.start, e.end);
      else if (e.kind === 'protocol') within(e.protocol, 1, 65535);
      else for (const c of dest?.containerPorts ?? []) if (c.name === e.name && (e.protocol === undefined || e.protocol === c.protocol)) add(c.port, c.protocol);
    }
  return [...out.values()];
}

/** One outside address per stretch between the boundaries of every `networks` and `nodes` peer. */
function addressReps(cluster: Cluster, policies: readonly ClusterPolicy[]): Endpoint[] {
  const ranges = policies.flatMap((p) => p.egress.flatMap((r) => r.peers.flatMap((peer) => tierPeerRanges(cluster, peer))));
  const out = new Map<string, Endpoint>();
  for (const family of [4, 6] as const) {
    const mine = ranges.filter((r) => r.family === family);
    const points = new Set<bigint>();
    for (const r of mine) {
      points.add(r.start);
      points.add(r.end + 1n);
    }
    for (const v of [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!mine.some((r) => v >= r.start && v <= r.end)) continue;
      const ip = formatIP({ family, value: v });
      out.set(ip, { kind: 'ip', ip });
    }
  }
  return [...out.values()];
}

export type { Direction };
