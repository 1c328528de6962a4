import { PROTOCOLS, type Cluster, type Protocol } from '../model/types.js';
import type { PortProto } from '../ports/ports.js';

/** One column of the matrix: a port (or a range of ports that every rule treats alike), probed at `port`. */
export interface MatrixColumn {
  // `80/TCP`, `8000-8100/TCP`, `*` (any other port), or `*` + `/UDP` (any other UDP port).
  label: string;
  protocol: Protocol;
  /** A port of the column, used to evaluate it. */
  port: number;
  /**
   * Every port the column stands for: each one gets the same answer from every rule, so a cell's answer holds for all
   * of them. Consumers that need exact port sets (connection lists) union these over allowed columns. Columns built
   * by hand may leave it out: they stand for their `port` alone.
   */
  ranges?: readonly PortRange[];
}

/** Ports `from`..`to` (inclusive) of one protocol. */
export interface PortRange {
  protocol: Protocol;
  from: number;
  to: number;
}

export function explicitColumns(ports: readonly PortProto[]): MatrixColumn[] {
  return ports.map((p) => ({ label: `${p.port}/${p.protocol}`, protocol: p.protocol, port: p.port, ranges: [{ protocol: p.protocol, from: p.port, to: p.port }] }));
}

/**
 * Each port a policy or a container names, each stretch of an endPort range between those, and the ports nobody names:
 * one `*` column, or one per protocol when some rule admits every port of one protocol only.
 */
export function defaultColumns(cluster: Cluster): MatrixColumn[] {
  const points = new Map<Protocol, Set<number>>(PROTOCOLS.map((p) => [p, new Set<number>()]));
  const ranges = new Map<Protocol, Array<[number, number]>>(PROTOCOLS.map((p) => [p, []]));
  const protocolWide = new Set<Protocol>();
  for (const pol of cluster.policies) {
    for (const rule of [...pol.ingress, ...pol.egress]) {
      for (const s of rule.ports ?? []) {
        if (!PROTOCOLS.includes(s.protocol)) continue;
        if (s.port === null) protocolWide.add(s.protocol);
        else if (typeof s.port === 'number') {
          if (s.endPort !== null && s.endPort > s.port) ranges.get(s.protocol)!.push([s.port, s.endPort]);
          else points.get(s.protocol)!.add(s.port);
        }
        // Named ports resolve to container ports, which are points already.
      }
    }
  }
  for (const pod of cluster.pods) for (const cp of pod.containerPorts) if (PROTOCOLS.includes(cp.protocol)) points.get(cp.protocol)!.add(cp.port);

  const cols: MatrixColumn[] = [];
  const rest: MatrixColumn[] = [];
  for (const proto of PROTOCOLS) {
    const pts = points.get(proto)!;
    const rs = ranges.get(proto)!;
    const cuts = new Set<number>([1, 65536]);
    for (const p of pts) {
      cuts.add(p);
      cuts.add(p + 1);
    }
    for (const [a, b] of rs) {
      cuts.add(a);
      cuts.add(b + 1);
    }
    const sorted = [...cuts].filter((c) => c >= 1 && c <= 65536).sort((a, b) => a - b);
    const restRanges: PortRange[] = [];
    for (let k = 0; k + 1 < sorted.length; k++) {
      const lo = sorted[k]!;
      const hi = sorted[k + 1]! - 1;
      const ranges = [{ protocol: proto, from: lo, to: hi }];
      if (pts.has(lo) && lo === hi) {
        cols.push({ label: `${lo}/${proto}`, protocol: proto, port: lo, ranges });
        continue;
      }
      const inRange = rs.some(([a, b]) => lo >= a && hi <= b);
      if (inRange) cols.push({ label: lo === hi ? `${lo}/${proto}` : `${lo}-${hi}/${proto}`, protocol: proto, port: lo, ranges });
      else restRanges.push(...ranges);
    }
    if (restRanges.length) rest.push({ label: `*/${proto}`, protocol: proto, port: restRanges[0]!.from, ranges: restRanges });
  }
  if (protocolWide.size === 0) {
    // No rule tells protocols apart beyond named ports: one column stands for every other port of every protocol.
    const first = rest.find((c) => c.protocol === 'TCP') ?? rest[0];
    if (first) cols.push({ ...first, label: '*', ranges: rest.flatMap((c) => c.ranges ?? []) });
  } else cols.push(...rest);
  return cols;
}
