import { portSpecMatches, resolveNamedPort, type Pod, type PortSpec, type Rule, type Service, type ServicePort } from '@kordon/engine';
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

/** A Service port, with the pods behind the Service: what a rule's port may have been copied from. */
interface ServiceEntry {
  service: Service;
  servicePort: ServicePort;
  behind: ReadonlySet<Pod>;
}

/** Per `port/protocol`, the Service ports with that number, in Service order: computed once per cluster. */
const byPortCache = new WeakMap<LintModel['cluster'], Map<string, ServiceEntry[]>>();

function servicesByPort(model: LintModel): Map<string, ServiceEntry[]> {
  const cached = byPortCache.get(model.cluster);
  if (cached) return cached;
  const out = new Map<string, ServiceEntry[]>();
  for (const service of model.cluster.services) {
    if (!service.selector) continue;
    const behind = new Set(model.servicePods(service));
    if (behind.size === 0) continue;
    for (const sp of service.ports) {
      const key = `${sp.port}/${sp.protocol}`;
      let list = out.get(key);
      if (!list) out.set(key, (list = []));
      list.push({ service, servicePort: sp, behind });
    }
  }
  byPortCache.set(model.cluster, out);
  return out;
}

/** The Service ports with the number of a single-port `spec`; none for a range or a named port. */
function entriesFor(model: LintModel, spec: PortSpec): ServiceEntry[] | undefined {
  if (typeof spec.port !== 'number' || (spec.endPort !== null && spec.endPort !== spec.port)) return undefined;
  return servicesByPort(model).get(`${spec.port}/${spec.protocol}`);
}

/**
 * Services in front of the rule's pods (`position`: each pod's place in the rule's list) with a port equal to `spec`'s
 * number whose target is a different port, when the rule admits none of those targets: the policy was written against
 * the Service, not the pods.
 */
export function serviceMappingsFor(model: LintModel, rule: Rule, spec: PortSpec, position: ReadonlyMap<Pod, number>): ServicePortMapping[] {
  const entries = entriesFor(model, spec);
  if (!entries || typeof spec.port !== 'number') return [];
  const port = spec.port;
  const out: ServicePortMapping[] = [];
  // A Service fronts few pods, a rule may reach thousands: walk the Service's pods, kept in the rule's order.
  for (const { service, servicePort: sp, behind: all } of entries) {
    const behind: Pod[] = [];
    for (const p of all) if (position.has(p)) behind.push(p);
    if (behind.length === 0) continue;
    behind.sort((a, b) => position.get(a)! - position.get(b)!);
    const targets = [...new Set(behind.flatMap((p) => (typeof sp.targetPort === 'number' ? [sp.targetPort] : resolveNamedPort(p, sp.targetPort, sp.protocol))))];
    if (targets.length === 0 || targets.includes(port)) continue;
    // Another entry of the same rule already admits the target: the Service port is there as well, not instead.
    if (behind.some((p) => targets.some((t) => (rule.ports ?? []).some((s) => portSpecMatches(s, t, sp.protocol, p))))) continue;
    out.push({ service, servicePort: sp, pods: behind, targets });
  }
  return out;
}

type Words = { message: string; explanation: string; fix: string };

function oneService(m: ServicePortMapping, spec: PortSpec, direction: string): Words {
  const svc = `${m.service.namespace}/${m.service.name}`;
  const target = m.targets.join(' or ');
  const named = typeof m.servicePort.targetPort === 'string';
  return {
    message: `port ${spec.port}/${spec.protocol} is Service ${svc}'s port; its pods receive on ${target}${named ? ` (targetPort ${m.servicePort.targetPort})` : ''}`,
    explanation: `Service ${svc} maps port ${m.servicePort.port} to target port ${target} on ${few(m.pods.map((p) => `${p.namespace}/${p.name}`))}. Policies see the connection after that translation, at ${target}, so this ${direction} rule does not admit connections made through the Service.`,
    fix: `write port: ${named ? String(m.servicePort.targetPort) : target} (the container port${named ? "'s name" : ''}) instead of ${spec.port}`,
  };
}

function manyServices(ms: readonly ServicePortMapping[], spec: PortSpec, direction: string): Words {
  const names = ms.map((m) => `${m.service.namespace}/${m.service.name}`);
  const targets = [...new Set(ms.flatMap((m) => m.targets))].sort((a, b) => a - b);
  const written = [...new Set(ms.map((m) => String(m.servicePort.targetPort)))];
  const each = ms.map((m) => `${m.service.namespace}/${m.service.name} to ${m.targets.join(' or ')}`);
  return {
    message: `port ${spec.port}/${spec.protocol} is the port of ${ms.length} Services (${few(names, 3)}); their pods receive on ${targets.join(' or ')}`,
    explanation: `These Services map port ${spec.port} to other ports: ${few(each, 5)}. Policies see a connection after that translation, at the target port, so this ${direction} rule does not admit connections made through them.`,
    fix: written.length === 1 ? `write port: ${written[0]} instead of ${spec.port}` : `write the target ports (${written.join(', ')}) instead of ${spec.port}`,
  };
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
          // Most port numbers are no Service's: then the rule's pods are not needed.
          const specs = rule.ports.filter((spec) => entriesFor(model, spec) !== undefined);
          if (specs.length === 0) continue;
          // The destinations of the rule: the selected pods (ingress), or the pods its peers name (egress).
          const pods = direction === 'ingress' ? model.selected(policy) : rule.peers === null ? [] : rule.peers.flatMap((peer) => model.peerPods(policy, peer));
          if (pods.length === 0) continue;
          const position = new Map<Pod, number>();
          pods.forEach((p, i) => position.set(p, i));
          for (const spec of specs) {
            const mappings = serviceMappingsFor(model, rule, spec, position);
            if (mappings.length === 0) continue;
            const at = ['spec', direction, rule.index, 'ports', spec.index, 'port'];
            // One finding per port field, however many Services use that number: one place, one thing to fix.
            out.push(atPolicy(servicePort, model, policy, at, mappings.length === 1 ? oneService(mappings[0]!, spec, direction) : manyServices(mappings, spec, direction)));
          }
        }
      }
    }
    return out;
  },
};

export const servicePortRules: LintRule[] = [servicePort];
