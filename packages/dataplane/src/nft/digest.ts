import { createHash } from 'node:crypto';
import { parseIP } from '@kordon/engine';
import type { NftJson } from './apply.js';
import { formatPorts, formatRange } from './ranges.js';
import type { NftChain, NftSet, Ruleset } from './ruleset.js';

/** A set or map: its type and flags in one string, and its elements as kordon writes them. */
export interface SetView {
  shape: string;
  /** A set the kernel fills (denied connections): its elements are not compared. */
  dynamic: boolean;
  elements: ReadonlySet<string>;
}

/**
 * kordon's table in one comparable form, written as kordon writes its scripts: set shapes and elements, chains with
 * their hook and rules. The compiler's own texts are already in this form; the kernel's JSON listing is rendered
 * into it. What is not compared: comments of the table and of chains (the JSON listing leaves them out), counters,
 * and the elements of the sets the kernel fills (denied connections).
 */
export interface TableView {
  sets: Map<string, SetView>;
  chains: Map<string, { hook: string; rules: readonly string[] }>;
  /** Objects of kinds kordon never makes (flowtables, named counters …), as `kind name`. */
  others: string[];
}

export type TableDifference =
  | { kind: 'table-missing' }
  | { kind: 'unexpected'; what: string }
  | { kind: 'set-missing' | 'set-extra' | 'set-shape'; set: string }
  | { kind: 'elements'; set: string; missing: string[]; extra: string[] }
  | { kind: 'chain-missing' | 'chain-extra' | 'chain-hook'; chain: string }
  | { kind: 'rules'; chain: string; want: number; have: number };

const shapeOf = (kind: string, type: string, flags: readonly string[]): string => `${kind} ${type} flags ${flags.filter((f) => f !== 'dynamic').sort().join(',')}`;

const elementSets = new WeakMap<readonly string[], ReadonlySet<string>>();
/** The compiler hands over the very same element array for a set no change touched: made once per array. */
function elementsOf(s: NftSet): ReadonlySet<string> {
  let set = elementSets.get(s.elements);
  if (!set) elementSets.set(s.elements, (set = new Set(s.elements)));
  return set;
}

const NO_ELEMENTS: ReadonlySet<string> = new Set();

/** What the kernel should hold of one set of the ruleset; `elements: false` for its shape alone. */
export function expectedSetView(s: NftSet, elements = true): SetView {
  return { shape: shapeOf(s.kind, s.type, s.flags), dynamic: s.dynamic, elements: s.dynamic || !elements ? NO_ELEMENTS : elementsOf(s) };
}

/** What the kernel should hold for this ruleset (without the set elements, for `compareStructure` alone). */
export function expectedView(rs: Ruleset, opts: { elements?: boolean } = {}): TableView {
  const sets: TableView['sets'] = new Map();
  for (const s of rs.sets) sets.set(s.name, expectedSetView(s, opts.elements ?? true));
  const chains: TableView['chains'] = new Map();
  for (const c of rs.chains) chains.set(c.name, { hook: c.hook ?? '', rules: c.rules.map((r) => canonicalRule(r.text)) });
  return { sets, chains, others: [] };
}

type J = unknown;
const isObj = (v: J): v is Record<string, J> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A set or map of the kernel's JSON listing, in the view's form. */
function setView(kind: 'set' | 'map', body: Record<string, J>): SetView {
  const types = body['type'];
  let type = Array.isArray(types) ? types.join(' . ') : String(types);
  if (kind === 'map') type += ` : ${String(body['map'])}`;
  const flags = Array.isArray(body['flags']) ? body['flags'].map(String) : [];
  const elems = Array.isArray(body['elem']) ? body['elem'] : [];
  return { shape: shapeOf(kind, type, flags), dynamic: false, elements: new Set(elems.map(element)) };
}

