/**
 * Who each part of a cluster policy selects, for consumers that enforce rather than evaluate (the nftables compiler).
 * Every answer comes from the rules `evaluate` and the matrix use (`subjectSelects`, `tierPeerMatches`, the tier
 * model's CIDRs and Node addresses, the compiled model's namespace labels), so enforcement cannot drift from the
 * engine's verdicts. NetworkPolicy peers are the compiled model's (`clusterModel`).
 */
import { clusterModel } from '../model/compiled.js';
import { parseCidr, type Cidr } from '../net/ip.js';
import type { Cluster, Pod } from '../model/types.js';
import { subjectSelects, tierModelOf, tierPeerMatches } from './model.js';
import type { ClusterPolicy, TierPeer } from './types.js';

export interface Selection {
  /** Admin-tier policies in evaluation order (priority, then name, as the engine breaks ties). */
  readonly admin: readonly ClusterPolicy[];
  /** Baseline-tier policies in evaluation order (the BaselineAdminNetworkPolicy last). */
  readonly baseline: readonly ClusterPolicy[];
  /** Whether a cluster policy's subject selects the pod (never a host-network pod). */
  subjectSelectsPod(policy: ClusterPolicy, pod: Pod): boolean;
  /** Whether a `namespaces` or `pods` peer of a cluster policy matches the pod. */
  tierPeerSelectsPod(peer: TierPeer, pod: Pod): boolean;
  /**
   * The address ranges a `networks` or `nodes` peer matches: its CIDRs, or the `status.addresses` of the Nodes it
   * selects as single-address ranges. Empty for the other kinds.
   */
  tierPeerRanges(peer: TierPeer): readonly Cidr[];
}

const selections = new WeakMap<Cluster, Selection>();

function single(ip: string): Cidr | undefined {
  const bits = ip.includes(':') ? 128 : 32;
  return parseCidr(`${ip}/${bits}`);
}

export function selectionOf(cluster: Cluster): Selection {
  const known = selections.get(cluster);
  if (known) return known;
  const cm = clusterModel(cluster);
  const model = tierModelOf(cluster);
  const ranges = new WeakMap<TierPeer, readonly Cidr[]>();
  const s: Selection = {
    admin: model.admin,
    baseline: model.baseline,
    subjectSelectsPod: (policy, pod) => subjectSelects(policy, pod, cm.namespaceLabels(pod.namespace)),
    tierPeerSelectsPod: (peer, pod) =>
      (peer.kind === 'namespaces' || peer.kind === 'pods') && tierPeerMatches(model, peer, { pod, nsLabels: cm.namespaceLabels(pod.namespace), ips: pod.ips }),
    tierPeerRanges(peer) {
      let r = ranges.get(peer);
      if (r) return r;
      if (peer.kind === 'networks') r = model.cidrs(peer);
      else if (peer.kind === 'nodes') r = [...model.nodeAddresses(peer)].map(single).filter((c): c is Cidr => c !== undefined);
      else r = [];
      ranges.set(peer, r);
      return r;
    },
  };
  selections.set(cluster, s);
  return s;
}
