import { nftComment, renderSetBody, type NftChain, type NftSet, type Ruleset } from './ruleset.js';

export interface RulesetDiff {
  /** The `nft -f` script; empty when nothing changed. */
  script: string;
  addedElements: number;
  deletedElements: number;
  /** Chains created, rewritten or deleted. */
  chains: string[];
  sets: string[];
}

const CHUNK = 2000;

function elementCommands(verb: 'add' | 'delete', table: string, set: string, elements: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < elements.length; i += CHUNK) out.push(`${verb} element inet ${table} ${set} { ${elements.slice(i, i + CHUNK).join(', ')} }`);
  return out;
}

function sameShape(a: NftSet, b: NftSet): boolean {
  return a.kind === b.kind && a.type === b.type && a.flags.join() === b.flags.join() && a.options.join() === b.options.join();
}

function sameChain(a: NftChain, b: NftChain): boolean {
  return a.hook === b.hook && a.comment === b.comment && a.rules.length === b.rules.length && a.rules.every((r, i) => r.text === b.rules[i]?.text);
}

/** A map's elements by key (`10.0.1.1 : jump in_x` → `10.0.1.1`). */
function keyOf(set: NftSet, element: string): string {
  return set.kind === 'map' ? element.slice(0, element.indexOf(' : ')) : element;
}

/**
 * Elements of `before` missing from `after`, and the reverse. A set's elements are unique and come in the compiler's
 * order, so the common head and tail of the two lists (all of a large set but the pod that came or went) are skipped
 * by comparing strings in place; only the rest is hashed. A map holds each key once (the compiler gives an address
 * shared by two pods to one of them), so a key is never deleted twice.
 */
function elementChanges(before: readonly string[], after: readonly string[]): { gone: string[]; fresh: string[] } {
  let head = 0;
  let tail = 0;
  const n = Math.min(before.length, after.length);
  while (head < n && before[head] === after[head]) head++;
  while (tail < n - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  const b = before.slice(head, before.length - tail);
  const a = after.slice(head, after.length - tail);
  if (b.length === 0 || a.length === 0) return { gone: b, fresh: a };
  const bs = new Set(b);
  const as = new Set(a);
  return { gone: b.filter((e) => !as.has(e)), fresh: a.filter((e) => !bs.has(e)) };
}

/**
 * The commands that turn the table `from` into `to`, as one `nft -f` transaction touching only what changed:
 * set and map elements are added and deleted one by one, changed chains are flushed and refilled, and
 * unchanged chains and sets are left alone. Order keeps every reference valid inside the transaction:
 * new sets and chains first, then elements, then rules, then what is no longer referenced.
 */
export function diffRulesets(from: Ruleset, to: Ruleset): RulesetDiff {
  if (from.table !== to.table) throw new Error(`cannot diff table ${from.table} against ${to.table}`);
  const t = to.table;
  const oldSets = new Map(from.sets.map((s) => [s.name, s]));
  const newSets = new Map(to.sets.map((s) => [s.name, s]));
  const oldChains = new Map(from.chains.map((c) => [c.name, c]));
  const newChains = new Map(to.chains.map((c) => [c.name, c]));

  const create: string[] = [];
  const delElements: string[] = [];
  const addElements: string[] = [];
  const rules: string[] = [];
  const removeChains: string[] = [];
  const removeSets: string[] = [];
  const touchedChains: string[] = [];
  const touchedSets: string[] = [];
  let added = 0;
  let deleted = 0;

  // A set whose shape changed is deleted and made again; its rules change with it, since names carry the shape.
  const replaced = new Set<string>();
  for (const [name, s] of newSets) {
    const old = oldSets.get(name);
    if (old && sameShape(old, s)) continue;
    if (old) replaced.add(name);
    create.push(`add ${s.kind} inet ${t} ${name} { ${renderSetBody({ ...s, elements: [] }, '', false).join('; ')}; }`);
    addElements.push(...elementCommands('add', t, name, s.elements));
    added += s.elements.length;
    touchedSets.push(name);
  }
  for (const [name, s] of newSets) {
    const old = oldSets.get(name);
    // A compile hands over the very same element list for a set nothing touched: no need to compare it.
    if (!old || replaced.has(name) || s.dynamic || old.elements === s.elements) continue;
    const { gone, fresh } = elementChanges(old.elements, s.elements);
    // A map element is deleted by its key; one whose verdict changes is deleted and added in the same transaction.
    delElements.push(...elementCommands('delete', t, name, gone.map((e) => keyOf(s, e))));
    addElements.push(...elementCommands('add', t, name, fresh));
    added += fresh.length;
    deleted += gone.length;
    if (gone.length || fresh.length) touchedSets.push(name);
  }
  for (const [name, c] of newChains) {
    const old = oldChains.get(name);
    const usesReplaced = c.rules.some((r) => [...replaced].some((s) => r.text.includes(`@${s} `)));
    if (old && sameChain(old, c) && !usesReplaced) continue;
    if (!old) create.push(`add chain inet ${t} ${name} { ${c.hook ? `${c.hook} ` : ''}comment ${nftComment(c.comment)}; }`);
    else rules.push(`flush chain inet ${t} ${name}`);
    for (const r of c.rules) rules.push(`add rule inet ${t} ${name} ${r.text}`);
    touchedChains.push(name);
  }
  for (const name of oldChains.keys()) {
    if (newChains.has(name)) continue;
    // Flush first: its rules may reference sets deleted below.
    rules.push(`flush chain inet ${t} ${name}`);
    removeChains.push(`delete chain inet ${t} ${name}`);
    touchedChains.push(name);
  }
  for (const [name, s] of oldSets) {
    if (newSets.has(name) && !replaced.has(name)) continue;
    // A replaced set keeps its name: flush the old rules that use it, then delete and re-add it.
    removeSets.push(`delete ${s.kind} inet ${t} ${name}`);
    if (!newSets.has(name)) touchedSets.push(name);
  }

  // Replaced sets: every chain using one is rewritten above; delete the old set before the create runs.
  const replacedDeletes = [...replaced].map((n) => `delete ${(oldSets.get(n) as NftSet).kind} inet ${t} ${n}`);
  const replacedFlushes = from.chains.filter((c) => c.rules.some((r) => [...replaced].some((s) => r.text.includes(`@${s} `)))).map((c) => `flush chain inet ${t} ${c.name}`);
  const script = [
    ...replacedFlushes,
    ...replacedDeletes,
    ...create,
    ...delElements,
    ...addElements,
    ...rules,
    ...removeChains,
    ...removeSets.filter((l) => !replacedDeletes.includes(l)),
  ];
  return {
    script: script.length ? `${script.join('\n')}\n` : '',
    addedElements: added,
    deletedElements: deleted,
    chains: touchedChains,
    sets: touchedSets,
  };
}
