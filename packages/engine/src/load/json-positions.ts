import type { PathSegment } from '../diagnostics.js';

/** A JSON value: where it starts, where its key starts (inside an object), and its children once they are asked for. */
interface JsonNode {
  start: number;
  keyStart?: number;
  keys?: Map<string, JsonNode>;
  items?: JsonNode[];
}

/**
 * Offsets of the fields of a valid JSON text, for messages without a YAML reader. Each object or array is scanned for
 * its own children the first time a path goes through it, skipping what is inside them without allocating: a look-up
 * in a large `kind: List` costs one pass over the list and then its one item, not an index of every value. A key
 * written twice points at its last occurrence, the one JSON.parse keeps.
 */
export function jsonLocator(text: string): (path: readonly PathSegment[]) => number {
  const root: JsonNode = { start: skipBlank(text, 0) };
  return (path) => {
    let node = root;
    let best = root.start;
    for (const seg of path) {
      const next = typeof seg === 'number' ? itemsOf(text, node)?.[seg] : keysOf(text, node)?.get(seg);
      // A map entry is shown at its key, a list item at its value; the nearest written ancestor else.
      if (!next) break;
      best = next.keyStart ?? next.start;
      node = next;
    }
    return best;
  };
}

function keysOf(text: string, node: JsonNode): Map<string, JsonNode> | undefined {
  if (node.keys || text.charCodeAt(node.start) !== 123) return node.keys;
  const keys = new Map<string, JsonNode>();
  let i = skipBlank(text, node.start + 1);
  while (text.charCodeAt(i) === 34) {
    const keyStart = i;
    const e = stringEnd(text, i);
    const raw = text.slice(i + 1, e);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(i, e + 1)) as string) : raw;
    i = skipBlank(text, skipBlank(text, e + 1) + 1); // past the ':'
    const child: JsonNode = { start: i, keyStart };
    keys.set(key, child);
    // A list's items are found on the way past it (a `kind: List` is then read once, not twice).
    i = skipBlank(text, text.charCodeAt(i) === 91 ? scanItems(text, child) : skipValue(text, i));
    if (text.charCodeAt(i) === 44) i = skipBlank(text, i + 1);
  }
  return (node.keys = keys);
}

function itemsOf(text: string, node: JsonNode): JsonNode[] | undefined {
  if (!node.items && text.charCodeAt(node.start) === 91) scanItems(text, node);
  return node.items;
}

/** Indexes the items of the list at `node`; returns the offset just past it. */
function scanItems(text: string, node: JsonNode): number {
  const items: JsonNode[] = [];
  let i = skipBlank(text, node.start + 1);
  while (text.charCodeAt(i) !== 93 && i < text.length) {
    items.push({ start: i });
    i = skipBlank(text, skipValue(text, i));
    if (text.charCodeAt(i) === 44) i = skipBlank(text, i + 1);
  }
  node.items = items;
  return i + 1;
}

function skipBlank(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) i++;
    else return i;
  }
}

/** The offset of the closing quote of the string that opens at `from`. */
function stringEnd(text: string, from: number): number {
  let j = text.indexOf('"', from + 1);
  while (j > 0) {
    let b = j - 1;
    while (text.charCodeAt(b) === 92) b--;
    if ((j - 1 - b) % 2 === 0) return j;
    j = text.indexOf('"', j + 1);
  }
  return text.length;
}

/** Just past the value that starts at `from`. */
function skipValue(text: string, from: number): number {
  const c = text.charCodeAt(from);
  if (c === 34) return stringEnd(text, from) + 1;
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let i = from; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === 34) i = stringEnd(text, i);
      else if (d === 123 || d === 91) depth++;
      else if ((d === 125 || d === 93) && --depth === 0) return i + 1;
    }
    return text.length;
  }
  let i = from;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break;
    i++;
  }
  return i;
}
