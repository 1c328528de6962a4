/**
 * The quick reader for the plainest YAML: the block style that `kubectl get -o yaml`, Helm and most generators write
 * (block mappings and sequences, one-line plain, single- and double-quoted scalars, `[]` and `{}`, comments). It
 * reads one document several times faster than js-yaml and keeps no positions: the loader asks it again, with
 * `positions`, for the one document whose positions a message or a YAML 1.1 re-read needs.
 *
 * It gives up (returns undefined), and the document goes to the readers in yaml-fast.ts and load.ts, at anything
 * else: tags, anchors, aliases, merge keys, block scalars, flow collections with content, multi-line scalars, tabs,
 * carriage returns, directives, duplicate keys, keys that are not plain words or quoted strings, and every line it
 * cannot place. Plain scalars are resolved by the `yaml` library's own core-schema tags (`resolveCore`), so values
 * are the full reader's; the tests hold both readers to the same objects, positions and scalar sources.
 */
import { resolveCore, type FastNode } from './yaml-fast.js';

export interface LiteDocument {
  /** The document's value, as the `yaml` reader's `toJS()` gives it; undefined for an empty document. */
  value: unknown;
  /** Where the document's root node starts (its first key, `-` or scalar). */
  start: number;
  /** With `positions`: the node tree, with the positions the `yaml` reader gives. */
  root?: FastNode;
  /**
   * Without `positions`: where each scalar value is written, in document order, as start and end offsets (the end
   * bit-inverted for a quoted scalar): what `liteScalarAt` answers YAML 1.1 re-reads from, without a tree.
   */
  scalars?: Int32Array;
}

class GiveUp extends Error {}
const GIVE_UP = new GiveUp('not plain block YAML');

/** Deeper than any manifest; a document past it goes to the readers that report nesting problems. */
const MAX_DEPTH = 64;

/** Characters of a plain key: letters, digits, `.`, `_`, `/`, `-` (label and annotation keys, field names). */
const KEY_CHAR = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-') KEY_CHAR[c.charCodeAt(0)] = 1;

/**
 * First characters of a plain scalar that may be other than a string (null, booleans, numbers, `.inf`, `~`): the
 * core schema's tags are asked only about these.
 */
const MAY_RESOLVE = new Uint8Array(128);
for (const c of '0123456789-+.~tTfFnN') MAY_RESOLVE[c.charCodeAt(0)] = 1;

/** Characters no plain scalar of ours may start with: YAML indicators this reader leaves to the others. */
const NOT_PLAIN_START = new Uint8Array(128);
for (const c of '-?:,[]{}#&*!|>\'"%@`<') NOT_PLAIN_START[c.charCodeAt(0)] = 1;

const NO_CHILDREN: FastNode[] = [];

/** Scratch for the scalar offsets of the document being read; each document keeps a copy of its part. */
let SCALARS = new Int32Array(1024);

/** Reads the document `text.slice(start, end)`, or undefined when only the other readers may answer. */
export function readYamlLite(text: string, start: number, end: number, positions = false): LiteDocument | undefined {
  const r = new Reader(text, start, end, positions);
  try {
    return r.document();
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    if (e instanceof RangeError) return undefined; // a stack overflow: the other readers report the nesting
    throw e;
  }
}

class Reader {
  /** The current line: its start, its end (the `\n` or the document's end), where its content starts. */
  private lineStart = 0;
  private lineEnd = 0;
  private cs = 0;
  /** The current line's indentation; -1 past the document's last line. */
  private ind = -1;
  private depth = 0;
  /** With positions: the node of the value read last. */
  private node: FastNode | undefined;
  /** Entries of SCALARS written for this document. */
  private scalarCount = 0;

  constructor(
    private readonly t: string,
    private readonly start: number,
    private readonly end: number,
    private readonly positions: boolean,
  ) {}

  document(): LiteDocument {
    const { start, end } = this;
    this.seek(start, true);
    if (this.ind < 0) return { value: undefined, start: end };
    const rootStart = this.cs;
    const value = this.block(this.ind);
    if (this.ind >= 0) throw GIVE_UP; // a line the root could not take
    const doc: LiteDocument = { value, start: rootStart };
    if (this.positions && this.node) doc.root = this.node;
    if (!this.positions) doc.scalars = SCALARS.slice(0, this.scalarCount);
    return doc;
  }

