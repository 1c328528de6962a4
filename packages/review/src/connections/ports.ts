import { PROTOCOLS, type MatrixColumn, type PortRange, type Protocol } from '@kordon/engine';

/** The ports a pair may use: every port of every protocol, or per protocol a sorted list of merged ranges. */
export type PortSet = { all: true } | { all: false; ranges: readonly PortRange[] };

/** Sorted by protocol (TCP, UDP, SCTP) then port, adjacent and overlapping ranges joined. */
export function mergePortRanges(ranges: readonly PortRange[]): PortRange[] {
  const order = (p: Protocol) => PROTOCOLS.indexOf(p);
  const sorted = [...ranges].sort((a, b) => order(a.protocol) - order(b.protocol) || a.from - b.from);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.protocol === r.protocol && r.from <= last.to + 1) {
      if (r.to > last.to) out[out.length - 1] = { ...last, to: r.to };
    } else out.push({ ...r });
  }
  return out;
}

/** The ports of the allowed columns; `all` when they are every column of a complete partition of the port space. */
export function portSetOf(columns: readonly MatrixColumn[], allowed: ArrayLike<number>, complete: boolean): PortSet {
  const ranges: PortRange[] = [];
  let every = true;
  for (let k = 0; k < columns.length; k++) {
    if (allowed[k]) {
      const col = columns[k]!;
      ranges.push(...(col.ranges ?? [{ protocol: col.protocol, from: col.port, to: col.port }]));
    }
    else every = false;
  }
  if (every && complete) return { all: true };
  return { all: false, ranges: mergePortRanges(ranges) };
}

/** `all ports`, or `TCP 80,443,8000-8100; UDP 53`; a protocol open on every port reads `TCP all ports`. */
export function formatPortSet(set: PortSet): string {
  if (set.all) return 'all ports';
  const parts: string[] = [];
  for (const protocol of PROTOCOLS) {
    const rs = set.ranges.filter((r) => r.protocol === protocol);
    if (rs.length === 0) continue;
    if (rs.length === 1 && rs[0]!.from === 1 && rs[0]!.to === 65535) parts.push(`${protocol} all ports`);
    else parts.push(`${protocol} ${rs.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(',')}`);
  }
  return parts.join('; ');
}

export function samePortSet(a: PortSet, b: PortSet): boolean {
  return formatPortSet(a) === formatPortSet(b);
}
