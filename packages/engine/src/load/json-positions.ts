import type { PathSegment } from '../diagnostics.js';

/** Where a JSON value starts, where its key starts (inside an object), and its children. */
export interface JsonPos {
  start: number;
  keyStart?: number;
  keys?: Map<string, JsonPos>;
  items?: JsonPos[];
}

/**
 * One pass over valid JSON text, recording where every value (and every key) starts: positions for messages without a
 * YAML reader, many times faster. A key written twice points at its last occurrence, the one JSON.parse keeps.
 */
export function jsonPositions(text: string): JsonPos {
  let i = 0;
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return;
    }
  };
  const stringEnd = (from: number): number => {
    let j = text.indexOf('"', from + 1);
    while (j > 0) {
      let b = j - 1;
      while (text.charCodeAt(b) === 92) b--;
      if ((j - 1 - b) % 2 === 0) return j;
      j = text.indexOf('"', j + 1);
    }
    return text.length;
  };
  const value = (): JsonPos => {
    ws();
    const start = i;
    const c = text.charCodeAt(i);
    if (c === 123) {
      const keys = new Map<string, JsonPos>();
      i++;
      ws();
      if (text.charCodeAt(i) === 125) {
        i++;
        return { start, keys };
      }
      for (;;) {
        ws();
        const k = i;
        const e = stringEnd(i);
        const raw = text.slice(i + 1, e);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, e + 1)) as string) : raw;
        i = e + 1;
        ws();
        i++; // ':'
        const child = value();
        child.keyStart = k;
        keys.set(key, child);
        ws();
        if (text.charCodeAt(i++) !== 44) return { start, keys };
      }
    }
    if (c === 91) {
      const items: JsonPos[] = [];
      i++;
      ws();
      if (text.charCodeAt(i) === 93) {
        i++;
        return { start, items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text.charCodeAt(i++) !== 44) return { start, items };
      }
    }
    if (c === 34) {
      i = stringEnd(i) + 1;
      return { start };
    }
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break;
      i++;
    }
    return { start };
  };
  return value();
}

/** Offset of the field at `path`: a map entry at its key, a list item at its value; the nearest written ancestor else. */
export function jsonOffset(root: JsonPos, path: readonly PathSegment[]): number {
  let node = root;
  let best = root.start;
  for (const seg of path) {
    const next = typeof seg === 'number' ? node.items?.[seg] : node.keys?.get(seg);
    if (!next) break;
    best = next.keyStart ?? next.start;
    node = next;
  }
  return best;
}
