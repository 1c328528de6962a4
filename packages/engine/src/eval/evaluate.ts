import { portSpecMatches } from '../ports/ports.js';
import { describeNearMiss, type NearMissWhy, type PeerMiss } from './misses.js';
import type { Cluster, Direction, Peer, Pod, Policy, Protocol, Rule } from '../model/types.js';
import { clusterModel, type ClusterModel } from '../model/compiled.js';
import { ipBlockContains, parseIP } from '../net/ip.js';
import { chainDirection } from '../tiers/evaluate.js';
import { blockText, podInBlock, podNetworkOf } from './pod-ip.js';
import { endpointAddresses, endpointText, type DirectionVerdict, type Endpoint, type NearMiss, type RuleRef, type Traffic, type Verdict } from './types.js';

/** Policies that select `pod` and isolate it in `direction`. hostNetwork pods are never selected. */
export function isolatingPolicies(cluster: Cluster, pod: Pod, direction: Direction): Policy[] {
  const model = clusterModel(cluster);
  const out: Policy[] = [];
  for (const p of model.policiesIn(pod.namespace)) {
    if (!(direction === 'ingress' ? p.ingressIsolation : p.egressIsolation)) continue;
    if (model.policySelects(p, pod)) out.push(p);
  }
  return out;
}

/** Whether `remote` matches one peer of a rule of `policy`. */
export function peerMatches(ctx: ClusterModel, policy: Policy, peer: Peer, remote: Endpoint): boolean {
  if (peer.kind === 'ipBlock') {
    const block = ctx.ipBlock(peer);
    if (!block) return false;
    // An ipBlock matches any address, pod IPs included; a pod without an IP only when the pod network lies inside it.
    if (remote.kind === 'pod' && remote.address === undefined) return podInBlock(block, remote.pod, podNetworkOf(ctx.cluster)) === 'yes';
    const ip = parseIP(endpointAddresses(remote)[0]!);
    return ip !== undefined && ipBlockContains(block, ip);
  }
  // Selectors see pods only; a hostNetwork pod carries its node's address, so only an ipBlock can match it.
  return remote.kind === 'pod' && ctx.peerSelectsPod(policy, peer, remote.pod);
}

/** ipBlocks of `peers` that may or may not hold `remote`, a pod with no IP. */
function unknownBlocks(ctx: ClusterModel, peers: readonly Peer[], remote: Endpoint): string[] {
  if (remote.kind !== 'pod') return [];
  const out: string[] = [];
  for (const peer of peers) {
    if (peer.kind !== 'ipBlock') continue;
    const block = ctx.ipBlock(peer);
    if (block && podInBlock(block, remote.pod, podNetworkOf(ctx.cluster)) === 'depends') out.push(blockText(peer));
  }
  return out;
}

/** Why each peer of a rule misses the remote end (peers that match add nothing). */
function peerMisses(ctx: ClusterModel, policy: Policy, peers: readonly Peer[], remote: Endpoint): PeerMiss[] {
  const who = endpointText(remote);
  const out: PeerMiss[] = [];
  for (const peer of peers) {
    if (peer.kind === 'ipBlock') {
      const block = { who, cidr: peer.cidr, except: peer.except };
      if (remote.kind === 'pod' && remote.pod.ips.length === 0 && !remote.pod.hostNetwork) {
        const parsed = ctx.ipBlock(peer);
        const net = podNetworkOf(ctx.cluster);
        const v = parsed ? podInBlock(parsed, remote.pod, net) : 'no';
        const podCidrs = ctx.cluster.network?.podCidrs ?? [];
        out.push(!net ? { code: 'no-ip-for-ipblock', who, cidr: peer.cidr } : v === 'depends' ? { code: 'ipblock-depends-on-pod-ip', ...block, podCidrs } : { code: 'pod-network-outside-ipblock', ...block, podCidrs });
      } else out.push(remote.kind === 'pod' && remote.pod.ips.length === 0 ? { code: 'no-ip-for-ipblock', who, cidr: peer.cidr } : { code: 'outside-ipblock', ...block });
      continue;
    }
    if (remote.kind !== 'pod') {
      out.push({ code: 'not-a-pod', who });
      continue;
    }
    const miss = ctx.peerMissOf(policy, peer, remote.pod);
    if (miss) out.push(miss);
  }
  return out;
}

