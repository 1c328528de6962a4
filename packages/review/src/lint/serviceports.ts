import { portSpecMatches, resolveNamedPort, selectorMatches, type Pod, type PortSpec, type Rule, type Service, type ServicePort } from '@kordon/engine';
import type { Finding } from '../types.js';
import type { LintModel } from './model.js';
import { atPolicy, few, type LintRule } from './rule.js';

/** A Service port that sends `port` on to another port of the pod: what policies see is the target. */
export interface ServicePortMapping {
  service: Service;
  servicePort: ServicePort;
  pods: Pod[];
  /** The target ports the pods receive on (a named targetPort may resolve differently per pod). */
  targets: number[];
}

/**
 * Services in front of `pods` with a port equal to `spec`'s number whose target is a different port, when the rule
 * admits none of those targets: the policy was written against the Service, not the pods.
 */
export function serviceMappingsFor(model: LintModel, rule: Rule, spec: PortSpec, pods: readonly Pod[]): ServicePortMapping[] {
  if (typeof spec.port !== 'number' || (spec.endPort !== null && spec.endPort !== spec.port)) return [];
  const out: ServicePortMapping[] = [];
  for (const service of model.cluster.services) {
    if (!service.selector) continue;
    const sel = { matchLabels: service.selector, matchExpressions: [] };
    const behind = pods.filter((p) => p.namespace === service.namespace && selectorMatches(sel, p.labels));
    if (behind.length === 0) continue;
    for (const sp of service.ports) {
      if (sp.port !== spec.port || sp.protocol !== spec.protocol) continue;
      const targets = [...new Set(behind.flatMap((p) => (typeof sp.targetPort === 'number' ? [sp.targetPort] : resolveNamedPort(p, sp.targetPort, sp.protocol))))];
      if (targets.length === 0 || targets.includes(spec.port)) continue;
      // Another entry of the same rule already admits the target: the Service port is there as well, not instead.
      if (behind.some((p) => targets.some((t) => (rule.ports ?? []).some((s) => portSpecMatches(s, t, sp.protocol, p))))) continue;
      out.push({ service, servicePort: sp, pods: behind, targets });
    }
  }
  return out;
}

const servicePort: LintRule = {
  id: 'service-port-not-target',
  severity: 'warning',
  title: "A policy port is a Service's port, not the port its pods receive on",
  description:
    'NetworkPolicy ports are matched after the Service has translated the destination: a connection to Service port 443 with targetPort 8443 arrives at the pod on 8443. A rule that lists 443 does not admit it.',
  check(model) {
    const out: Finding[] = [];
    for (const policy of model.cluster.policies) {
      for (const direction of ['ingress', 'egress'] as const) {
        if (!(direction === 'ingress' ? policy.ingressIsolation : policy.egressIsolation)) continue;
        for (const rule of direction === 'ingress' ? policy.ingress : policy.egress) {
          if (rule.ports === null) continue;
          // The destinations of the rule: the selected pods (ingress), or the pods its peers name (egress).
          const pods = direction === 'ingress' ? model.selected(policy) : rule.peers === null ? [] : rule.peers.flatMap((peer) => model.peerPods(policy, peer));
          if (pods.length === 0) continue;
          for (const spec of rule.ports) {
            for (const m of serviceMappingsFor(model, rule, spec, pods)) {
              const svc = `${m.service.namespace}/${m.service.name}`;
              const target = m.targets.join(' or ');
              const name = typeof m.servicePort.targetPort === 'string' ? ` (targetPort ${m.servicePort.targetPort})` : '';
              out.push(
                atPolicy(servicePort, model, policy, ['spec', direction, rule.index, 'ports', spec.index, 'port'], {
                  message: `port ${spec.port}/${spec.protocol} is Service ${svc}'s port; its pods receive on ${target}${name}`,
                  explanation: `Service ${svc} maps port ${m.servicePort.port} to target port ${target} on ${few(m.pods.map((p) => `${p.namespace}/${p.name}`))}. Policies see the connection after that translation, at ${target}, so this ${direction} rule does not admit connections made through the Service.`,
                  fix: `write port: ${typeof m.servicePort.targetPort === 'string' ? m.servicePort.targetPort : target} (the container port${typeof m.servicePort.targetPort === 'string' ? "'s name" : ''}) instead of ${spec.port}`,
                }),
              );
            }
          }
        }
      }
    }
    return out;
  },
};

export const servicePortRules: LintRule[] = [servicePort];
