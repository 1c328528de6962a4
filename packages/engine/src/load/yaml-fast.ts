/**
 * A fast reader for the common YAML manifest: js-yaml reads it four to six times faster than the `yaml` library, and
 * its parse events give the offsets of every node. From them this builds a small tree with the same positions the
 * `yaml` reader gives, so `locate` and `scalarAt` answer exactly as they would there.
 *
 * It gives up (returns undefined), and the file goes to the full reader, whenever the two readers could disagree
 * or the full reader has more to say: any syntax error or duplicate key (js-yaml throws), tags, anchors and aliases,
 * merge keys, and any plain scalar that js-yaml resolves otherwise than the `yaml` library's YAML 1.2 core schema
 * does (`0b101`, `+0x1F`, `-0`…). The answer is then always the full reader's.
 */
import { CORE_SCHEMA, loadAll, type State } from 'js-yaml';
import { isScalar, Schema, type ScalarTag } from 'yaml';

/** A node of the tree: where its content starts and ends, and for collections their children in order. */
export interface FastNode {
  kind: 'scalar' | 'mapping' | 'sequence';
  start: number;
  end: number;
  /** The scalar's value as read; for collections undefined. */
  value?: unknown;
  plain?: boolean;
  /** Mappings: key, value, key, value…; sequences: the items. */
  children: FastNode[];
  /** Nothing was read here at all (js-yaml opened a node and found no content). */
  empty?: boolean;
}

export interface FastYaml {
  /** One value per document, as the `yaml` reader's `toJS()` gives them. */
  values: unknown[];
  /** The root node of each document (undefined for an empty one). */
  roots: (FastNode | undefined)[];
}

class GiveUp extends Error {}

/** Why the last call gave up, for tests and tuning. */
export let lastGiveUp = '';

function giveUp(why: string): GiveUp {
  lastGiveUp = why;
  return new GiveUp(why);
}

let coreTags: readonly ScalarTag[] | undefined;

/** What the `yaml` library makes of a plain scalar under the YAML 1.2 core schema. */
export function resolveCore(text: string): unknown {
  coreTags ??= (new Schema({ schema: 'core' }).tags as unknown[]).filter(
    (t): t is ScalarTag => typeof t === 'object' && t !== null && 'test' in t && (t as ScalarTag).test instanceof RegExp && (t as ScalarTag).default === true,
  );
  const tag = coreTags.find((t) => t.test?.test(text));
  if (!tag) return text;
  const v: unknown = tag.resolve(text, () => {}, {} as never);
  // Some tags (null, bool) hand back a Scalar node rather than its value.
  return isScalar(v) ? v.value : v;
}

/** Space, tab, line feed, carriage return, byte order mark. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff;
}

/** Where a node's content starts, from the offset js-yaml opened it at: past blank space and comments. */
function contentStart(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === 35 /* # */ && (i === 0 || isBlank(text.charCodeAt(i - 1)))) {
      while (i < text.length && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    return i;
  }
}

/** The end of a plain scalar's text: js-yaml closes it past trailing blanks (before a comment). */
function plainEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && isBlank(text.charCodeAt(e - 1))) e--;
  return e;
}

/**
 * Whether a plain scalar written starting with this character may be read as other than a string by either reader
 * (null, booleans, numbers, `.inf`, `~`); the others are strings for both, and need no comparison.
 */
function mayResolve(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 126 || c === 116 || c === 84 || c === 102 || c === 70 || c === 110 || c === 78;
}

/** Scalars and empty collections share this one; it is never written to. */
const NO_CHILDREN: FastNode[] = [];

function blockEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && (text[e - 1] === ' ' || text[e - 1] === '\t')) e--;
  return e;
}

/** Whether `start` is on a line that opens with a `---` marker, with only blanks between the two. */
function onMarkerLine(text: string, start: number): boolean {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  if (start - lineStart < 4 || !text.startsWith('---', lineStart)) return false;
  for (let i = lineStart + 3; i < start; i++) if (!isBlank(text.charCodeAt(i))) return false;
  return true;
}