  /** Moves to the next line with content at or after `from`, skipping blank and comment lines. */
  private seek(from: number, first = false): void {
    const { t, end } = this;
    let p = from;
    while (p < end) {
      let le = t.indexOf('\n', p);
      if (le < 0 || le > end) le = end;
      let i = p;
      while (i < le && t.charCodeAt(i) === 32) i++;
      const c = i < le ? t.charCodeAt(i) : -1;
      if (c === 9) throw GIVE_UP; // a tab: indentation YAML forbids, or a separation this reader leaves alone
      if (c === -1 || c === 35 /* # */) {
        p = le + 1;
        continue;
      }
      if (i === p && (c === 45 || c === 46) && (t.startsWith('---', p) || t.startsWith('...', p))) {
        // The `---` line that opens the document; any other marker (`--- x`, `...`) is the other readers' business.
        if (!first || c !== 45 || !separatorLine(t, p, le)) throw GIVE_UP;
        first = false;
        p = le + 1;
        continue;
      }
      if (c === 37 /* % */ && i === p) throw GIVE_UP;
      this.lineStart = p;
      this.lineEnd = le;
      this.cs = i;
      this.ind = i - p;
      return;
    }
    this.ind = -1;
  }

  private nextLine(): void {
    this.seek(this.lineEnd + 1);
  }

  /** A `- ` (or a lone `-`) at the content start: a block sequence entry. */
  private seqEntry(at: number): boolean {
    if (this.t.charCodeAt(at) !== 45) return false;
    const n = at + 1;
    return n === this.lineEnd || this.t.charCodeAt(n) === 32;
  }

  /** The block node whose first line is the current one, indented `n`. */
  private block(n: number): unknown {
    if (++this.depth > MAX_DEPTH) throw GIVE_UP;
    const c = this.t.charCodeAt(this.cs);
    let v: unknown;
    if (this.seqEntry(this.cs)) v = this.sequence(n);
    else if (c === 91 || c === 123) {
      // `[]` or `{}` on a line of its own, as the `yaml` library writes an empty collection below its key.
      v = this.inline(this.cs);
      this.nextLine();
    } else v = this.mapping(n);
    this.depth--;
    return v;
  }

  private mapping(n: number): Record<string, unknown> {
    const { t, positions } = this;
    const obj: Record<string, unknown> = {};
    const children: FastNode[] | undefined = positions ? [] : undefined;
    const mapStart = this.cs;
    while (this.ind === n && !this.seqEntry(this.cs)) {
      const keyStart = this.cs;
      const colon = this.key(keyStart);
      const key = this.keyValue;
      if (key === '__proto__' || Object.hasOwn(obj, key)) throw GIVE_UP; // a duplicate: the full reader reports it
      if (children) children.push({ kind: 'scalar', start: keyStart, end: this.keyEnd, value: key, plain: this.keyPlain, children: NO_CHILDREN });
      let vs = colon + 1;
      while (vs < this.lineEnd && t.charCodeAt(vs) === 32) vs++;
      let value: unknown;
      if (vs === this.lineEnd || t.charCodeAt(vs) === 35) {
        // `key:` and nothing more on the line: a nested block, a sequence at the key's own indentation, or null.
        this.nextLine();
        if (this.ind > n) value = this.block(this.ind);
        else if (this.ind === n && this.seqEntry(this.cs)) value = this.sequence(n);
        else {
          value = null;
          if (children) this.node = { kind: 'scalar', start: colon + 1, end: colon + 1, value: null, plain: true, children: NO_CHILDREN };
          else this.scalar(colon + 1, colon + 1, true);
        }
        if (this.ind > n) throw GIVE_UP;
      } else {
        value = this.inline(vs);
        this.nextLine();
        if (this.ind > n) throw GIVE_UP; // a multi-line scalar, or a line that belongs nowhere
      }
      obj[key] = value;
      if (children) children.push(this.node as FastNode);
    }
    if (children) this.node = { kind: 'mapping', start: mapStart, end: mapStart, value: obj, children };
    return obj;
  }

  private sequence(n: number): unknown[] {
    const { t, positions } = this;
    const arr: unknown[] = [];
    const children: FastNode[] | undefined = positions ? [] : undefined;
    const seqStart = this.cs;
    while (this.ind === n && this.seqEntry(this.cs)) {
      let is = this.cs + 1;
      while (is < this.lineEnd && t.charCodeAt(is) === 32) is++;
      let item: unknown;
      if (is === this.lineEnd || t.charCodeAt(is) === 35) {
        this.nextLine();
        if (this.ind <= n) throw GIVE_UP; // an empty item: where its null sits is the full reader's to say
        item = this.block(this.ind);
      } else if (this.seqEntry(is)) {
        // `- - x`: a sequence whose items stand in the column of its first `-`.
        this.cs = is;
        this.ind = is - this.lineStart;
        if (++this.depth > MAX_DEPTH) throw GIVE_UP;
        item = this.sequence(this.ind);
        this.depth--;
      } else if (this.startsEntry(is)) {
        // `- key: value`: a mapping whose keys stand in the column of its first key.
        this.cs = is;
        this.ind = is - this.lineStart;
        if (++this.depth > MAX_DEPTH) throw GIVE_UP;
        item = this.mapping(this.ind);
        this.depth--;
      } else {
        item = this.inline(is);
        this.nextLine();
      }
      if (this.ind > n) throw GIVE_UP;
      arr.push(item);
      if (children) children.push(this.node as FastNode);
    }
    if (children) this.node = { kind: 'sequence', start: seqStart, end: seqStart, value: arr, children };
    return arr;
  }

