import { canonicalIP } from '../net/ip.js';
import type { Cluster, Pod, Service, Workload } from '../model/types.js';

/** What a name on the command line (or in an expectation file) refers to. */
export type Resolved =
  | { kind: 'pod'; pod: Pod; address?: string }
  | { kind: 'workload'; workload: Workload; pods: Pod[] }
  | { kind: 'service'; service: Service; via: 'dns' | 'cluster-ip'; name: string }
  | { kind: 'ip'; ip: string }
  | { kind: 'unresolved'; name: string; reason: string };

const CLUSTER_DOMAIN = 'cluster.local';

export function podsOfWorkload(cluster: Cluster, w: { namespace: string; kind: string; name: string }): Pod[] {
  return cluster.pods.filter((p) => p.namespace === w.namespace && p.owner?.kind === w.kind && p.owner.name === w.name);
}

/**
 * Reads `ns/pod`, `ns/workload`, `ns/Kind/name`, an IP address, or a Service DNS name (`svc`, `svc.ns`, `svc.ns.svc`,
 * `svc.ns.svc.cluster.local`; a bare `svc` is looked up in `clientNamespace`).
 */
export function resolveName(cluster: Cluster, text: string, clientNamespace?: string): Resolved {
  const name = text.trim();
  const ip = canonicalIP(name);
  if (ip) {
    const pod = cluster.pods.find((p) => !p.hostNetwork && p.ips.includes(ip));
    // One address of a dual-stack pod: the question is about that family's connection.
    if (pod) return pod.ips.length > 1 ? { kind: 'pod', pod, address: ip } : { kind: 'pod', pod };
    const svc = cluster.services.find((s) => s.clusterIPs.includes(ip));
    if (svc) return { kind: 'service', service: svc, via: 'cluster-ip', name };
    return { kind: 'ip', ip };
  }
  if (name.includes('/')) {
    const parts = name.split('/');
    if (parts.length === 3) {
      const [ns, kind, wname] = parts as [string, string, string];
      const w = cluster.workloads.find((x) => x.namespace === ns && x.kind.toLowerCase() === kind.toLowerCase() && x.name === wname);
      if (w) return { kind: 'workload', workload: w, pods: podsOfWorkload(cluster, w) };
      if (kind.toLowerCase() === 'pod') {
        const pod = cluster.pods.find((p) => p.namespace === ns && p.name === wname);
        if (pod) return { kind: 'pod', pod };
      }
      return { kind: 'unresolved', name, reason: `no ${kind} named ${wname} in namespace ${ns}` };
    }
    if (parts.length !== 2) return { kind: 'unresolved', name, reason: 'expected ns/pod, ns/workload or ns/Kind/name' };
    const [ns, pname] = parts as [string, string];
    const pod = cluster.pods.find((p) => p.namespace === ns && p.name === pname && !p.fromTemplate);
    if (pod) return { kind: 'pod', pod };
    const ws = cluster.workloads.filter((x) => x.namespace === ns && x.name === pname);
    if (ws.length === 1) return { kind: 'workload', workload: ws[0]!, pods: podsOfWorkload(cluster, ws[0]!) };
    if (ws.length > 1) return { kind: 'unresolved', name, reason: `${ws.length} workloads are named ${pname} in ${ns} (${ws.map((w) => w.kind).join(', ')}): write ns/Kind/name` };
    const stand = cluster.pods.find((p) => p.namespace === ns && p.name === pname);
    if (stand) return { kind: 'pod', pod: stand };
    return { kind: 'unresolved', name, reason: `no pod or workload named ${pname} in namespace ${ns}` };
  }
  return resolveServiceName(cluster, name, clientNamespace);
}

/** Service DNS names, as the cluster's resolver would answer them for a client in `clientNamespace`. */
export function resolveServiceName(cluster: Cluster, name: string, clientNamespace?: string): Resolved {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  let svc: string | undefined;
  let ns: string | undefined;
  if (labels.length === 1) {
    svc = labels[0];
    ns = clientNamespace;
    if (!ns) return { kind: 'unresolved', name, reason: `a bare name needs the client's namespace to be looked up` };
  } else if (labels.length === 2 || (labels.length === 3 && labels[2] === 'svc') || (labels.length === 5 && labels.slice(2).join('.') === `svc.${CLUSTER_DOMAIN}`)) {
    svc = labels[0];
    ns = labels[1];
  } else {
    return { kind: 'unresolved', name, reason: `${name} is not a cluster Service name (svc, svc.ns, svc.ns.svc or svc.ns.svc.${CLUSTER_DOMAIN})` };
  }
  const found = cluster.services.find((s) => s.namespace === ns && s.name === svc);
  if (!found) return { kind: 'unresolved', name, reason: `no Service ${svc} in namespace ${ns}: the name does not resolve (NXDOMAIN)` };
  return { kind: 'service', service: found, via: 'dns', name };
}

export function endpointName(pod: Pod): string {
  return `${pod.namespace}/${pod.name}`;
}
