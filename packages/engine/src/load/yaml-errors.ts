import { Lexer, type YAMLError } from 'yaml';

/** One YAML syntax error as a person reads it: where it starts, what is wrong, what to do. */
export interface SyntaxProblem {
  offset: number;
  message: string;
  hint: string;
}

const HINTS: Readonly<Record<string, string>> = {
  BAD_INDENT: 'check the indentation of this line against the lines above it: items of one map or list start in one column',
  TAB_AS_INDENT: 'indent with spaces: YAML does not allow tabs there',
  BLOCK_AS_IMPLICIT_KEY: 'a value on the same line as its key cannot hold `key: value` itself: put it on the next line, indented, or quote it',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line: check the indentation of the line after it',
  BAD_DQ_ESCAPE: 'in double quotes a backslash starts an escape: write \\\\ for a backslash, or use single quotes',
  DUPLICATE_KEY: 'keep one of them',
};

/**
 * A document's syntax errors as one problem, at the place a person would fix: the parser often reports one mistake
 * several times over (a line indented too far is "nested mappings" and "implicit keys on one line" at the line above).
 */
export function describeSyntaxErrors(errors: readonly YAMLError[], text: string): SyntaxProblem | undefined {
  const overIndented = errors.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY');
  if (overIndented) {
    const nl = text.indexOf('\n', overIndented.pos[0]);
    if (nl >= 0 && nl < overIndented.pos[1]) {
      let at = nl + 1;
      while (text[at] === ' ') at++;
      return {
        offset: at,
        message: 'this line is indented more than the key above it, so YAML reads it as the rest of the value there, and a value cannot hold a `key:`',
        hint: 'indent it as far as the key it goes with',
      };
    }
  }
  const first = errors[0];
  return first && describeSyntaxError(first, text);
}

/** One parser error, at the place a person would fix. */
function describeSyntaxError(e: YAMLError, text: string): SyntaxProblem {
  const message = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
  const quote = /^Missing closing (["'])quote/.exec(message)?.[1];
  if (quote) {
    return {
      offset: openingQuote(text, e.pos[0], quote) ?? e.pos[0],
      message: `this ${quote === '"' ? 'double' : 'single'}-quoted string is never closed`,
      hint: `close it with ${quote} on the line where it ends (the document after it is read on its own)`,
    };
  }
  return { offset: e.pos[0], message, hint: HINTS[e.code] ?? 'fix the YAML syntax here; objects in this document are skipped' };
}

/** Where the quoted scalar that runs to `end` opens: the last token before it that starts with the quote. */
function openingQuote(text: string, end: number, quote: string): number | undefined {
  let offset = 0;
  let found: number | undefined;
  for (const token of new Lexer().lex(text)) {
    if (offset > end) break;
    // The lexer marks where documents and scalars begin with control characters that are not in the text.
    if (token === '\x02' || token === '\x18' || token === '\x1f') continue;
    if (token.startsWith(quote)) found = offset;
    offset += token.length;
  }
  return found;
}