/** Reads `text` with js-yaml, or undefined when only the full reader may answer. */
export function readYamlFast(text: string): FastYaml | undefined {
  lastGiveUp = '';
  const roots: (FastNode | undefined)[] = [];
  // The nodes js-yaml has opened and not closed: where each opened, and the children closed inside it so far.
  const openedAt: number[] = [];
  const openChildren: FastNode[][] = [];
  const listener = (event: 'open' | 'close', state: State): void => {
    if (event === 'open') {
      openedAt.push(state.position);
      openChildren.push(NO_CHILDREN);
      return;
    }
    const at = openedAt.pop() as number;
    let children = openChildren.pop() as FastNode[];
    const start = contentStart(text, at);
    const depth = openChildren.length;
    const add = (node: FastNode): void => {
      if (depth === 0) roots.push(node);
      else if (openChildren[depth - 1] === NO_CHILDREN) openChildren[depth - 1] = [node];
      else (openChildren[depth - 1] as FastNode[]).push(node);
    };
    // js-yaml opens a node around some others (block sequence items): the same value, so the same node.
    const only = children.length === 1 ? children[0] : undefined;
    if (only && only.kind === state.kind && Object.is(only.value, state.result)) {
      add(only);
      return;
    }
    if (start >= state.position) {
      // No content (`key:` with nothing after it): the full reader reads null, written as nothing, where it opened.
      if (state.result !== null && state.result !== undefined) throw giveUp('empty node with a value');
      add({ kind: 'scalar', start: at, end: at, value: null, plain: true, empty: state.kind === null, children: NO_CHILDREN });
      return;
    }
    const first = text[start];
    // Tags, anchors and aliases: the full reader keeps them apart; leave them to it.
    if (first === '!' || first === '&' || first === '*') throw giveUp('tag, anchor or alias');
    let node: FastNode;
    if (state.kind === 'mapping' || state.kind === 'sequence') {
      // js-yaml reads `--- a: b` as a mapping; the full reader rejects a block collection on the `---` line.
      if (first !== '{' && first !== '[' && onMarkerLine(text, start)) throw giveUp('block collection on the --- line');
      if (state.kind === 'mapping') {
        // A block mapping ends with js-yaml looking for one more key and finding none: not a child.
        if (children.length % 2 !== 0 && children[children.length - 1]?.empty) children = children.slice(0, -1);
        if (children.length % 2 !== 0) throw giveUp('mapping entry without a value');
        // The full reader writes a null key as '' where js-yaml writes 'null'; collection keys it writes otherwise too.
        for (let k = 0; k < children.length; k += 2) {
          const key = children[k] as FastNode;
          if (key.kind !== 'scalar' || key.value === null || key.value === undefined) throw giveUp('null or collection key');
        }
      }
      const result = state.result as Record<string, unknown> | unknown[];
      if (state.kind === 'sequence') {
        // A flow sequence may end with js-yaml looking for one more item after a trailing comma.
        while (children.length > (result as unknown[]).length && children[children.length - 1]?.empty) children = children.slice(0, -1);
        if (children.length !== (result as unknown[]).length) throw giveUp('sequence items do not match');
      } else {
        let entries = 0;
        for (const _ in result) entries++;
        if (children.length / 2 !== entries) throw giveUp('mapping entries do not match');
      }
      node = { kind: state.kind, start, end: state.position, value: result, children: children };
    } else {
      const quoted = first === '"' || first === "'";
      const block = first === '|' || first === '>';
      const plain = !quoted && !block;
      // A block scalar ends after its last line break, not at the next line's indentation.
      const end = plain ? plainEnd(text, start, state.position) : block ? blockEnd(text, start, state.position) : state.position;
      const result: unknown = state.result;
      if (plain && (typeof result !== 'string' || mayResolve(text.charCodeAt(start)) || text.charCodeAt(start) === 60 /* < */)) {
        const written = text.slice(start, end);
        if (written === '<<') throw giveUp('merge key');
        // A multi-line plain scalar is folded: resolve what js-yaml read, as the full reader resolves its folded text.
        const expected = resolveCore(typeof result === 'string' ? result : written);
        if (!Object.is(expected, result === undefined ? null : result)) throw giveUp(`plain scalar resolved differently: ${JSON.stringify(written).slice(0, 40)}`);
      }
      node = { kind: 'scalar', start, end, value: result, plain, children: NO_CHILDREN };
    }
    add(node);
  };
  let values: unknown[];
  try {
    values = loadAll(text, undefined, { schema: CORE_SCHEMA, listener });
  } catch (e) {
    if (!(e instanceof GiveUp)) lastGiveUp = `js-yaml: ${e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)}`;
    return undefined;
  }
  lastGiveUp = '';
  if (roots.length !== values.length) {
    lastGiveUp = 'document count';
    return undefined;
  }
  // An empty document has no node of its own in the full reader.
  return { values, roots: roots.map((r, i) => (values[i] === null && r?.kind === 'scalar' && r.start === r.end ? undefined : r)) };
}

/** The child of a node for one step of a field path: the key node (maps) and the value node. */
export function fastChild(node: FastNode | undefined, seg: string | number): { keyNode?: FastNode; valueNode?: FastNode } | undefined {
  if (!node) return undefined;
  if (node.kind === 'mapping') {
    for (let k = 0; k + 1 < node.children.length; k += 2) {
      const key = node.children[k] as FastNode;
      if (key.kind === 'scalar' && keyText(key.value) === String(seg)) return { keyNode: key, valueNode: node.children[k + 1] as FastNode };
    }
    return undefined;
  }
  if (node.kind === 'sequence' && typeof seg === 'number') {
    const item = node.children[seg];
    return item ? { valueNode: item } : undefined;
  }
  return undefined;
}

/** A map key as the `yaml` reader's `toJS()` writes it. */
function keyText(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