  /** The key read last by `key()`, where its text ends, and whether it was written plain. */
  private keyValue = '';
  private keyEnd = 0;
  private keyPlain = true;

  /** Whether a mapping entry (`key:` followed by a blank or the line's end) starts at `at`. */
  private startsEntry(at: number): boolean {
    const { t } = this;
    const c = t.charCodeAt(at);
    if (c === 34 || c === 39) {
      const close = quoteEnd(t, at, this.lineEnd);
      return close > 0 && t.charCodeAt(close) === 58 && (close + 1 === this.lineEnd || t.charCodeAt(close + 1) === 32);
    }
    for (let i = at; i < this.lineEnd; i++) {
      const k = t.charCodeAt(i);
      if (k === 58 && (i + 1 === this.lineEnd || t.charCodeAt(i + 1) === 32)) return true;
      if (k === 32 && t.charCodeAt(i + 1) === 35) return false; // ` #`: a comment
    }
    return false;
  }

  /** Reads the key at `at` into keyValue; returns the offset of its `:`. */
  private key(at: number): number {
    const { t } = this;
    const c = t.charCodeAt(at);
    if (c === 34 || c === 39) {
      const close = quoteEnd(t, at, this.lineEnd);
      if (close < 0 || t.charCodeAt(close) !== 58) throw GIVE_UP;
      if (close + 1 !== this.lineEnd && t.charCodeAt(close + 1) !== 32) throw GIVE_UP;
      this.keyValue = quoted(t, at, close);
      // A key that reads as an array index would come first among its object's keys: scalars in document order
      // (liteScalarAt) need keys in the order they are written.
      const d = this.keyValue.charCodeAt(0);
      if (d >= 48 && d <= 57) throw GIVE_UP;
      this.keyEnd = close;
      this.keyPlain = false;
      return close;
    }
    if (c === 45 || c >= 128 || KEY_CHAR[c] !== 1) throw GIVE_UP;
    let i = at + 1;
    for (; i < this.lineEnd; i++) {
      const k = t.charCodeAt(i);
      if (k === 58) break;
      // Words separated by single spaces (`x y: 1`); a comment, or blanks before the `:`, are left alone.
      if (k === 32 && t.charCodeAt(i + 1) !== 32 && t.charCodeAt(i + 1) !== 35 && t.charCodeAt(i + 1) !== 58) continue;
      if (k >= 128 || KEY_CHAR[k] !== 1) throw GIVE_UP;
    }
    if (i === this.lineEnd || (i + 1 !== this.lineEnd && t.charCodeAt(i + 1) !== 32)) throw GIVE_UP;
    const key = t.slice(at, i);
    // A key the core schema reads as a number, a boolean or null is written otherwise by the readers' toJS().
    if (MAY_RESOLVE[c] === 1 && resolveCore(key) !== key) throw GIVE_UP;
    this.keyValue = key;
    this.keyEnd = i;
    this.keyPlain = true;
    return i;
  }

  /** A scalar, `[]` or `{}` from `at` to the end of the line (a comment may follow). */
  private inline(at: number): unknown {
    const { t } = this;
    const le = this.lineEnd;
    const c = t.charCodeAt(at);
    if (c === 34 || c === 39) {
      const close = quoteEnd(t, at, le);
      if (close < 0) throw GIVE_UP; // closed on a later line, or never
      this.restIsBlank(close);
      const v = quoted(t, at, close);
      if (this.positions) this.node = { kind: 'scalar', start: at, end: close, value: v, plain: false, children: NO_CHILDREN };
      else this.scalar(at, close, false);
      return v;
    }
    if (c === 91 || c === 123) {
      // Only the empty flow collections, as generators write them.
      if (t.charCodeAt(at + 1) !== (c === 91 ? 93 : 125)) throw GIVE_UP;
      this.restIsBlank(at + 2);
      const v = c === 91 ? [] : {};
      if (this.positions) this.node = { kind: c === 91 ? 'sequence' : 'mapping', start: at, end: at + 2, value: v, children: NO_CHILDREN };
      return v;
    }
    if (c < 128 && NOT_PLAIN_START[c] === 1) {
      // `-1` and `-x` are plain scalars; `- `, a lone `-` and the other indicators are left to the other readers.
      if (c !== 45 || at + 1 === le || t.charCodeAt(at + 1) === 32) throw GIVE_UP;
    }
    let e = at;
    for (let i = at; i < le; i++) {
      const k = t.charCodeAt(i);
      if (k === 32) {
        if (t.charCodeAt(i + 1) === 35) break; // ` #`: a comment
        continue;
      }
      if (k < 32) throw GIVE_UP; // a tab or a control character
      if (k === 58 && (i + 1 === le || t.charCodeAt(i + 1) === 32)) throw GIVE_UP; // `a: b: c`
      e = i + 1;
    }
    const s = t.slice(at, e);
    const v = MAY_RESOLVE[c] === 1 ? resolveCore(s) : s;
    if (this.positions) this.node = { kind: 'scalar', start: at, end: e, value: v, plain: true, children: NO_CHILDREN };
    else this.scalar(at, e, true);
    return v;
  }

