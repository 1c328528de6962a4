/**
 * Observed flows for the `generate` scenario, made from a built cluster (never timed): each workload calls a few
 * Services, and each flow is one client pod to one endpoint pod of the Service on its target port, as Hubble reports a
 * connection after the Service's translation; a few go to outside addresses on 443.
 */
import { Prng } from './prng.js';

interface PodLike {
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  containerPorts: readonly { name?: string; port: number; protocol: string }[];
  owner?: { kind: string; name: string };
  hostNetwork: boolean;
}
interface ServiceLike {
  namespace: string;
  selector?: Readonly<Record<string, string>>;
  ports: readonly { port: number; protocol: string; targetPort: number | string }[];
}
export interface FlowCluster {
  pods: readonly unknown[];
  services: readonly unknown[];
}

export function synthesizeFlows(cluster: FlowCluster, count: number, seed = 1): string {
  const pods = (cluster.pods as PodLike[]).filter((p) => !p.hostNetwork);
  const services = (cluster.services as ServiceLike[]).filter((s) => s.selector && Object.keys(s.selector).length > 0);
  const byNs = new Map<string, PodLike[]>();
  for (const p of pods) byNs.set(p.namespace, [...(byNs.get(p.namespace) ?? []), p]);
  // Each Service's endpoints and the port number each endpoint serves.
  const targets = services
    .map((s) => {
      const eps = (byNs.get(s.namespace) ?? []).filter((p) => Object.entries(s.selector!).every(([k, v]) => p.labels[k] === v));
      const sp = s.ports[0];
      if (!sp || eps.length === 0) return undefined;
      const hops = eps
        .map((p) => ({ pod: p, port: typeof sp.targetPort === 'number' ? sp.targetPort : p.containerPorts.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.port, protocol: sp.protocol }))
        .filter((h): h is { pod: PodLike; port: number; protocol: string } => h.port !== undefined);
      return hops.length ? hops : undefined;
    })
    .filter((t): t is Array<{ pod: PodLike; port: number; protocol: string }> => t !== undefined);
  const workloads = new Map<string, PodLike[]>();
  for (const p of pods) {
    const k = `${p.namespace}/${p.owner ? `${p.owner.kind}/${p.owner.name}` : p.name}`;
    workloads.set(k, [...(workloads.get(k) ?? []), p]);
  }
  const rng = new Prng(seed);
  const clients = [...workloads.values()].map((members) => ({ members, calls: Array.from({ length: rng.int(1, 4) }, () => rng.pick(targets)) }));
  const lines = ['source,destination,port/protocol'];
  for (let k = 0; k < count; k++) {
    const c = rng.pick(clients);
    const from = rng.pick(c.members);
    if (rng.chance(0.05)) {
      lines.push(`${from.namespace}/${from.name},203.0.113.${rng.int(1, 30)},443/TCP`);
      continue;
    }
    const h = rng.pick(rng.pick(c.calls));
    lines.push(`${from.namespace}/${from.name},${h.pod.namespace}/${h.pod.name},${h.port}/${h.protocol}`);
  }
  return `${lines.join('\n')}\n`;
}
