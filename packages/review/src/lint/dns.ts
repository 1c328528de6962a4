import { evaluate, selectorMatches, serviceEndpoints, type Cluster, type Pod, type Policy } from '@kordon/engine';
import type { Finding } from '../types.js';
import { effectiveRules, type LintModel } from './model.js';
import { atPolicy, few, policyName, type LintRule } from './rule.js';

/** The cluster DNS pods, or a stand-in with the default labels when the input has none (as `kordon check` does). */
function dnsPods(cluster: Cluster): { pods: Pod[]; assumed: boolean } {
  const sel = { matchLabels: cluster.dns.selector, matchExpressions: [] };
  const pods = cluster.pods.filter((p) => p.namespace === cluster.dns.namespace && selectorMatches(sel, p.labels));
  if (pods.length > 0) return { pods, assumed: false };
  const stand: Pod = {
    namespace: cluster.dns.namespace,
    name: 'coredns (assumed)',
    labels: { ...cluster.dns.selector },
    ips: [],
    hostNetwork: false,
    ready: true,
    containerPorts: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
    fromTemplate: true,
  };
  return { pods: [stand], assumed: true };
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
    // Pods with the same namespace and labels share their egress verdicts: one evaluation per group.
    const groups = new Map<string, Pod[]>();
    for (const p of cluster.pods) {
      if (p.hostNetwork || dns.pods.includes(p)) continue;
      const key = `${p.namespace}\u0000${JSON.stringify(p.labels)}`;
      const l = groups.get(key);
      if (l) l.push(p);
      else groups.set(key, [p]);
    }
    const services = cluster.services.filter((s) => s.selector !== undefined);
    const endpoints = new Map(services.map((s) => [s, serviceEndpoints(cluster, s)]));
    const blockedBy = new Map<Policy, { pods: Pod[]; services: Set<string> }>();
    for (const pods of groups.values()) {
      const rep = pods[0]!;
      const iso = model.isolating(rep, 'egress');
      if (iso.length === 0) continue;
      // A pod whose egress is closed entirely is not meant to talk to anything: no names to resolve.
      if (!iso.some((p) => effectiveRules(p, 'egress').length > 0)) continue;
      const canResolve = dns.pods.some((d) => evaluate(cluster, { from: { kind: 'pod', pod: rep }, to: { kind: 'pod', pod: d }, port: 53, protocol: 'UDP' }).allowed);
      if (canResolve) continue;
      // Services its egress rules admit: the ones it would call by name, and will not reach.
      const reachable = new Set<string>();
      for (const svc of services) {
        const eps = endpoints.get(svc)!.filter((e) => e !== rep);
        const sp = svc.ports[0];
        if (!sp || eps.length === 0) continue;
        const target = eps[0]!;
        const port = typeof sp.targetPort === 'number' ? sp.targetPort : (target.containerPorts.find((c) => c.name === sp.targetPort)?.port ?? sp.port);
        if (evaluate(cluster, { from: { kind: 'pod', pod: rep }, to: { kind: 'pod', pod: target }, port, protocol: sp.protocol }).egress.allowed) reachable.add(`${svc.name}.${svc.namespace}`);
        if (reachable.size >= 3) break;
      }
      if (reachable.size === 0) continue;
      const owner = iso.find((p) => effectiveRules(p, 'egress').length > 0) ?? iso[0]!;
      let e = blockedBy.get(owner);
      if (!e) blockedBy.set(owner, (e = { pods: [], services: new Set() }));
      e.pods.push(...pods);
      for (const s of reachable) e.services.add(s);
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