/** What the kernel holds, from `nft -j list table inet NAME`; undefined when the table is missing. */
export function kernelView(json: NftJson | undefined, table: string): TableView | undefined {
  if (!json) return undefined;
  const view: TableView = { sets: new Map(), chains: new Map(), others: [] };
  let found = false;
  const rules = new Map<string, string[]>();
  for (const item of json.nftables) {
    const [kind, body] = Object.entries(item)[0] ?? [];
    if (kind === undefined || kind === 'metainfo' || !isObj(body)) continue;
    if (kind === 'table') {
      found ||= body['name'] === table;
      continue;
    }
    if ((body['table'] ?? table) !== table) continue;
    if (kind === 'set' || kind === 'map') view.sets.set(String(body['name']), setView(kind, body));
    else if (kind === 'chain') {
      const hook = body['hook'] === undefined ? '' : `type ${String(body['type'])} hook ${String(body['hook'])} priority ${body['prio'] === 0 ? 'filter' : String(body['prio'])}; policy ${String(body['policy'])};`;
      view.chains.set(String(body['name']), { hook, rules: [] });
    } else if (kind === 'rule') {
      const chain = String(body['chain']);
      const list = rules.get(chain) ?? [];
      list.push(ruleText(body));
      rules.set(chain, list);
    } else view.others.push(`${kind} ${String(body['name'] ?? '')}`.trim());
  }
  if (!found) return undefined;
  for (const [name, c] of view.chains) view.chains.set(name, { ...c, rules: rules.get(name) ?? [] });
  return view;
}

/** One set or map as the kernel holds it, from `nft -j list set|map inet TABLE NAME`; undefined when it is missing. */
export function kernelSetView(json: NftJson | undefined, table: string, name: string): SetView | undefined {
  for (const item of json?.nftables ?? []) {
    const [kind, body] = Object.entries(item)[0] ?? [];
    if ((kind === 'set' || kind === 'map') && isObj(body) && body['name'] === name && (body['table'] ?? table) === table) return setView(kind, body);
  }
  return undefined;
}

/** Every way `have` (the kernel) differs from `want` (the ruleset), in the order a repair would meet them. */
export function compareViews(want: TableView, have: TableView | undefined): TableDifference[] {
  if (!have) return [{ kind: 'table-missing' }];
  const out = compareStructure(want, have);
  // A set whose shape differs is already told; its elements are not compared.
  const told = new Set(out.map((d) => ('set' in d ? d.set : '')));
  for (const [name, s] of want.sets) if (!told.has(name)) out.push(...compareSet(name, s, have.sets.get(name)));
  return out;
}

/**
 * How the kernel's table differs from the ruleset in all but set elements: the sets there are and their shapes, the
 * chains with their hooks and rules, objects kordon never makes. A terse listing (`nft -t`) holds all of that.
 */
export function compareStructure(want: TableView, have: TableView | undefined): TableDifference[] {
  if (!have) return [{ kind: 'table-missing' }];
  const out: TableDifference[] = have.others.map((what) => ({ kind: 'unexpected', what }));
  for (const [name, s] of want.sets) {
    const k = have.sets.get(name);
    if (!k) out.push({ kind: 'set-missing', set: name });
    else if (k.shape !== s.shape) out.push({ kind: 'set-shape', set: name });
  }
  for (const name of have.sets.keys()) if (!want.sets.has(name)) out.push({ kind: 'set-extra', set: name });
  for (const [name, c] of want.chains) {
    const k = have.chains.get(name);
    if (!k) out.push({ kind: 'chain-missing', chain: name });
    else if (k.hook !== c.hook) out.push({ kind: 'chain-hook', chain: name });
    else if (k.rules.length !== c.rules.length || k.rules.some((r, i) => r !== c.rules[i])) out.push({ kind: 'rules', chain: name, want: c.rules.length, have: k.rules.length });
  }
  for (const name of have.chains.keys()) if (!want.chains.has(name)) out.push({ kind: 'chain-extra', chain: name });
  return out;
}

