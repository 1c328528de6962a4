import { splitDocuments } from './split.js';

/**
 * The documents of a stream of JSON texts separated by `---` lines (what many tools emit), as [start, end) offsets
 * into the text, empty documents left out; the lines are those `splitDocuments` splits on. Undefined when a
 * document does not start as JSON does, so that the YAML reader, which has the last word on such a stream, reads it
 * instead. A `---` line cannot sit inside a JSON document: JSON strings hold no raw line breaks.
 */
export function jsonStreamDocuments(text: string): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  for (const { start, end } of splitDocuments(text)) {
    let i = skipSpace(text, start, end);
    // The first document keeps a `---` line that opens the stream; `--- {...}` is YAML's business.
    if (text.startsWith('---', i)) {
      const eol = Math.min(end, text.indexOf('\n', i) < 0 ? end : text.indexOf('\n', i) + 1);
      if (skipSpace(text, i + 3, eol) !== eol) return undefined;
      i = skipSpace(text, eol, end);
    }
    if (i === end) continue;
    const c = text.charCodeAt(i);
    if (c !== 123 && c !== 91) return undefined; // { or [
    out.push([i, end]);
  }
  return out;
}

function skipSpace(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}
