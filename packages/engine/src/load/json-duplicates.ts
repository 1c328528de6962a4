import type { PathSegment } from '../diagnostics.js';

export interface JsonDuplicate {
  /** Path of the object that holds the key twice. */
  path: PathSegment[];
  key: string;
  /** Offset of the second occurrence. */
  offset: number;
}

// Keys seen so far in an object: a short array (most objects have a handful of keys), a Set past 16.
type Frame = { object: true; keys: string[] | Set<string> } | { object: false; index: number };

/** Keys written twice, and where the text first nests deeper than `maxDepth` (if it does). */
export interface JsonStructure {
  duplicates: JsonDuplicate[];
  tooDeepAt?: number;
}

/**
 * Keys written twice in one JSON object. JSON.parse keeps the last silently; strict decoding (kubectl apply) rejects
 * the object, so kordon must see them. `text` must already be valid JSON.
 */
export function jsonDuplicateKeys(text: string): JsonDuplicate[] {
  return jsonStructure(text, Infinity).duplicates;
}

/** One pass over valid JSON: duplicated keys, and the first bracket that nests past `maxDepth`. */
export function jsonStructure(text: string, maxDepth: number): JsonStructure {
  const out: JsonDuplicate[] = [];
  const stack: Frame[] = [];
  const path: PathSegment[] = [];
  let expectKey = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 34) {
      // A string: jump to its closing quote (one not preceded by an odd number of backslashes).
      const j = stringEnd(text, i);
      if (j < 0) return { duplicates: out };
      const top = stack[stack.length - 1];
      if (expectKey && top?.object) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        const seen = Array.isArray(top.keys) ? top.keys.includes(key) : top.keys.has(key);
        if (seen) out.push({ path: path.slice(0, -1), key, offset: i });
        else if (Array.isArray(top.keys)) {
          top.keys.push(key);
          if (top.keys.length > 16) top.keys = new Set(top.keys);
        } else top.keys.add(key);
        path[path.length - 1] = key;
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if ((ch === 123 || ch === 91) && stack.length >= maxDepth) return { duplicates: out, tooDeepAt: i };
    if (ch === 123) {
      stack.push({ object: true, keys: [] });
      path.push('');
      expectKey = true;
    } else if (ch === 91) {
      stack.push({ object: false, index: 0 });
      path.push(0);
      expectKey = false;
    } else if (ch === 125 || ch === 93) {
      stack.pop();
      path.pop();
      expectKey = false;
    } else if (ch === 44) {
      const top = stack[stack.length - 1];
      if (top?.object) expectKey = true;
      else if (top) path[path.length - 1] = ++top.index;
    }
    i++;
  }
  return { duplicates: out };
}

/**
 * As `jsonStructure`, given the value JSON.parse made of `text`: when the text writes as many keys as the value holds,
 * no key is written twice, and one light pass (counting the colons outside strings, and the depth) settles it. Only a
 * text with a duplicate pays for the full pass that finds where.
 */
export function jsonStructureOf(text: string, value: unknown, maxDepth: number): JsonStructure {
  const light = keysAndDepth(text, maxDepth);
  if (light.tooDeepAt !== undefined) return jsonStructure(text, maxDepth);
  return light.keys === keysIn(value) ? { duplicates: [] } : jsonStructure(text, maxDepth);
}

/** Keys written in valid JSON (each is followed by the only colons outside strings), or where it first nests too deep. */
function keysAndDepth(text: string, maxDepth: number): { keys: number; tooDeepAt?: number } {
  let keys = 0;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34) {
      const j = stringEnd(text, i);
      if (j < 0) break;
      i = j;
    } else if (ch === 58) keys++;
    else if (ch === 123 || ch === 91) {
      if (depth >= maxDepth) return { keys, tooDeepAt: i };
      depth++;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return { keys };
}

/** Own keys of every object in a parsed JSON value. */
function keysIn(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) n += keysIn(value[i]);
    return n;
  }
  const o = value as Record<string, unknown>;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    n += 1 + keysIn(o[k]);
  }
  return n;
}

/** The closing quote of the string opening at `i`: the next one not preceded by an odd number of backslashes; -1 if none. */
function stringEnd(text: string, i: number): number {
  let j = text.indexOf('"', i + 1);
  while (j > 0) {
    let b = j - 1;
    while (text.charCodeAt(b) === 92) b--;
    if ((j - 1 - b) % 2 === 0) break;
    j = text.indexOf('"', j + 1);
  }
  return j;
}
