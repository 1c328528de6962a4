import { canonicalIP, checkConnection, clusterDnsPods, describeTierStep, type CheckResult, type Cluster, type Direction, type Pod, type Protocol } from '@kordon/engine';
import type { ExpectationFile } from '../expect/format.js';
import { runExpectation } from '../expect/run.js';
import type { ObservedFlow } from './flows.js';

/** One end of a concrete connection: a pod, or an address outside the cluster's pods. */
export type End = { kind: 'pod'; pod: Pod } | { kind: 'ip'; ip: string };

/** A concrete connection the policies must allow (or deny): pod or address to pod or address, on one port. */
export interface Need {
  src: End;
  dst: End;
  port: number;
  protocol: Protocol;
  /** Where it was asked for (first few), and how many times. */
  origins: string[];
  count: number;
  /** The directions that need a rule (a change to existing policies); every direction when absent. */
  sides?: ReadonlySet<Direction>;
}

export interface Requirements {
  allow: Need[];
  deny: Need[];
  /** Pods that look names up (a Service called by name) and so need DNS. */
  dnsNeeded: Set<Pod>;
  /** Pods whose DNS must stay closed, per protocol, because an expectation says so. */
  dnsDenied: Map<Pod, Set<Protocol>>;
  dnsPods: Pod[];
  /** Inputs that name nothing in the manifests, in words. */
  problems: string[];
  /** What the requirements keep as asked, in words (a lookup a cluster policy denies, left without DNS). */
  notes: string[];
}

const endKey = (e: End): string => (e.kind === 'pod' ? `${e.pod.namespace}/${e.pod.name}` : e.ip);
export const needKey = (n: { src: End; dst: End; port: number; protocol: Protocol }): string => `${endKey(n.src)}>${endKey(n.dst)}>${n.port}/${n.protocol}`;
export { endKey };

class NeedSet {
  readonly byKey = new Map<string, Need>();
  add(src: End, dst: End, port: number, protocol: Protocol, origin: string, key?: string): void {
    if (src.kind === 'pod' && dst.kind === 'pod' && src.pod === dst.pod) return; // a pod always reaches itself
    if (src.kind === 'ip' && dst.kind === 'ip') return; // neither end has a policy
    const n = { src, dst, port, protocol };
    const k = key ?? needKey(n);
    const had = this.byKey.get(k);
    if (had) {
      had.count++;
      if (had.origins.length < 3 && !had.origins.includes(origin)) had.origins.push(origin);
    } else this.byKey.set(k, { ...n, origins: [origin], count: 1 });
  }
}

/** Names to ends, fast for pods and addresses; anything else goes through the engine's own resolution. */
class Resolver {
  private readonly pods = new Map<string, Pod>();
  private readonly byIp = new Map<string, Pod>();
  private readonly clusterIPs = new Set<string>();
  constructor(readonly cluster: Cluster) {
    for (const s of cluster.services) for (const ip of s.clusterIPs) this.clusterIPs.add(ip);
    for (const p of cluster.pods) {
      this.pods.set(`${p.namespace}/${p.name}`, p);
      if (!p.hostNetwork) for (const ip of p.ips) if (!this.byIp.has(ip)) this.byIp.set(ip, p);
    }
  }
  pod(name: string): Pod | undefined {
    return this.pods.get(name);
  }
  /** A name that is one pod or one address, without a Service in between; undefined when it needs the engine. */
  direct(name: string): End | undefined {
    const pod = this.pods.get(name);
    if (pod) return { kind: 'pod', pod };
    const ip = canonicalIP(name);
    if (ip === undefined) return undefined;
    const byIp = this.byIp.get(ip);
    if (byIp) return { kind: 'pod', pod: byIp };
    if (this.clusterIPs.has(ip)) return undefined;
    return { kind: 'ip', ip };
  }
  /** A hop name of checkConnection (`ns/pod` or an address) as an end. */
  hop(name: string): End | undefined {
    return this.direct(name) ?? (canonicalIP(name) ? { kind: 'ip', ip: canonicalIP(name)! } : undefined);
  }
}

/** The cluster DNS pods of the input (none when only the engine's stand-in would stand for them). */
function dnsServers(cluster: Cluster): Pod[] {
  const dns = clusterDnsPods(cluster);
  return dns.assumed ? [] : dns.pods;
}

/**
 * Turns expectations and observed flows into concrete connections, over a cluster without policies: every name, Service
 * and target port is resolved by the engine (`checkConnection`, the same call as `kordon test`).
 */