/** How one set of the kernel differs from the ruleset's: missing, another shape, or other elements (not for sets the kernel fills). */
export function compareSet(name: string, want: SetView, have: SetView | undefined): TableDifference[] {
  if (!have) return [{ kind: 'set-missing', set: name }];
  if (have.shape !== want.shape) return [{ kind: 'set-shape', set: name }];
  if (want.dynamic) return [];
  const missing = [...want.elements].filter((e) => !have.elements.has(e));
  const extra = [...have.elements].filter((e) => !want.elements.has(e));
  return missing.length || extra.length ? [{ kind: 'elements', set: name, missing, extra }] : [];
}

/** A short fingerprint of a view, for logs and tests: equal views, equal digests. */
export function viewDigest(v: TableView | undefined): string {
  const h = createHash('sha256');
  if (!v) return 'none';
  for (const name of [...v.sets.keys()].sort()) {
    const s = v.sets.get(name)!;
    h.update(`set ${name} ${s.shape}\n`);
    if (!s.dynamic) for (const e of [...s.elements].sort()) h.update(`  ${e}\n`);
  }
  for (const name of [...v.chains.keys()].sort()) {
    const c = v.chains.get(name)!;
    h.update(`chain ${name} ${c.hook}\n`);
    for (const r of c.rules) h.update(`  ${r}\n`);
  }
  for (const o of [...v.others].sort()) h.update(`other ${o}\n`);
  return h.digest('hex').slice(0, 16);
}

/**
 * The commands that bring a table differing only in elements and rules back to the ruleset, as one transaction;
 * undefined when the difference needs the table replaced (a missing table, set or chain, a changed shape).
 */
export function repairScript(rs: Ruleset, diffs: readonly TableDifference[]): string | undefined {
  const t = rs.table;
  const sets = new Map(rs.sets.map((s) => [s.name, s]));
  const chains = new Map(rs.chains.map((c) => [c.name, c]));
  const lines: string[] = [];
  for (const d of diffs) {
    if (d.kind === 'elements') {
      const s = sets.get(d.set) as NftSet;
      // A map element is deleted by its key, so a changed verdict is a delete and an add.
      const keys = d.extra.map((e) => (s.kind === 'map' ? e.slice(0, e.indexOf(' : ')) : e));
      if (keys.length) lines.push(`delete element inet ${t} ${d.set} { ${keys.join(', ')} }`);
      if (d.missing.length) lines.push(`add element inet ${t} ${d.set} { ${d.missing.join(', ')} }`);
    } else if (d.kind === 'rules') {
      const c = chains.get(d.chain) as NftChain;
      lines.push(`flush chain inet ${t} ${c.name}`, ...c.rules.map((r) => `add rule inet ${t} ${c.name} ${r.text}`));
    } else return undefined;
  }
  return lines.length ? `${lines.join('\n')}\n` : undefined;
}

/** The differences in words, for the log. */
export function describeDifferences(diffs: readonly TableDifference[], max = 4): string {
  const words = diffs.map((d): string => {
    switch (d.kind) {
      case 'table-missing':
        return 'the table was missing';
      case 'unexpected':
        return `it held ${d.what}, which kordon never makes`;
      case 'set-missing':
        return `set ${d.set} was missing`;
      case 'set-extra':
        return `it held set ${d.set}, not in the ruleset`;
      case 'set-shape':
        return `set ${d.set} had another type or flags`;
      case 'elements':
        return `${d.set} lacked ${d.missing.length} and had ${d.extra.length} extra elements`;
      case 'chain-missing':
        return `chain ${d.chain} was missing`;
      case 'chain-extra':
        return `it held chain ${d.chain}, not in the ruleset`;
      case 'chain-hook':
        return `chain ${d.chain} had another hook or policy`;
      case 'rules':
        return `chain ${d.chain} had ${d.have} rules unlike the ${d.want} of the ruleset`;
    }
  });
  return words.length <= max ? words.join('; ') : `${words.slice(0, max).join('; ')} and ${words.length - max} more`;
}

// --- The kernel's JSON, rendered as kordon writes its scripts ---

