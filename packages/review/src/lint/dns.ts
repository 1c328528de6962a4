import { cidrWithin, clusterDnsPods, evaluate, ipBlockRanges, parseCidr, parseIP, portSpecMatches, serviceEndpoints, type Cidr, type Cluster, type Peer, type Pod, type Policy, type Protocol, type Rule, type Service } from '@kordon/engine';
import type { Finding } from '../types.js';
import { effectiveRules, type LintModel } from './model.js';
import { atPolicy, few, policyName, type FindingText, type LintRule } from './rule.js';

/** For each egress rule, the Services whose endpoints it admits on the Service's target port, computed once per rule. */
function serviceReach(model: LintModel): { reach: (policy: Policy, rule: Rule) => Service[]; endpoints: Map<Service, Pod[]> } {
  const cluster = model.cluster;
  const endpoints = new Map<Service, Pod[]>();
  const byPod = new Map<Pod, Array<{ svc: Service; port: number; protocol: Protocol }>>();
  for (const svc of cluster.services) {
    if (svc.selector === undefined) continue;
    const eps = serviceEndpoints(cluster, svc);
    endpoints.set(svc, eps);
    for (const sp of svc.ports) {
      for (const pod of eps) {
        const port = typeof sp.targetPort === 'number' ? sp.targetPort : pod.containerPorts.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.port;
        if (port === undefined) continue;
        const l = byPod.get(pod);
        if (l) l.push({ svc, port, protocol: sp.protocol });
        else byPod.set(pod, [{ svc, port, protocol: sp.protocol }]);
      }
    }
  }
  // Endpoint addresses sorted once: an ipBlock finds its pods by binary search over its ranges.
  const addrs: Array<{ family: number; value: bigint; pod: Pod }> = [];
  for (const pod of byPod.keys()) for (const ip of pod.ips) {
    const a = parseIP(ip);
    if (a) addrs.push({ family: a.family, value: a.value, pod });
  }
  addrs.sort((a, b) => a.family - b.family || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const inBlock = (peer: Extract<Peer, { kind: 'ipBlock' }>): Pod[] => {
    const cidr = parseCidr(peer.cidr);
    if (!cidr) return [];
    const out: Pod[] = [];
    for (const [s, e] of ipBlockRanges({ cidr, except: peer.except.map(parseCidr).filter((c) => c !== undefined) })) {
      let lo = 0;
      let hi = addrs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const a = addrs[mid]!;
        if (a.family < cidr.family || (a.family === cidr.family && a.value < s)) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < addrs.length && addrs[i]!.family === cidr.family && addrs[i]!.value <= e && out.length < 64; i++) out.push(addrs[i]!.pod);
    }
    return out;
  };
  const cache = new Map<Rule, Service[]>();
  const reach = (policy: Policy, rule: Rule): Service[] => {
    let r = cache.get(rule);
    if (r) return r;
    const found = new Set<Service>();
    const candidates: Iterable<Pod> = rule.peers === null ? byPod.keys() : rule.peers.flatMap((peer) => (peer.kind === 'ipBlock' ? inBlock(peer) : model.peerPods(policy, peer)));
    for (const pod of candidates) {
      for (const t of byPod.get(pod) ?? []) {
        if (rule.ports === null || rule.ports.some((s) => portSpecMatches(s, t.port, t.protocol, pod))) found.add(t.svc);
      }
      if (found.size > 8) break;
    }
    r = [...found];
    cache.set(rule, r);
    return r;
  };
  return { reach, endpoints };
}

/**
 * The ipBlocks of an egress rule that reach past the cluster's own networks (`--pod-cidr`, `--service-cidr`; every
 * ipBlock when they are not given): hosts there, as `api.partner.example`, are called by name, so they need the DNS as
 * much as a Service does.
 */
function outsideBlocks(own: readonly Cidr[], rule: Rule): string[] {
  return (rule.peers ?? []).flatMap((peer) => {
    if (peer.kind !== 'ipBlock') return [];
    const cidr = parseCidr(peer.cidr);
    return cidr && !own.some((o) => cidrWithin(cidr, o)) ? [peer.cidr] : [];
  });
}

const dnsSelectorText = (c: Cluster): string => `${Object.entries(c.dns.selector).map(([k, v]) => `${k}: ${v}`).join(', ')}`;

/** Egress-isolated pods that cannot look names up, under the policy that isolates them, with what they reach. */
interface Blocked {
  pods: Pod[];
  /** Services they call (`name.namespace`), at most five per group. */
  services: Set<string>;
  /** ipBlocks past the cluster's networks they reach. */
  outside: Set<string>;
}

