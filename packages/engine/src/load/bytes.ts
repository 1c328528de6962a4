/** A byte of the input that is not UTF-8 text: where its replacement character sits in the decoded text. */
export interface Undecodable {
  /** Offset in the decoded text (each such byte reads as one U+FFFD). */
  offset: number;
  byte: number;
}

/** Past this many, a file is binary: its every document would be lost anyway, and one message says so. */
export const MAX_UNDECODABLE = 1000;

// In every browser and in Node; the engine's lib (ES2022, no DOM) leaves out its type.
declare const TextDecoder: new (label: 'utf-8', options?: { fatal?: boolean; ignoreBOM?: boolean }) => { decode(input: Uint8Array): string };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * UTF-8 text of a file's bytes, a byte order mark dropped. A byte that is not UTF-8 reads as U+FFFD and is listed,
 * so that the loader can say where it is and keep the file's other documents.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string; undecodable: Undecodable[] } {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return { text: UTF8.decode(body), undecodable: [] };
  } catch {
    // Decoded run by run below.
  }
  const undecodable: Undecodable[] = [];
  let text = '';
  let run = 0;
  let i = 0;
  while (i < body.length) {
    const n = sequenceLength(body, i);
    if (n > 0) {
      i += n;
      continue;
    }
    text += UTF8.decode(body.subarray(run, i));
    undecodable.push({ offset: text.length, byte: body[i] as number });
    text += '\uFFFD';
    i++;
    run = i;
    if (undecodable.length > MAX_UNDECODABLE) {
      text += new TextDecoder('utf-8', { ignoreBOM: true }).decode(body.subarray(i));
      return { text, undecodable };
    }
  }
  text += UTF8.decode(body.subarray(run));
  return { text, undecodable };
}

/** The length of the well-formed UTF-8 sequence at `i` (Unicode table 3-7), or 0. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** What is wrong with the character at an offset, if it is no manifest text: a NUL, or a byte that is not UTF-8. */
export interface BadCharacter {
  offset: number;
  message: string;
}

/** The first bad character in `[from, to)`: a NUL, or an undecodable byte. */
export function firstBadCharacter(text: string, undecodable: readonly Undecodable[], from: number, to: number): BadCharacter | undefined {
  const nul = text.indexOf('\u0000', from);
  const u = undecodable.find((x) => x.offset >= from && x.offset < to);
  const nulAt = nul >= 0 && nul < to ? nul : undefined;
  if (u && (nulAt === undefined || u.offset < nulAt)) {
    const hex = u.byte.toString(16).toUpperCase().padStart(2, '0');
    return { offset: u.offset, message: `byte 0x${hex} here is not UTF-8 text; this document is skipped` };
  }
  if (nulAt !== undefined) return { offset: nulAt, message: 'a NUL byte here: a manifest is text, not binary; this document is skipped' };
  return undefined;
}
