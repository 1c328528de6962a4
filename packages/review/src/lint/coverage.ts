import { selectorIsEmpty, subjectSelectsPod, type Cluster, type Direction, type Pod } from '@kordon/engine';
import type { Finding } from '../types.js';
import type { LintModel } from './model.js';
import { atObject, few, type LintRule } from './rule.js';

/** Pods grouped by what owns them, so a 50-replica Deployment is one finding, not fifty. */
function byWorkload(pods: readonly Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of pods) {
    const key = p.owner ? `${p.namespace}/${p.owner.kind}/${p.owner.name}` : `${p.namespace}/Pod/${p.name}`;
    const l = out.get(key);
    if (l) l.push(p);
    else out.set(key, [p]);
  }
  return out;
}

/** A cluster policy with rules for the direction selects the pod: its traffic is filtered by the tiers (Pass: see pass-without-networkpolicy). */
const tierGoverned = (cluster: Cluster, pod: Pod, direction: Direction): boolean =>
  cluster.clusterPolicies.some((c) => (direction === 'ingress' ? c.ingress : c.egress).length > 0 && subjectSelectsPod(cluster, c, pod));

function unselected(direction: Direction): LintRule {
  const rule: LintRule = {
    id: `${direction}-unprotected`,
    severity: 'info',
    title: `Pods selected by no ${direction} policy`,
    description: `A pod that no NetworkPolicy selects with ${direction === 'ingress' ? 'Ingress' : 'Egress'} in its policyTypes, and no cluster policy with ${direction} rules selects, is not isolated for ${direction}: every ${direction === 'ingress' ? 'source may connect to it' : 'destination is open to it'}.`,
    check(model: LintModel): Finding[] {
      const open = model.cluster.pods.filter((p) => !p.hostNetwork && model.isolating(p, direction).length === 0 && !tierGoverned(model.cluster, p, direction));
      const out: Finding[] = [];
      for (const [key, pods] of byWorkload(open)) {
        const first = pods[0]!;
        const [ns, kind, name] = key.split('/') as [string, string, string];
        const what = kind === 'Pod' ? `pod ${ns}/${name}` : `${kind} ${ns}/${name} (${pods.length} pod${pods.length === 1 ? '' : 's'})`;
        out.push(
          atObject(rule, { kind, namespace: ns, name }, first.source, {
            message: `${what} is selected by no policy for ${direction}: all ${direction} is allowed`,
            explanation: `No NetworkPolicy in namespace ${ns} selects these pods with ${direction === 'ingress' ? 'Ingress' : 'Egress'} in policyTypes, so the network plugin does not filter their ${direction} at all.`,
            fix: `add a default-deny policy for ${direction} in ${ns} (podSelector: {}, policyTypes: [${direction === 'ingress' ? 'Ingress' : 'Egress'}]) and allow what ${name} needs`,
          }),
        );
      }
      return out;
    },
  };
  return rule;
}

function defaultDeny(direction: Direction): LintRule {
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  const rule: LintRule = {
    id: `no-default-deny-${direction}`,
    severity: 'info',
    title: `Namespace without a default deny for ${direction}`,
    description: `A namespace where no policy selects every pod (podSelector: {}) for ${type} leaves every pod added later open for ${direction}.`,
    check(model: LintModel): Finding[] {
      const out: Finding[] = [];
      const covered = new Set<string>();
      const withPolicies = new Map<string, number>();
      for (const p of model.cluster.policies) {
        withPolicies.set(p.namespace, (withPolicies.get(p.namespace) ?? 0) + 1);
        if ((direction === 'ingress' ? p.ingressIsolation : p.egressIsolation) && selectorIsEmpty(p.podSelector)) covered.add(p.namespace);
      }
      for (const ns of model.cluster.namespaces) {
        if (covered.has(ns.name)) continue;
        const pods = model.podsIn(ns.name);
        // A namespace the input only names (no pods, no policies) says nothing about its defaults.
        if (pods.length === 0 && !withPolicies.has(ns.name)) continue;
        const firstPolicy = model.cluster.policies.find((p) => p.namespace === ns.name);
        const loc = ns.source ?? firstPolicy?.source ?? pods[0]?.source;
        out.push(
          atObject(rule, { kind: 'Namespace', name: ns.name }, loc, {
            message: `namespace ${ns.name} has no default deny for ${direction}`,
            explanation: `No policy in ${ns.name} selects all pods (podSelector: {}) with ${type} in policyTypes${pods.length ? `; ${pods.length} pod${pods.length === 1 ? '' : 's'} here (${few(pods.map((p) => p.name))}) rely on per-workload policies` : ''}, and a new workload starts with all ${direction} open.`,
            fix: `add a policy in ${ns.name} with podSelector: {} and policyTypes: [${type}] (no ${direction} rules), then allow what each workload needs`,
          }),
        );
      }
      return out;
    },
  };
  return rule;
}

export const coverageRules: LintRule[] = [unselected('ingress'), unselected('egress'), defaultDeny('ingress'), defaultDeny('egress')];