/** An IPv4 address as nft prints it and kordon writes it: nothing to render (most of a table's elements). */
const PLAIN_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** One address, port, protocol or range, as the compiler writes it. */
function atom(v: J): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    if (PLAIN_IPV4.test(v)) return v;
    const ip = parseIP(v);
    return ip ? formatRange(ip.family, ip.value, ip.value) : v;
  }
  if (isObj(v)) {
    const prefix = v['prefix'];
    if (isObj(prefix)) {
      const ip = parseIP(String(prefix['addr']));
      const len = Number(prefix['len']);
      if (ip) {
        const bits = BigInt(ip.family === 4 ? 32 : 128);
        const size = 1n << (bits - BigInt(len));
        const lo = (ip.value / size) * size;
        return formatRange(ip.family, lo, lo + size - 1n);
      }
    }
    const range = v['range'];
    if (Array.isArray(range) && range.length === 2) {
      const [a, b] = range;
      if (typeof a === 'number' && typeof b === 'number') return formatPorts(a, b);
      const lo = parseIP(String(a));
      const hi = parseIP(String(b));
      if (lo && hi && lo.family === hi.family) return formatRange(lo.family, lo.value, hi.value);
    }
    const concat = v['concat'];
    if (Array.isArray(concat)) return concat.map(atom).join(' . ');
  }
  // Something kordon never writes: it stays distinct, so it shows as a difference.
  return `?${JSON.stringify(v)}`;
}

function verdict(v: J): string {
  if (typeof v === 'string') return v;
  if (isObj(v)) {
    const [k, body] = Object.entries(v)[0] ?? [];
    if (k === 'jump' || k === 'goto') return `${k} ${String(isObj(body) ? body['target'] : body)}`;
    if (k !== undefined && body === null) return k;
  }
  return `?${JSON.stringify(v)}`;
}

/** A set or map element: `10.0.0.1`, `10.0.0.0/8 . tcp . 80-90`, `10.0.0.1 : jump in_x`. */
function element(e: J): string {
  let v = e;
  if (isObj(v) && isObj(v['elem'])) v = (v['elem'] as Record<string, J>)['val'];
  if (Array.isArray(v) && v.length === 2) return `${atom(v[0])} : ${verdict(v[1])}`;
  return atom(v);
}

/** An expression of a rule: `ip saddr`, `meta l4proto . th dport`, `@set`, `established,related`. */
function expr(v: J): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(expr).join(',');
  if (isObj(v)) {
    const [k, body] = Object.entries(v)[0] ?? [];
    if (k === 'payload' && isObj(body)) return `${String(body['protocol'])} ${String(body['field'])}`;
    if ((k === 'meta' || k === 'ct') && isObj(body)) return `${k} ${String(body['key'])}`;
    if (k === 'concat' && Array.isArray(body)) return body.map(expr).join(' . ');
    if (k === 'prefix' || k === 'range') return atom(v);
  }
  return `?${JSON.stringify(v)}`;
}

function statement(s: J): string {
  if (!isObj(s)) return `?${JSON.stringify(s)}`;
  const [k, body] = Object.entries(s)[0] ?? [];
  if (k === 'match' && isObj(body)) {
    const op = String(body['op']);
    return `${expr(body['left'])} ${op === '==' || op === 'in' ? '' : `${op} `}${expr(body['right'])}`;
  }
  if (k === 'vmap' && isObj(body)) return `${expr(body['key'])} vmap ${expr(body['data'])}`;
  if (k === 'set' && isObj(body)) return `${String(body['op'])} ${String(body['set'])} { ${expr(body['elem'])} }`;
  if (k === 'counter') return 'counter';
  if (k !== undefined) return verdict(s);
  return `?${JSON.stringify(s)}`;
}

function ruleText(rule: Record<string, J>): string {
  const body = (Array.isArray(rule['expr']) ? rule['expr'] : []).map(statement).join(' ');
  return canonicalRule(rule['comment'] === undefined ? body : `${body} comment "${String(rule['comment'])}"`);
}

/** nft lists a rule without the family test that its `ip`/`ip6` match implies: leave it out on both sides. */
function canonicalRule(text: string): string {
  return text.replace(/\bmeta nfproto ipv[46] /g, '');
}