export function requirements(base: Cluster, files: readonly ExpectationFile[], flows: readonly ObservedFlow[]): Requirements {
  const r = new Resolver(base);
  const allow = new NeedSet();
  const deny = new NeedSet();
  const dnsNeeded = new Set<Pod>();
  const dnsDenied = new Map<Pod, Set<Protocol>>();
  const dnsPods = dnsServers(base);
  const isDns = new Set(dnsPods);
  const problems: string[] = [];
  const notes: string[] = [];

  const denyDns = (pod: Pod, protos: readonly Protocol[]) => {
    const s = dnsDenied.get(pod) ?? new Set<Protocol>();
    for (const p of protos) s.add(p);
    dnsDenied.set(pod, s);
  };
  // Allowed expectations first: a denied one through a Service name whose connections must all work is a denied lookup.
  const denied: Array<{ origin: string; hops: Array<{ src: End; dst: End; port: number; protocol: Protocol }>; byName: boolean }> = [];
  const lookups: Array<{ origin: string; check: CheckResult }> = [];
  for (const f of files) {
    for (const x of f.expectations) {
      const res = runExpectation(base, x);
      const origin = `${x.location.file}:${x.location.line} ${x.name}`;
      if (res.actual === 'error') {
        problems.push(`${origin}: ${res.summary}`);
        continue;
      }
      for (const c of res.checks) {
        const byName = c.service !== undefined && canonicalIP(x.to.kind === 'name' ? x.to.text : '') === undefined;
        const hops: Array<{ src: End; dst: End; port: number; protocol: Protocol }> = [];
        for (const h of c.hops) {
          if (h.purpose !== 'connect') continue;
          const src = r.hop(h.from);
          const dst = r.hop(h.to);
          if (src && dst) hops.push({ src, dst, port: h.port, protocol: h.protocol });
        }
        if (x.expect === 'denied') {
          if (c.dns && !c.dns.allowed) lookups.push({ origin, check: c });
          denied.push({ origin, hops, byName });
          continue;
        }
        for (const h of hops) {
          allow.add(h.src, h.dst, h.port, h.protocol, origin);
          if (byName && h.src.kind === 'pod') dnsNeeded.add(h.src.pod);
        }
      }
    }
  }
  for (const l of lookups) deniedLookup(r, l.origin, l.check, isDns, deny, denyDns, notes);
  for (const d of denied) {
    if (d.byName && d.hops.length > 0 && d.hops.every((h) => allow.byKey.has(needKey(h)))) {
      for (const h of d.hops) if (h.src.kind === 'pod') denyDns(h.src.pod, ['UDP', 'TCP']);
      continue;
    }
    for (const h of d.hops) {
      deny.add(h.src, h.dst, h.port, h.protocol, d.origin);
      if (h.src.kind === 'pod' && h.dst.kind === 'pod' && isDns.has(h.dst.pod) && h.port === 53) denyDns(h.src.pod, [h.protocol]);
    }
  }

  // Flows repeat: resolve each distinct (from, to, port) once.
  const seen = new Map<string, Array<{ src: End; dst: End; port: number; protocol: Protocol; byName: boolean; key: string }> | string>();
  for (const fl of flows) {
    const key = `${fl.from}\u0000${fl.to}\u0000${fl.port}/${fl.protocol}`;
    let hops = seen.get(key);
    if (hops === undefined) {
      const found = resolveFlow(base, r, fl);
      hops = typeof found === 'string' ? found : found.map((h) => ({ ...h, key: needKey(h) }));
      seen.set(key, hops);
      if (typeof hops === 'string') problems.push(`${fl.origin}: ${hops}`);
    }
    if (typeof hops === 'string') continue;
    for (const h of hops) {
      allow.add(h.src, h.dst, h.port, h.protocol, fl.origin, h.key);
      if (h.byName && h.src.kind === 'pod') dnsNeeded.add(h.src.pod);
    }
  }
  // A flow to the DNS pods on port 53 is a lookup: the pod needs DNS.
  for (const n of allow.byKey.values()) if (n.src.kind === 'pod' && n.dst.kind === 'pod' && isDns.has(n.dst.pod) && n.port === 53) dnsNeeded.add(n.src.pod);
  return { allow: [...allow.byKey.values()], deny: [...deny.byKey.values()], dnsNeeded, dnsDenied, dnsPods, problems, notes };
}

/**
 * A denied expectation whose lookup the input already denies (a cluster policy, before any NetworkPolicy): the lookup is
 * what must stay denied. Once the generated policies isolate the client's egress, Baseline is no longer consulted, so
 * the client gets no DNS egress and each lookup hop is proved denied.
 */
function deniedLookup(r: Resolver, origin: string, c: CheckResult, isDns: ReadonlySet<Pod>, deny: NeedSet, denyDns: (pod: Pod, protos: readonly Protocol[]) => void, notes: string[]): void {
  const why = new Set<string>();
  const clients = new Set<Pod>();
  for (const h of c.dns?.hops ?? []) {
    if (h.verdict.allowed) continue;
    const src = r.hop(h.from);
    const dst = r.hop(h.to);
    if (!src || src.kind !== 'pod' || !dst || dst.kind !== 'pod' || !isDns.has(dst.pod)) continue;
    clients.add(src.pod);
    for (const proto of ['UDP', 'TCP'] as const) deny.add(src, dst, h.port, proto, origin);
    const step = [...(h.verdict.egress.tiers ?? [])].reverse().find((t) => t.outcome === 'deny');
    if (step) why.add(describeTierStep(step));
  }
  for (const pod of clients) {
    denyDns(pod, ['UDP', 'TCP']);
    const by = why.size > 0 ? `, as ${[...why].join('; ')} decides in the input` : '';
    notes.push(`no DNS egress for ${pod.namespace}/${pod.name}: ${origin} expects its lookups denied${by}`);
  }
}

function resolveFlow(base: Cluster, r: Resolver, fl: ObservedFlow): Array<{ src: End; dst: End; port: number; protocol: Protocol; byName: boolean }> | string {
  const src = r.direct(fl.from);
  const dst = r.direct(fl.to);
  if (src && dst) return [{ src, dst, port: fl.port, protocol: fl.protocol, byName: false }];
  // Workloads and Services: the engine resolves them (a Service to its endpoints and target port).
  const c = checkConnection(base, { from: fl.from, to: fl.to, port: `${fl.port}/${fl.protocol}` });
  if (c.hops.length === 0) return c.problems[0] ?? c.summary;
  const byName = c.service !== undefined && canonicalIP(fl.to) === undefined;
  const out: Array<{ src: End; dst: End; port: number; protocol: Protocol; byName: boolean }> = [];
  for (const h of c.hops) {
    if (h.purpose !== 'connect') continue;
    const s = r.hop(h.from);
    const d = r.hop(h.to);
    if (s && d) out.push({ src: s, dst: d, port: h.port, protocol: h.protocol, byName });
  }
  return out;
}
