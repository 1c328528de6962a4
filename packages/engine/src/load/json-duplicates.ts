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
      let j = text.indexOf('"', i + 1);
      while (j > 0) {
        let b = j - 1;
        while (text.charCodeAt(b) === 92) b--;
        if ((j - 1 - b) % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
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
