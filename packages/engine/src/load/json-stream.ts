/**
 * The documents of a stream of JSON texts separated by `---` lines (what many tools emit), as [start, end) offsets
 * into the text, empty documents left out. Undefined when a document does not start as JSON does, so that the
 * YAML reader, which has the last word on such a stream, reads it instead. A `---` line cannot sit inside a JSON
 * document: JSON strings hold no raw line breaks.
 */
export function jsonStreamDocuments(text: string): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  const marker = /^---[ \t]*(?:\r?\n|$)/gm;
  let start = 0;
  const take = (end: number): boolean => {
    let i = start;
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    if (i === end) return true;
    const c = text.charCodeAt(i);
    if (c !== 123 && c !== 91) return false; // { or [
    out.push([i, end]);
    return true;
  };
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    if (!take(m.index)) return undefined;
    start = m.index + m[0].length;
    if (m[0].length === 0) break;
  }
  if (!take(text.length)) return undefined;
  return out;
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;
