/** A document of a YAML stream: its text is `text.slice(start, end)`. */
export interface Part {
  start: number;
  end: number;
}

/**
 * Splits a YAML stream on its `---` lines before any parsing, as kubectl's reader does, so that a syntax error
 * (an unclosed quote, say) loses its own document only. A separator line is `---` alone, or followed by blanks or a
 * comment; `--- value` starts a document inside a part and is left to the parser. Directives (`%YAML`) stay with the
 * document they introduce.
 */
export function splitDocuments(text: string): Part[] {
  const parts: Part[] = [];
  let start = 0;
  let directivesOnly = true;
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    if (isSeparator(text, lineStart, lineEnd)) {
      // A part of directives alone introduces the next document: it keeps its `---` line.
      if (!directivesOnly) {
        parts.push({ start, end: lineStart });
        start = lineEnd + 1;
      }
      directivesOnly = true;
    } else if (directivesOnly && !isDirectiveOrBlank(text, lineStart, lineEnd)) {
      directivesOnly = false;
    }
    lineStart = lineEnd + 1;
  }
  if (start < text.length || parts.length === 0) parts.push({ start: Math.min(start, text.length), end: text.length });
  return parts;
}

function isSeparator(text: string, from: number, to: number): boolean {
  if (!text.startsWith('---', from)) return false;
  for (let i = from + 3; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 35 /* # */) return i > from + 3 && isSpace(text.charCodeAt(i - 1));
    if (!isSpace(c)) return false;
  }
  return true;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Blank lines, comments and `%` directives: nothing of a document yet. */
function isDirectiveOrBlank(text: string, from: number, to: number): boolean {
  let i = from;
  while (i < to && isSpace(text.charCodeAt(i))) i++;
  if (i === to) return true;
  const c = text.charCodeAt(i);
  return c === 35 || (i === from && c === 37 /* % */);
}