  private scalar(start: number, end: number, plain: boolean): void {
    const k = this.scalarCount;
    if (k + 2 > SCALARS.length) {
      const grown = new Int32Array(SCALARS.length * 2);
      grown.set(SCALARS);
      SCALARS = grown;
    }
    SCALARS[k] = start;
    SCALARS[k + 1] = plain ? end : ~end;
    this.scalarCount = k + 2;
  }

  /** After a closed scalar only blanks and a comment may follow on its line. */
  private restIsBlank(from: number): void {
    const { t } = this;
    for (let i = from; i < this.lineEnd; i++) {
      const k = t.charCodeAt(i);
      if (k === 32) continue;
      if (k === 35 && i > from && t.charCodeAt(i - 1) === 32) return;
      throw GIVE_UP;
    }
  }
}

/** Where the quoted scalar opening at `at` ends on its line (just past the closing quote), or -1. */
function quoteEnd(t: string, at: number, le: number): number {
  const q = t.charCodeAt(at);
  for (let i = at + 1; i < le; i++) {
    const k = t.charCodeAt(i);
    if (q === 34 && k === 92) i++; // a backslash escapes the next character
    else if (k === q) {
      if (q === 39 && t.charCodeAt(i + 1) === 39) i++; // '' inside single quotes
      else return i + 1;
    }
  }
  return -1;
}

/** The value of the one-line quoted scalar `t.slice(at, close)`. */
function quoted(t: string, at: number, close: number): string {
  const body = t.slice(at + 1, close - 1);
  const single = t.charCodeAt(at) === 39;
  let escaped = false;
  for (let i = 0; i < body.length; i++) {
    const k = body.charCodeAt(i);
    if (k < 32) throw GIVE_UP; // a tab or a control character: left to the other readers
    if (k === 92) escaped = true;
  }
  if (single) return body.includes("'") ? body.replaceAll("''", "'") : body;
  if (!escaped) return body;
  // The escapes JSON knows mean the same in YAML's double quotes; YAML's others (`\x41`, `\e`, `\ `…) are left alone.
  try {
    return JSON.parse(t.slice(at, close)) as string;
  } catch {
    throw GIVE_UP;
  }
}

/** `---` alone on its line, or followed by blanks or a comment (the lines the loader splits documents on). */
function separatorLine(t: string, from: number, to: number): boolean {
  for (let i = from + 3; i < to; i++) {
    const c = t.charCodeAt(i);
    if (c === 35) return i > from + 3 && t.charCodeAt(i - 1) === 32;
    if (c !== 32) return false;
  }
  return true;
}

/**
 * The source of the scalar at `path` in a document read without positions, as the `yaml` reader's tree gives it:
 * its place among the document's scalars is the count of scalars before it in document order, which is the order of
 * its value's keys (this reader leaves keys that look like numbers, which objects would put first, to the others).
 */
export function liteScalarAt(doc: LiteDocument, path: readonly (string | number)[], text: string): { text: string; plain: boolean } | undefined {
  const scalars = doc.scalars;
  if (!scalars) return undefined;
  let node: unknown = doc.value;
  let index = 0;
  for (const seg of path) {
    if (Array.isArray(node)) {
      if (typeof seg !== 'number' || seg >= node.length) return undefined;
      for (let i = 0; i < seg; i++) index += scalarsIn(node[i]);
      node = node[seg];
    } else if (typeof node === 'object' && node !== null) {
      const o = node as Record<string, unknown>;
      const key = String(seg);
      if (!Object.hasOwn(o, key)) return undefined;
      for (const k in o) {
        if (k === key) break;
        index += scalarsIn(o[k]);
      }
      node = o[key];
    } else return undefined;
  }
  if (typeof node === 'object' && node !== null) return undefined;
  const start = scalars[2 * index] as number;
  const end = scalars[2 * index + 1] as number;
  return end >= 0 ? { text: text.slice(start, end), plain: true } : { text: text.slice(start, ~end), plain: false };
}

function scalarsIn(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 1;
  let n = 0;
  if (Array.isArray(v)) for (const x of v) n += scalarsIn(x);
  else for (const k in v) n += scalarsIn((v as Record<string, unknown>)[k]);
  return n;
}
