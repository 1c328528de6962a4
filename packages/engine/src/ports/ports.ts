import type { Pod, PortSpec, Protocol } from '../model/types.js';

/** Numbers of the pod's container ports with this name and protocol. */
export function resolveNamedPort(pod: Pod, name: string, protocol: Protocol): number[] {
  const out: number[] = [];
  for (const cp of pod.containerPorts) if (cp.name === name && cp.protocol === protocol) out.push(cp.port);
  return out;
}

/**
 * Whether one `ports` entry admits `port`/`protocol` on the destination:
 *  - numeric `port`: that port; with `endPort`, the inclusive range port..endPort;
 *  - named `port`: the destination pod has a container port of that name and protocol, and the connection goes to its
 *    number (an address outside the cluster has no named ports, so never matches);
 *  - no `port`: every port of the protocol.
 */
export function portSpecMatches(spec: PortSpec, port: number, protocol: Protocol, dest: Pod | undefined): boolean {
  if (spec.protocol !== protocol) return false;
  if (spec.port === null) return true;
  if (typeof spec.port === 'number') {
    const end = spec.endPort ?? spec.port;
    return port >= spec.port && port <= end;
  }
  if (!dest) return false;
  return resolveNamedPort(dest, spec.port, protocol).includes(port);
}

/** `80/TCP`, `8000-8100/TCP`, `http/TCP`, `all TCP ports`. */
export function formatPortSpec(spec: PortSpec): string {
  if (spec.port === null) return `any/${spec.protocol}`;
  if (spec.endPort !== null && typeof spec.port === 'number') return `${spec.port}-${spec.endPort}/${spec.protocol}`;
  return `${spec.port}/${spec.protocol}`;
}

export interface PortProto {
  port: number;
  protocol: Protocol;
}

/** Reads `80`, `80/tcp`, `53/UDP`. */
export function parsePortProto(text: string): PortProto | undefined {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[1]);
  if (port < 1 || port > 65535) return undefined;
  return { port, protocol: (m[2]?.toUpperCase() ?? 'TCP') as Protocol };
}

export function formatPortProto(p: PortProto): string {
  return `${p.port}/${p.protocol}`;
}