/**
 * Groups of egress-isolated pods whose lookups to every DNS pod are denied: `byService` those that call a Service
 * (a name, surely), `byOutside` those that reach only addresses outside the cluster (called by name or by address:
 * the manifests cannot tell). Computed once per model for both rules.
 */
interface BlockedLookups {
  byService: Map<Policy, Blocked>;
  byOutside: Map<Policy, Blocked>;
  /** No DNS pod in the input: the engine's stand-in was judged. */
  dnsAssumed: boolean;
}
const blockedCache = new WeakMap<LintModel, BlockedLookups>();
function blockedLookups(model: LintModel): BlockedLookups {
  const cached = blockedCache.get(model);
  if (cached) return cached;
  const cluster = model.cluster;
  const dns = clusterDnsPods(cluster);
  const { reach, endpoints } = serviceReach(model);
  const resolves = lookupJudge(model, dns.pods);
  const own = [...(cluster.network?.podCidrs ?? []), ...(cluster.network?.serviceCidrs ?? [])].flatMap((t) => parseCidr(t) ?? []);
  const result: BlockedLookups = { byService: new Map(), byOutside: new Map(), dnsAssumed: dns.assumed };
  for (const { policies, pods } of egressGroups(model, dns.pods)) {
    // Services its egress rules admit: the ones it would call by name, and will not reach without DNS.
    const reachable = new Set<Service>();
    const outside = new Set<string>();
    for (const policy of policies) {
      for (const rule of effectiveRules(policy, 'egress')) {
        for (const s of reach(policy, rule)) reachable.add(s);
        for (const b of outsideBlocks(own, rule)) outside.add(b);
      }
    }
    if (reachable.size === 0 && outside.size === 0) continue;
    // A Service whose only endpoint is the pod itself is not a reason to look names up.
    const callsOthers = (pod: Pod) => [...reachable].filter((svc) => (endpoints.get(svc) ?? []).some((e) => e !== pod));
    const affected = pods.filter((p) => (outside.size > 0 || callsOthers(p).length > 0) && !resolves(p, pods[0]!));
    const owner = policies.find((p) => effectiveRules(p, 'egress').length > 0) ?? policies[0]!;
    const add = (to: Map<Policy, Blocked>, list: Pod[]) => {
      if (list.length === 0) return;
      let e = to.get(owner);
      if (!e) to.set(owner, (e = { pods: [], services: new Set(), outside: new Set() }));
      e.pods.push(...list);
      for (const s of [...new Set(list.flatMap(callsOthers))].slice(0, 5)) e.services.add(`${s.name}.${s.namespace}`);
      for (const b of outside) e.outside.add(b);
    };
    add(result.byService, affected.filter((p) => callsOthers(p).length > 0));
    add(result.byOutside, affected.filter((p) => callsOthers(p).length === 0));
  }
  blockedCache.set(model, result);
  return result;
}

/** Egress-isolated pods (with some egress rule) by the policies that isolate them: pods so grouped share their egress. */
function egressGroups(model: LintModel, dnsPodList: readonly Pod[]): Array<{ policies: readonly Policy[]; pods: Pod[] }> {
  const groups = new Map<string, { policies: readonly Policy[]; pods: Pod[] }>();
  for (const p of model.cluster.pods) {
    if (p.hostNetwork || dnsPodList.includes(p)) continue;
    const iso = model.isolating(p, 'egress');
    // A pod whose egress is closed entirely is not meant to talk to anything: no names to resolve.
    if (iso.length === 0 || !iso.some((x) => effectiveRules(x, 'egress').length > 0)) continue;
    const key = `${p.namespace}\u0000${iso.map((x) => x.id).join('\u0000')}`;
    const g = groups.get(key);
    if (g) g.pods.push(p);
    else groups.set(key, { policies: iso, pods: [p] });
  }
  return [...groups.values()];
}

