import type { NftJson } from '../nft/apply.js';
import { kernelView } from '../nft/digest.js';

/** One change made to the table behind the agent's back: its name, and the nft command given the table as it is. */
export interface Tamper {
  what: string;
  command(table: NftJson | undefined): string;
}

/**
 * The key of an element the kernel's map holds now. A tamper that deletes an element must name one that is there:
 * deleting an address that has left the map (its pod deleted by the changes before) fails and changes nothing, and
 * an earlier soak counted such a no-op as a tamper "repaired without a log line".
 */
export function presentKey(json: NftJson | undefined, table: string, map: string): string {
  const elements = [...(kernelView(json, table)?.sets.get(map)?.elements ?? [])].sort();
  const first = elements[0];
  if (first === undefined) throw new Error(`map ${map} of table inet ${table} holds no element: nothing to delete`);
  return first.includes(' : ') ? first.slice(0, first.indexOf(' : ')) : first;
}

/** The soak's tampers, in turn: each changes the table, or its nft command fails (and the soak stops). */
export function tampers(table: string): Tamper[] {
  return [
    { what: 'deleted map element', command: (t) => `delete element inet ${table} ingress4 { ${presentKey(t, table, 'ingress4')} }` },
    { what: 'flushed forward chain', command: () => `flush chain inet ${table} forward` },
    { what: 'deleted table', command: () => `delete table inet ${table}` },
    { what: 'foreign map element', command: () => `add element inet ${table} ingress4 { 10.250.0.1 : accept }` },
  ];
}
