import { clusterDnsPods, evaluate, ipBlockRanges, parseCidr, parseIP, portSpecMatches, selectorMatches, type Cluster, type Peer, type Pod, type Policy, type Protocol, type Rule, type Service } from '@kordon/engine';
import type { Finding } from '../types.js';
import { effectiveRules, type LintModel } from './model.js';
import { atPolicy, few, policyName, type LintRule } from './rule.js';

/** The cluster DNS pods, or the engine's assumed stand-in when the input has none (as `kordon check` does). */
export const dnsPods = clusterDnsPods;

/** For each egress rule, the Services whose endpoints it admits on the Service's target port, computed once per rule. */
function serviceReach(model: LintModel): { reach: (policy: Policy, rule: Rule) => Service[]; endpoints: Map<Service, Pod[]> } {
  const cluster = model.cluster;
  const endpoints = new Map<Service, Pod[]>();
  const byPod = new Map<Pod, Array<{ svc: Service; port: number; protocol: Protocol }>>();
  // serviceEndpoints scans every pod; the Service's own pods are enough here (same rule: ready pods matching the selector).
  for (const svc of cluster.services) {
    if (svc.selector === undefined) continue;
    const eps = Object.keys(svc.selector).length === 0 ? [] : model.servicePods(svc).filter((p) => p.ready);
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

const dnsSelectorText = (c: Cluster): string => `${Object.entries(c.dns.selector).map(([k, v]) => `${k}: ${v}`).join(', ')}`;

const rule: LintRule = {
  id: 'dns-blocked',
  severity: 'error',
  title: 'Egress-isolated pods cannot reach the cluster DNS',
  description:
    'A pod isolated for egress needs a rule that allows UDP (and TCP) port 53 to the cluster DNS pods. Without it every `curl svc.ns` fails at name resolution, before any connection to the Service is tried, even when egress to the Service itself is allowed.',
  check(model: LintModel): Finding[] {
    const cluster = model.cluster;
    const dns = dnsPods(cluster);
    // A pod's own egress depends only on the policies that isolate it: pods isolated by the same policies share it.
    const groups = new Map<string, { policies: readonly Policy[]; pods: Pod[] }>();
    for (const p of cluster.pods) {
      if (p.hostNetwork || dns.pods.includes(p)) continue;
      const iso = model.isolating(p, 'egress');
      // A pod whose egress is closed entirely is not meant to talk to anything: no names to resolve.
      if (iso.length === 0 || !iso.some((x) => effectiveRules(x, 'egress').length > 0)) continue;
      const key = `${p.namespace}\u0000${iso.map((x) => x.id).join('\u0000')}`;
      const g = groups.get(key);
      if (g) g.pods.push(p);
      else groups.set(key, { policies: iso, pods: [p] });
    }
    const { reach, endpoints } = serviceReach(model);
    const dnsIngressIsolated = dns.pods.some((d) => model.isolating(d, 'ingress').length > 0);
    const blockedBy = new Map<Policy, { pods: Pod[]; services: Set<string> }>();
    const lookupCache = new Map<string, boolean>();
    for (const { policies, pods } of groups.values()) {
      // Services its egress rules admit: the ones it would call by name, and will not reach without DNS.
      const reachable = new Set<Service>();
      for (const policy of policies) for (const rule of effectiveRules(policy, 'egress')) for (const s of reach(policy, rule)) reachable.add(s);
      if (reachable.size === 0) continue;
      // A Service whose only endpoint is the pod itself is not a reason to look names up.
      const callsOthers = (pod: Pod) => [...reachable].filter((svc) => (endpoints.get(svc) ?? []).some((e) => e !== pod));
      const candidates = pods.filter((p) => callsOthers(p).length > 0);
      if (candidates.length === 0) continue;
      const rep = candidates[0]!;
      const udp53 = (p: Pod, d: Pod) => evaluate(cluster, { from: { kind: 'pod', pod: p }, to: { kind: 'pod', pod: d }, port: 53, protocol: 'UDP' });
      // Egress is shared by the group; the DNS pods' ingress (rarely isolated) may tell members apart by labels.
      const egressOk = dns.pods.filter((d) => udp53(rep, d).egress.allowed);
      const resolves = (p: Pod): boolean => {
        if (egressOk.length === 0) return false;
        if (!dnsIngressIsolated) return true;
        const key = `${p.namespace}\u0000${JSON.stringify(p.labels)}\u0000${p.ips.join(',')}`;
        let ok = lookupCache.get(key);
        if (ok === undefined) lookupCache.set(key, (ok = egressOk.some((d) => udp53(p, d).allowed)));
        return ok;
      };
      const affected = candidates.filter((p) => !resolves(p));
      if (affected.length === 0) continue;
      const names = [...new Set(affected.flatMap(callsOthers))].map((svc) => `${svc.name}.${svc.namespace}`);
      const owner = policies.find((p) => effectiveRules(p, 'egress').length > 0) ?? policies[0]!;
      let e = blockedBy.get(owner);
      if (!e) blockedBy.set(owner, (e = { pods: [], services: new Set() }));
      e.pods.push(...affected);
      for (const s of names.slice(0, 5)) e.services.add(s);
    }
    const out: Finding[] = [];
    for (const [policy, { pods, services: svcs }] of blockedBy) {
      const who = few(pods.map((p) => `${p.namespace}/${p.name}`));
      const names = [...svcs];
      out.push(
        atPolicy(rule, model, policy, policy.egress.length > 0 ? ['spec', 'egress'] : ['spec', 'policyTypes'], {
          message: `${who} ${pods.length === 1 ? 'is' : 'are'} isolated for egress (by ${policyName(policy)}${model.isolating(pods[0]!, 'egress').length > 1 ? ' and others' : ''}) and cannot reach the cluster DNS on UDP 53`,
          explanation: `${names.length ? `Egress to ${few(names)} is allowed, but a request to such a name` : 'A request by name'} first asks the DNS pods in ${cluster.dns.namespace} (${dnsSelectorText(cluster)})${dns.assumed ? ', assumed present since the input has none' : ''}; no egress rule allows that lookup, so it times out and the connection is never tried.`,
          fix: `add an egress rule: to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${cluster.dns.namespace}}}, podSelector: {matchLabels: {${dnsSelectorText(cluster)}}}}], ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]`,
        }),
      );
    }
    return out;
  },
};

export const dnsRules: LintRule[] = [rule];
