import { policyRefText, selectorIsEmpty, type ClusterPolicy } from '@kordon/engine';
import type { Finding } from '../../types.js';
import type { LintModel } from '../model.js';
import type { LintRule } from '../rule.js';
import { atClusterPolicy } from './at.js';
import { tierSides } from './sides.js';

const NAME = 'kubernetes.io/metadata.name';

/**
 * Whether the input can tell, as for NetworkPolicy selectors: the subject's namespaces have pods in the input, or its
 * namespaceSelector matches no namespace on a label other than the name while the input declares Namespaces (a
 * namespace the input never mentions may well exist).
 */
function judgeable(model: LintModel, policy: ClusterPolicy): boolean {
  if (!model.hasPods) return false;
  const sel = policy.subject.namespaceSelector;
  const matching = model.namespacesMatching(sel);
  if (matching.length > 0) return matching.some((n) => model.podsIn(n.name).length > 0);
  const byName = Object.keys(sel.matchLabels).includes(NAME) || sel.matchExpressions.some((e) => e.key === NAME);
  return !byName && !selectorIsEmpty(sel) && model.cluster.namespaces.some((n) => n.declared);
}

export const subjectSelectsNothing: LintRule = {
  id: 'subject-selects-nothing',
  severity: 'warning',
  title: 'Cluster policy subject selects no pod',
  description: 'A ClusterNetworkPolicy (or AdminNetworkPolicy/BaselineAdminNetworkPolicy) whose subject selects no pod of the given cluster has no effect. Host-network pods are never subjects. Judged where the namespaces concerned have pods in the input, or when the namespaceSelector matches no declared Namespace on a label other than the name.',
  check(model) {
    const out: Finding[] = [];
    if (model.cluster.clusterPolicies.length === 0) return out;
    const sides = tierSides(model.cluster);
    for (const policy of model.cluster.clusterPolicies) {
      if (!judgeable(model, policy) || sides.subjects(policy).length > 0) continue;
      const field = policy.subject.kind;
      out.push(
        atClusterPolicy(subjectSelectsNothing, policy, ['spec', 'subject', field], {
          message: `the subject of ${policyRefText(policy.ref)} (${field}) selects no pod of the input`,
          explanation: `No pod${field === 'pods' ? ' matches both the namespaceSelector and the podSelector' : ' runs in a namespace the selector matches'} (host-network pods are never subjects), so the policy decides nothing.`,
          fix: 'check the labels against the namespaces and pods of the cluster (namespace labels set with `kubectl label` are not in the manifests; kubernetes.io/metadata.name always is), or delete the policy',
        }),
      );
    }
    return out;
  },
};
