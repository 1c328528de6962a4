import { policyRefText, type ClusterPolicy, type LabelSelector } from '@kordon/engine';
import type { Finding } from '../../types.js';
import type { LintModel } from '../model.js';
import type { LintRule } from '../rule.js';
import { atClusterPolicy } from './at.js';
import { tierSides } from './sides.js';

const empty = (s: LabelSelector) => Object.keys(s.matchLabels).length === 0 && s.matchExpressions.length === 0;

/** Whether the input can tell: pods exist, and namespace labels are known when the subject reads them. */
function judgeable(model: LintModel, policy: ClusterPolicy): boolean {
  if (!model.hasPods) return false;
  return empty(policy.subject.namespaceSelector) || model.cluster.namespaces.some((n) => n.declared);
}

export const subjectSelectsNothing: LintRule = {
  id: 'subject-selects-nothing',
  severity: 'warning',
  title: 'Cluster policy subject selects no pod',
  description: 'A ClusterNetworkPolicy (or AdminNetworkPolicy/BaselineAdminNetworkPolicy) whose subject selects no pod of the given cluster has no effect. Host-network pods are never subjects. Namespace selectors are judged only when the input declares Namespaces.',
  check(model) {
    const out: Finding[] = [];
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
