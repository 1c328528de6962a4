import type { Finding } from '../types.js';
import { atPolicy, type LintRule } from './rule.js';

const ignored: LintRule = {
  id: 'rules-ignored-by-policy-types',
  severity: 'error',
  title: 'Rules ignored because policyTypes omits their direction',
  description:
    'When spec.policyTypes is written, rules of a direction it does not list do nothing: egress rules under `policyTypes: [Ingress]` are ignored, and the pods stay open for egress.',
  check(model) {
    const out: Finding[] = [];
    for (const policy of model.cluster.policies) {
      if (policy.policyTypesDefaulted) continue;
      for (const direction of ['ingress', 'egress'] as const) {
        const isolated = direction === 'ingress' ? policy.ingressIsolation : policy.egressIsolation;
        const rules = direction === 'ingress' ? policy.ingress : policy.egress;
        if (isolated || rules.length === 0) continue;
        const type = direction === 'ingress' ? 'Ingress' : 'Egress';
        out.push(
          atPolicy(ignored, model, policy, ['spec', direction], {
            message: `${rules.length} ${direction} rule${rules.length === 1 ? ' is' : 's are'} ignored: policyTypes does not list ${type}`,
            explanation: `policyTypes is [${[policy.ingressIsolation ? 'Ingress' : '', policy.egressIsolation ? 'Egress' : ''].filter(Boolean).join(', ')}], so this policy does not isolate its pods for ${direction} and the API server keeps spec.${direction} without effect: ${direction} stays ${direction === 'egress' ? 'open to every destination' : 'open to every source'} unless another policy isolates it.`,
            fix: `add ${type} to spec.policyTypes, or delete spec.${direction} if it is not wanted`,
          }),
        );
      }
    }
    return out;
  },
};

export const policyTypeRules: LintRule[] = [ignored];