function evaluateDirection(ctx: ClusterModel, direction: Direction, local: Endpoint, remote: Endpoint, port: number, protocol: Protocol): DirectionVerdict {
  const base = { direction, selectedBy: [] as string[], allowedBy: [] as RuleRef[], nearMisses: [] as NearMiss[] };
  if (local.kind !== 'pod') return { ...base, allowed: true, isolated: false, bypass: 'not-a-pod' };
  if (local.pod.hostNetwork) return { ...base, allowed: true, isolated: false, bypass: 'host-network' };
  const policies = isolatingPolicies(ctx.cluster, local.pod, direction);
  if (policies.length === 0) return { ...base, allowed: true, isolated: false, bypass: 'not-isolated' };
  // The destination whose named ports count: for ingress the local pod, for egress the remote one.
  const dest = direction === 'ingress' ? local.pod : remote.kind === 'pod' ? remote.pod : undefined;
  const allowedBy: RuleRef[] = [];
  const nearMisses: NearMiss[] = [];
  const depends = new Set<string>();
  for (const policy of policies) {
    const rules: readonly Rule[] = direction === 'ingress' ? policy.ingress : policy.egress;
    for (const rule of rules) {
      const peerIdx = rule.peers === null ? -1 : rule.peers.findIndex((p) => peerMatches(ctx, policy, p, remote));
      const portIdx = rule.ports === null ? -1 : rule.ports.findIndex((s) => portSpecMatches(s, port, protocol, dest));
      const peerOk = rule.peers === null || peerIdx >= 0;
      const portOk = rule.ports === null || portIdx >= 0;
      const r: RuleRef = { policy: policy.id, direction, rule: rule.index };
      if (peerIdx >= 0) r.peer = peerIdx;
      if (portIdx >= 0) r.port = portIdx;
      if (peerOk && portOk) allowedBy.push(r);
      else if (peerOk && rule.ports) {
        const why: NearMissWhy = { failed: 'port', port, protocol, ports: rule.ports, outsideNamedPorts: !dest && rule.ports.some((s) => typeof s.port === 'string') };
        nearMisses.push({ ref: r, failed: 'port', reason: describeNearMiss(why), why });
      } else if (portOk && rule.peers) {
        const why: NearMissWhy = { failed: 'peer', peers: peerMisses(ctx, policy, rule.peers, remote) };
        nearMisses.push({ ref: r, failed: 'peer', reason: describeNearMiss(why), why });
        for (const b of unknownBlocks(ctx, rule.peers, remote)) depends.add(b);
      }
    }
  }
  const verdict: DirectionVerdict = { direction, allowed: allowedBy.length > 0, isolated: true, selectedBy: policies.map((p) => p.id), allowedBy, nearMisses };
  if (!verdict.allowed) {
    if (depends.size) verdict.dependsOnPodIP = [...depends];
    const ignored = ignoredAdmissions(ctx, direction, local.pod, remote, port, protocol, dest);
    if (ignored.length) verdict.ignored = ignored;
  }
  return verdict;
}

/** Rules of policies that select the pod but not for `direction` (policyTypes leaves it out) and would admit the connection. */
function ignoredAdmissions(ctx: ClusterModel, direction: Direction, pod: Pod, remote: Endpoint, port: number, protocol: Protocol, dest: Pod | undefined): RuleRef[] {
  const out: RuleRef[] = [];
  for (const policy of ctx.policiesIn(pod.namespace)) {
    if (direction === 'ingress' ? policy.ingressIsolation : policy.egressIsolation) continue;
    const rules = direction === 'ingress' ? policy.ingress : policy.egress;
    if (rules.length === 0 || !ctx.policySelects(policy, pod)) continue;
    for (const rule of rules) {
      const peerIdx = rule.peers === null ? -1 : rule.peers.findIndex((p) => peerMatches(ctx, policy, p, remote));
      const portIdx = rule.ports === null ? -1 : rule.ports.findIndex((s) => portSpecMatches(s, port, protocol, dest));
      if ((rule.peers !== null && peerIdx < 0) || (rule.ports !== null && portIdx < 0)) continue;
      const r: RuleRef = { policy: policy.id, direction, rule: rule.index };
      if (peerIdx >= 0) r.peer = peerIdx;
      if (portIdx >= 0) r.port = portIdx;
      out.push(r);
    }
  }
  return out;
}

/** The cluster policy tiers around the NetworkPolicy verdict of one direction, when there are any. */
function withTiers(ctx: ClusterModel, np: DirectionVerdict, local: Endpoint, remote: Endpoint, traffic: Traffic): DirectionVerdict {
  if (ctx.cluster.clusterPolicies.length === 0 || local.kind !== 'pod' || local.pod.hostNetwork) return np;
  return chainDirection(
    {
      model: ctx.tiers,
      direction: np.direction,
      local: local.pod,
      localNs: ctx.namespaceLabels(local.pod.namespace),
      remote,
      remoteNs: remote.kind === 'pod' ? ctx.namespaceLabels(remote.pod.namespace) : undefined,
      port: traffic.port,
      protocol: traffic.protocol,
    },
    np,
  );
}

function samePod(a: Endpoint, b: Endpoint): boolean {
  return a.kind === 'pod' && b.kind === 'pod' && a.pod === b.pod;
}

/** Traffic between a pod and the node it runs on is always allowed. */
function ownNode(a: Endpoint, b: Endpoint): boolean {
  const nodeOf = (e: Endpoint): { ip?: string; name?: string; hostNet: boolean } =>
    e.kind === 'ip' ? { ip: e.ip, hostNet: true } : { ...(e.pod.hostIP ? { ip: e.pod.hostIP } : {}), ...(e.pod.nodeName ? { name: e.pod.nodeName } : {}), hostNet: e.pod.hostNetwork };
  const x = nodeOf(a);
  const y = nodeOf(b);
  if (!x.hostNet && !y.hostNet) return false;
  if (a.kind === 'ip' && b.kind === 'ip') return false;
  if (a.kind === 'ip') return b.kind === 'pod' && b.pod.hostIP === a.ip;
  if (b.kind === 'ip') return a.kind === 'pod' && a.pod.hostIP === b.ip;
  return (x.name !== undefined && x.name === y.name) || (x.ip !== undefined && x.ip === y.ip);
}

/**
 * Decides one connection: allowed when the source's egress AND the destination's ingress allow it. A pod always
 * reaches itself, and traffic between a pod and its own node is always allowed.
 */
export function evaluate(cluster: Cluster, traffic: Traffic): Verdict {
  const ctx = clusterModel(cluster);
  const egress = withTiers(ctx, evaluateDirection(ctx, 'egress', traffic.from, traffic.to, traffic.port, traffic.protocol), traffic.from, traffic.to, traffic);
  const ingress = withTiers(ctx, evaluateDirection(ctx, 'ingress', traffic.to, traffic.from, traffic.port, traffic.protocol), traffic.to, traffic.from, traffic);
  if (samePod(traffic.from, traffic.to)) return { allowed: true, always: 'same-pod', egress, ingress };
  if (ownNode(traffic.from, traffic.to)) return { allowed: true, always: 'own-node', egress, ingress };
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}