/** Whether a pod's UDP 53 lookup reaches some DNS pod; `rep` stands for its group, whose egress it shares. */
function lookupJudge(model: LintModel, dnsPodList: readonly Pod[]): (pod: Pod, rep: Pod) => boolean {
  const cluster = model.cluster;
  const udp53 = (p: Pod, d: Pod) => evaluate(cluster, { from: { kind: 'pod', pod: p }, to: { kind: 'pod', pod: d }, port: 53, protocol: 'UDP' });
  const dnsIngressIsolated = dnsPodList.some((d) => model.isolating(d, 'ingress').length > 0);
  const egressOk = new Map<Pod, Pod[]>();
  const lookupCache = new Map<string, boolean>();
  return (p, rep) => {
    let ok = egressOk.get(rep);
    if (!ok) egressOk.set(rep, (ok = dnsPodList.filter((d) => udp53(rep, d).egress.allowed)));
    if (ok.length === 0) return false;
    // Egress is shared by the group; the DNS pods' ingress (rarely isolated) may tell members apart by labels.
    if (!dnsIngressIsolated) return true;
    const key = `${p.namespace}\u0000${JSON.stringify(p.labels)}\u0000${p.ips.join(',')}`;
    let r = lookupCache.get(key);
    if (r === undefined) lookupCache.set(key, (r = ok.some((d) => udp53(p, d).allowed)));
    return r;
  };
}

const dnsFix = (c: Cluster): string =>
  `add an egress rule: to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${c.dns.namespace}}}, podSelector: {matchLabels: {${dnsSelectorText(c)}}}}], ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]`;
const dnsWhere = (c: Cluster, assumed: boolean): string => `the DNS pods in ${c.dns.namespace} (${dnsSelectorText(c)})${assumed ? ', assumed present since the input has none' : ''}`;
const isolatedWords = (model: LintModel, policy: Policy, pods: readonly Pod[]): string =>
  `${few(pods.map((p) => `${p.namespace}/${p.name}`))} ${pods.length === 1 ? 'is' : 'are'} isolated for egress (by ${policyName(policy)}${model.isolating(pods[0]!, 'egress').length > 1 ? ' and others' : ''})`;
const egressPath = (policy: Policy) => (policy.egress.length > 0 ? ['spec', 'egress'] : ['spec', 'policyTypes']);

/** One finding per isolating policy of a group of blocked lookups, worded by `words` (`dns` says where the DNS is). */
function report(r: LintRule, model: LintModel, which: 'byService' | 'byOutside', words: (b: Blocked, policy: Policy, dns: string) => FindingText): Finding[] {
  const blocked = blockedLookups(model);
  const dns = dnsWhere(model.cluster, blocked.dnsAssumed);
  return [...blocked[which]].map(([policy, b]) => atPolicy(r, model, policy, egressPath(policy), words(b, policy, dns)));
}

const rule: LintRule = {
  id: 'dns-blocked',
  severity: 'error',
  title: 'Egress-isolated pods cannot reach the cluster DNS',
  description:
    'A pod isolated for egress needs a rule that allows UDP (and TCP) port 53 to the cluster DNS pods. Without it every `curl svc.ns` fails at name resolution, before any connection to the Service is tried, even when egress to the Service itself is allowed.',
  check: (model) =>
    report(rule, model, 'byService', ({ pods, services }, policy, dns) => ({
      message: `${isolatedWords(model, policy, pods)} and cannot reach the cluster DNS on UDP 53`,
      explanation: `Egress to ${few([...services])} is allowed, but a request to such a name first asks ${dns}; no egress rule allows that lookup, so it times out and the connection is never tried.`,
      fix: dnsFix(model.cluster),
    })),
};

const outsideRule: LintRule = {
  id: 'dns-blocked-outside',
  severity: 'info',
  title: 'Egress-isolated pods reach addresses outside the cluster but not the cluster DNS',
  description:
    'A pod isolated for egress whose rules admit ipBlocks outside the cluster (every ipBlock, unless `--pod-cidr`/`--service-cidr` say which are the cluster\'s) but no lookup to the cluster DNS pods reaches those hosts by address only: a request to `api.partner.example` fails at name resolution. The manifests cannot say whether the hosts are called by name, so this is a note, not an error (`dns-blocked` is the error, for pods that call Services).',
  check: (model) =>
    report(outsideRule, model, 'byOutside', ({ pods, outside }, policy, dns) => ({
      message: `${isolatedWords(model, policy, pods)} and ${pods.length === 1 ? 'reaches' : 'reach'} ${few([...outside])} outside the cluster, but not the cluster DNS on UDP 53`,
      explanation: `Egress to ${few([...outside])} (outside the cluster) is allowed, but a request to a host there by name first asks ${dns}; no egress rule allows that lookup, so only connections by address work.`,
      fix: `if those hosts are called by name, ${dnsFix(model.cluster)}`,
    })),
};

export const dnsRules: LintRule[] = [rule, outsideRule];
