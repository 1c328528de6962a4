import { ipBlockRanges, parseCidr, parseIP, ipBlockContains, type Cidr, type IPBlock } from '../net/ip.js';
import type { Cluster, Peer, Pod } from '../model/types.js';
import { effectiveBlockPeers } from '../matrix/observed.js';

/**
 * Whether an ipBlock matches a pod, including a stand-in pod from a workload template whose IP is unknown.
 * `yes`/`no` for a pod with IPs; for a stand-in, judged against the pod network (`--pod-cidr`): `yes` when the block
 * (minus its excepts) covers the whole pod network, `no` when it is disjoint from it, `depends` otherwise (and always
 * when no pod network is known). `depends` never matches: the verdict is then noted as depending on the pod's IP.
 */
export type PodInBlock = 'yes' | 'no' | 'depends';

export function podInBlock(block: IPBlock, pod: Pod, podNetwork: readonly Cidr[] | undefined): PodInBlock {
  if (pod.ips.length > 0 || pod.hostNetwork) {
    for (const t of pod.ips) {
      const ip = parseIP(t);
      if (ip && ipBlockContains(block, ip)) return 'yes';
    }
    return 'no';
  }
  return standInInBlock(block, podNetwork);
}

/**
 * A pod with no IP against one block: whole pod network inside, outside, or straddling. Only the ranges of the
 * block's family count: a dual-stack pod has an address of each family, and the block matches when one of them is in it.
 */
export function standInInBlock(block: IPBlock, podNetwork: readonly Cidr[] | undefined): PodInBlock {
  if (!podNetwork || podNetwork.length === 0) return 'depends';
  let inside = 0;
  let outside = 0;
  for (const net of podNetwork) {
    if (net.family !== block.cidr.family) continue;
    const covered = coveredBy(block, net);
    if (covered === 0n) outside++;
    else if (covered === net.end - net.start + 1n) inside++;
    else return 'depends';
  }
  return inside === 0 ? 'no' : outside === 0 ? 'yes' : 'depends';
}

/** How many addresses of `net` the block holds. */
function coveredBy(block: IPBlock, net: Cidr): bigint {
  if (block.cidr.family !== net.family) return 0n;
  let n = 0n;
  for (const [s, e] of ipBlockRanges(block)) {
    const lo = s > net.start ? s : net.start;
    const hi = e < net.end ? e : net.end;
    if (lo <= hi) n += hi - lo + 1n;
  }
  return n;
}

type BlockPeer = Extract<Peer, { kind: 'ipBlock' }>;

function parsedBlock(peer: BlockPeer): IPBlock | undefined {
  const cidr = parseCidr(peer.cidr);
  return cidr ? { cidr, except: peer.except.map(parseCidr).filter((c): c is Cidr => c !== undefined) } : undefined;
}

/** An ipBlock in words: `cidr` or `cidr except a, b`. */
export function blockText(peer: BlockPeer): string {
  return `${peer.cidr}${peer.except.length ? ` except ${peer.except.join(', ')}` : ''}`;
}

/** The pod network of a cluster, parsed once. */
const parsed = new WeakMap<Cluster, readonly Cidr[] | undefined>();
export function podNetworkOf(cluster: Cluster): readonly Cidr[] | undefined {
  if (parsed.has(cluster)) return parsed.get(cluster);
  const cidrs = cluster.network?.podCidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  const out = cidrs && cidrs.length > 0 ? cidrs : undefined;
  parsed.set(cluster, out);
  return out;
}

/** Pods with no IP and the ipBlocks of effective rules that may or may not hold them. */
export interface UnknownPodIPs {
  /** `ns/name` of the stand-in pods. */
  pods: string[];
  /** The ipBlocks in words (`cidr` or `cidr except …`). */
  blocks: string[];
}

/**
 * Verdicts that depend on pods' unknown IPs, for the whole cluster: empty when every pod has an IP, no rule has an
 * ipBlock, or the pod network (`--pod-cidr`) lies wholly inside or outside every block.
 */
export function unknownPodIPs(cluster: Cluster): UnknownPodIPs {
  const pods = cluster.pods.filter((p) => p.ips.length === 0 && !p.hostNetwork).map((p) => `${p.namespace}/${p.name}`);
  if (pods.length === 0) return { pods, blocks: [] };
  const net = podNetworkOf(cluster);
  const blocks = new Set<string>();
  for (const peer of effectiveBlockPeers(cluster.policies)) {
    const block = parsedBlock(peer);
    if (block && standInInBlock(block, net) === 'depends') blocks.add(blockText(peer));
  }
  return blocks.size ? { pods, blocks: [...blocks] } : { pods: [], blocks: [] };
}

/** The sentence every command prints for `unknownPodIPs`, or undefined when nothing depends on them. */
export function unknownPodIPNote(cluster: Cluster): string | undefined {
  const u = unknownPodIPs(cluster);
  if (u.blocks.length === 0) return undefined;
  const n = u.pods.length;
  const why = cluster.network?.podCidrs.length
    ? `: the pod network ${cluster.network.podCidrs.join(', ')} straddles ${u.blocks.length === 1 ? 'that block' : 'those blocks'}`
    : '; give --pod-cidr to judge them against the pod network';
  return `${n} pod${n === 1 ? ' has' : 's have'} no IP (workload templates): verdicts between ${n === 1 ? 'it' : 'them'} and ipBlock ${u.blocks.join(', ')} depend on the pod's IP (counted as not matching${why})`;
}

/**
 * ipBlocks that overlap the Service network (`--service-cidr`): policies see the pod a Service sends a connection to,
 * never its ClusterIP, so those addresses in a block admit nothing.
 */
export function serviceNetworkNote(cluster: Cluster): string | undefined {
  const nets = (cluster.network?.serviceCidrs ?? []).map((t) => [t, parseCidr(t)] as const).filter((x): x is readonly [string, Cidr] => x[1] !== undefined);
  if (nets.length === 0) return undefined;
  const hits = new Set<string>();
  for (const peer of effectiveBlockPeers(cluster.policies)) {
    const block = parsedBlock(peer);
    if (block) for (const [text, net] of nets) if (coveredBy(block, net) > 0n) hits.add(`${peer.cidr} (Service network ${text})`);
  }
  if (hits.size === 0) return undefined;
  return `ipBlock ${[...hits].join(', ')} holds Service addresses: policies see the pod a Service sends a connection to, not its ClusterIP, so those addresses admit nothing; select the pods instead`;
}
