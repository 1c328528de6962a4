import type { Cluster } from '@kordon/engine';
import { addressRanges, describeAddresses, type AddressRange } from './addresses.js';
import { compareConnections, listNotes, pairTable, type ConnectionPeer, type GroupBy, type ListOptions, type PairTable } from './list.js';
import { formatPortSet, samePortSet, type PortSet } from './ports.js';

export interface ConnectionChange {
  change: 'added' | 'removed' | 'changed';
  from: ConnectionPeer;
  to: ConnectionPeer;
  /** Absent: no connection in that version. */
  old?: PortSet;
  new?: PortSet;
  /** The port sets in words, `none` when absent. */
  oldText: string;
  newText: string;
}

export interface ConnectionDiff {
  by: GroupBy;
  changes: ConnectionChange[];
  notes: string[];
}

type Side = { peer: ConnectionPeer } | { range: AddressRange };

/** Pairs keyed by name, so that groups match across versions; outside ranges are shared, keyed by index. */
function named(table: PairTable): Map<string, { from: Side; to: Side; ports: PortSet }> {
  const out = new Map<string, { from: Side; to: Side; ports: PortSet }>();
  const side = (k: string): [string, Side] => {
    const i = Number(k.slice(1));
    return k[0] === 'g' ? [table.groups[i]!.name, { peer: table.groups[i]! }] : [`\u0000${i}`, { range: table.ranges[i]! }];
  };
  for (const [key, ports] of table.pairs) {
    const [a, b] = key.split('|') as [string, string];
    const [ka, from] = side(a);
    const [kb, to] = side(b);
    out.set(`${ka}|${kb}`, { from, to, ports });
  }
  return out;
}

/**
 * Connections added, removed and changed between two versions, by the same grouping as `listConnections`. Both are
 * computed over one address partition (every ipBlock of either version), so outside ranges compare like for like.
 * A focus holds pods of one cluster: `options` applies to the new version, `oldOptions` (default the same) to the old.
 */
export function diffConnections(oldCluster: Cluster, newCluster: Cluster, options: ListOptions = {}, oldOptions: ListOptions = options): ConnectionDiff {
  const ranges = addressRanges(oldCluster, newCluster);
  const a = pairTable(oldCluster, oldOptions, ranges);
  const b = pairTable(newCluster, options, ranges);
  const before = named(a);
  const after = named(b);
  const changes: ConnectionChange[] = [];
  const outside = new Map<string, { change: ConnectionChange; toOutside: boolean; group: ConnectionPeer; ranges: AddressRange[] }>();
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const x = before.get(key);
    const y = after.get(key);
    if (x && y && samePortSet(x.ports, y.ports)) continue;
    const ends = (x ?? y)!;
    const change: ConnectionChange['change'] = x && y ? 'changed' : y ? 'added' : 'removed';
    const base = { change, oldText: x ? formatPortSet(x.ports) : 'none', newText: y ? formatPortSet(y.ports) : 'none', ...(x ? { old: x.ports } : {}), ...(y ? { new: y.ports } : {}) };
    if ('peer' in ends.from && 'peer' in ends.to) {
      changes.push({ ...base, from: ends.from.peer, to: ends.to.peer });
      continue;
    }
    const toOutside = 'range' in ends.to;
    const group = (toOutside ? ends.from : ends.to) as { peer: ConnectionPeer };
    const range = ((toOutside ? ends.to : ends.from) as { range: AddressRange }).range;
    const k = `${group.peer.name}|${toOutside}|${change}|${base.oldText}|${base.newText}`;
    const e = outside.get(k);
    if (e) e.ranges.push(range);
    else outside.set(k, { change: { ...base, from: group.peer, to: group.peer }, toOutside, group: group.peer, ranges: [range] });
  }
  for (const e of outside.values()) {
    const addresses = describeAddresses(e.ranges);
    const peer: ConnectionPeer = { name: addresses.join(', '), kind: 'addresses', addresses };
    changes.push({ ...e.change, ...(e.toOutside ? { from: e.group, to: peer } : { from: peer, to: e.group }) });
  }
  const order = { changed: 0, added: 1, removed: 2 } as const;
  changes.sort((p, q) => order[p.change] - order[q.change] || compareConnections(p, q));
  return { by: a.by, changes, notes: [...new Set([...listNotes(oldCluster), ...listNotes(newCluster)])] };
}
