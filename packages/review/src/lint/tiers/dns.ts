import { clusterDnsPods, evaluate, policyRefText, type ClusterPolicy, type Pod, type Protocol, type TierRule } from '@kordon/engine';
import type { Finding } from '../../types.js';
import { few, type LintRule } from '../rule.js';
import { atClusterPolicy, ruleText, sameRef } from './at.js';
import { tierSides } from './sides.js';

const LOOKUPS: ReadonlyArray<[number, Protocol]> = [
  [53, 'UDP'],
  [53, 'TCP'],
];

/**
 * A cluster policy rule that denies the subjects' DNS lookups: the usual Baseline "deny all egress" written without
 * an Accept for the cluster DNS before it. Judged by the engine's whole evaluation of the lookup (Admin, NetworkPolicy,
 * Baseline), so a NetworkPolicy or an Admin Accept that lets DNS out clears it.
 */
export const clusterDnsBlocked: LintRule = {
  id: 'cluster-dns-blocked',
  severity: 'error',
  title: 'Cluster policy denies DNS',
  description: 'A ClusterNetworkPolicy (or Admin/BaselineAdminNetworkPolicy) egress rule that denies the lookups of the pods it selects to the cluster DNS (UDP and TCP 53): every Service name they use fails to resolve.',
  check(model) {
    const out: Finding[] = [];
    if (model.cluster.clusterPolicies.length === 0) return out;
    const { pods: dns, assumed } = clusterDnsPods(model.cluster);
    const sides = tierSides(model.cluster);
    for (const policy of model.cluster.clusterPolicies) {
      if (policy.egress.length === 0) continue;
      const blocked = new Map<TierRule, { pods: Pod[]; lookups: Set<string> }>();
      for (const pod of sides.subjects(policy)) {
        if (dns.includes(pod)) continue;
        for (const [port, protocol] of LOOKUPS) {
          const rule = denyingRule(model.cluster, policy, pod, dns, port, protocol);
          if (!rule) continue;
          let b = blocked.get(rule);
          if (!b) blocked.set(rule, (b = { pods: [], lookups: new Set() }));
          if (!b.pods.includes(pod)) b.pods.push(pod);
          b.lookups.add(`${port}/${protocol}`);
        }
      }
      for (const [rule, b] of blocked) out.push(finding(policy, rule, b.pods, [...b.lookups], dns, assumed, model.cluster.dns.selector));
    }
    return out;
  },
};

/** The rule of this policy that denies the pod's lookup to every DNS pod, if one does. */
function denyingRule(cluster: Parameters<typeof evaluate>[0], policy: ClusterPolicy, pod: Pod, dns: readonly Pod[], port: number, protocol: Protocol): TierRule | undefined {
  let rule: TierRule | undefined;
  for (const d of dns) {
    const v = evaluate(cluster, { from: { kind: 'pod', pod }, to: { kind: 'pod', pod: d }, port, protocol });
    if (v.egress.allowed) return undefined;
    const step = v.egress.tiers?.find((s) => s.outcome === 'deny');
    if (!step || !sameRef(step.policy, policy.ref) || step.rule === undefined) return undefined;
    rule = policy.egress[step.rule];
  }
  return rule;
}

function finding(policy: ClusterPolicy, rule: TierRule, pods: readonly Pod[], lookups: readonly string[], dns: readonly Pod[], assumed: boolean, selector: Readonly<Record<string, string>>): Finding {
  const names = pods.map((p) => `${p.namespace}/${p.name}`);
  const target = assumed ? `the cluster DNS (assumed in ${dns[0]!.namespace}, labels ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',')})` : few(dns.map((p) => `${p.namespace}/${p.name}`));
  return atClusterPolicy(clusterDnsBlocked, policy, ['spec', 'egress', rule.index], {
    message: `${ruleText(policy, 'egress', rule.index, rule.name)} denies DNS lookups (${lookups.join(', ')}) of ${few(names)}`,
    explanation: `${policyRefText(policy.ref)} selects ${names.length === 1 ? 'this pod' : `these ${names.length} pods`}, and its ${rule.writtenAction || rule.action} rule matches their lookups to ${target} before anything lets them out, so every Service name they use fails to resolve.`,
    fix: `add an egress rule before this one (or in a policy with a lower priority value): ${acceptDns(policy, dns[0]!.namespace, selector)}`,
  });
}

/** The Accept rule for the cluster DNS, in the policy's own API version. */
function acceptDns(policy: ClusterPolicy, namespace: string, selector: Readonly<Record<string, string>>): string {
  const peer = `{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${namespace}}}, podSelector: {matchLabels: {${Object.entries(selector).map(([k, v]) => `${k}: ${v}`).join(', ')}}}}}`;
  return policy.ref.kind === 'ClusterNetworkPolicy'
    ? `{action: Accept, to: [${peer}], protocols: [{udp: {destinationPort: {number: 53}}}, {tcp: {destinationPort: {number: 53}}}]}`
    : `{action: Allow, to: [${peer}], ports: [{portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: TCP, port: 53}}]}`;
}
