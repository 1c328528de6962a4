import type { MatrixColumn } from '@kordon/engine';
import type { Cause, FlowChange } from './diff.js';

/** A list of changed columns, interned: equal lists are one object, so keys are made once per list, not per pair. */
export interface ColumnList {
  id: number;
  cols: readonly number[];
  labels: readonly string[];
}

export class ColumnLists {
  private readonly table = new Map<string, ColumnList>();
  private readonly singles: Array<ColumnList | undefined> = [];
  constructor(private readonly columns: readonly MatrixColumn[]) {}

  /** The list of one column: the common case (a change that touches one port), with no key to build. */
  single(c: number): ColumnList {
    return (this.singles[c] ??= this.of([c]));
  }

  of(cols: number[]): ColumnList {
    const k = cols.join(',');
    let r = this.table.get(k);
    if (!r) this.table.set(k, (r = { id: this.table.size, cols, labels: cols.map((c) => this.columns[c]!.label) }));
    return r;
  }
}

const causeKeys = new WeakMap<Cause, string>();
/** Two causes with one key say the same thing. */
export const causeKey = (c: Cause): string => {
  let k = causeKeys.get(c);
  if (k === undefined) causeKeys.set(c, (k = `${c.kind}|${c.subject}|${c.rule ?? ''}|${c.effect}`));
  return k;
};

interface Entry {
  flow: FlowChange;
  /** Cause lists merged into the flow after its first: merging one again adds nothing. */
  merged?: Cause[][];
}

/** One flow per change, column list, source name and destination name, in the order each was first recorded. */
export class FlowTable {
  readonly flows: FlowChange[] = [];
  private readonly index = new Map<string, Map<string, Entry>>();
  constructor(private readonly columnCount: number) {}

  /** The flows toward one destination name for a change and column list, by source name. */
  bucket(change: FlowChange['change'], list: ColumnList, to: string): Map<string, Entry> {
    const k = `${change}\u0000${list.id}\u0000${to}`;
    let b = this.index.get(k);
    if (!b) this.index.set(k, (b = new Map()));
    return b;
  }

  /** Adds pod pairs to the flow of the bucket from `from`, with their causes. */
  add(bucket: Map<string, Entry>, change: FlowChange['change'], list: ColumnList, from: string, to: string, pairs: number, causes: Cause[]): void {
    const prev = bucket.get(from);
    if (!prev) {
      const flow: FlowChange = { change, from, to, ports: list.labels as string[], allPorts: list.cols.length === this.columnCount, pairs, causes };
      bucket.set(from, { flow });
      this.flows.push(flow);
      return;
    }
    prev.flow.pairs += pairs;
    // Flows share their cause list until a merge brings a different one (copy on write).
    if (prev.flow.causes === causes || prev.merged?.includes(causes)) return;
    (prev.merged ??= []).push(causes);
    const have = prev.flow.causes;
    const extra = causes.filter((c) => !have.some((x) => causeKey(x) === causeKey(c)));
    if (extra.length) prev.flow.causes = [...have, ...extra];
  }
}
