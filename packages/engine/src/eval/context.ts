import { ipBlockContains, parseCidr, parseIP, type IP, type IPBlock } from '../net/ip.js';
import type { Cluster, Labels, Peer, Policy } from '../model/types.js';

/** Lookups built once per cluster and shared by every query on it. */
export interface EvalContext {
  cluster: Cluster;
  namespaceLabels: ReadonlyMap<string, Labels>;
  policiesByNamespace: ReadonlyMap<string, readonly Policy[]>;
  /** Parsed ipBlocks, by peer object. */
  ipBlock(peer: Extract<Peer, { kind: 'ipBlock' }>): IPBlock | undefined;
}

const contexts = new WeakMap<Cluster, EvalContext>();

export function contextOf(cluster: Cluster): EvalContext {
  let ctx = contexts.get(cluster);
  if (ctx) return ctx;
  const namespaceLabels = new Map<string, Labels>();
  for (const ns of cluster.namespaces) namespaceLabels.set(ns.name, ns.labels);
  const policiesByNamespace = new Map<string, Policy[]>();
  for (const p of cluster.policies) {
    const l = policiesByNamespace.get(p.namespace);
    if (l) l.push(p);
    else policiesByNamespace.set(p.namespace, [p]);
  }
  const blocks = new WeakMap<object, IPBlock | undefined>();
  ctx = {
    cluster,
    namespaceLabels,
    policiesByNamespace,
    ipBlock(peer) {
      if (blocks.has(peer)) return blocks.get(peer);
      const cidr = parseCidr(peer.cidr);
      const except = peer.except.map(parseCidr).filter((c) => c !== undefined);
      const b = cidr ? { cidr, except } : undefined;
      blocks.set(peer, b);
      return b;
    },
  };
  contexts.set(cluster, ctx);
  return ctx;
}

/** Labels of a namespace; a namespace not in the input still carries its name label. */
export function labelsOfNamespace(ctx: EvalContext, ns: string): Labels {
  return ctx.namespaceLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
}

export function ipBlockMatchesAny(block: IPBlock, ips: readonly string[]): boolean {
  for (const t of ips) {
    const ip: IP | undefined = parseIP(t);
    if (ip && ipBlockContains(block, ip)) return true;
  }
  return false;
}
