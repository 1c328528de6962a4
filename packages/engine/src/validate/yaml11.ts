/**
 * kubectl reads YAML with go-yaml v2, which resolves plain (unquoted) scalars with YAML 1.1 rules,
 * while kordon's loader reads YAML 1.2. The two disagree on a handful of spellings, and what
 * kubectl sends to the API server is the YAML 1.1 reading:
 *   - `y`, `yes`, `on`, `n`, `no`, `off` (and their capitalised forms) are booleans;
 *   - an integer with a leading 0 is octal (`0777` is 511), `0b…` is binary, `_` separates digits.
 */
import type { PathSegment } from '../diagnostics.js';
import type { LoadedObject, ScalarSource } from '../load/load.js';

export type ScalarValue = null | boolean | number | string;

const BOOLS = new Map<string, boolean>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((s) => [s, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((s) => [s, false] as const),
]);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOATS = new Map<string, number>([
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Number.POSITIVE_INFINITY] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, Number.NEGATIVE_INFINITY] as const),
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
// Go's strconv.ParseInt with base 0: 0x, 0o, 0b prefixes, and a bare leading 0 for octal.
const GO_INT = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const TIMESTAMP_LIKE = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?$/;

function goInt(s: string): number | undefined {
  const m = GO_INT.exec(s);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2]!;
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) v = parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) v = parseInt(body.slice(2), 2);
  else if (body.length > 1 && body.startsWith('0')) v = parseInt(body.slice(1), 8);
  else v = parseInt(body, 10);
  return sign * v;
}

/** The value go-yaml v2 gives an untagged plain scalar when it decodes into an untyped value. */
export function resolveYaml11Plain(text: string): ScalarValue {
  const bool = BOOLS.get(text);
  if (bool !== undefined) return bool;
  if (NULLS.has(text)) return null;
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return special;
  const first = text[0] ?? '';
  if (first === '.') {
    return YAML_STYLE_FLOAT.test(text) ? Number(text) : text;
  }
  if (!/[-+0-9]/.test(first)) return text;
  // Timestamps are handed back as their text when the target is untyped.
  if (TIMESTAMP_LIKE.test(text)) return text;
  const plain = text.replace(/_/g, '');
  const int = goInt(plain);
  if (int !== undefined) return int;
  if (YAML_STYLE_FLOAT.test(plain)) return Number(plain);
  return text;
}

/**
 * Whether a value read with YAML 1.2 can read differently with YAML 1.1: only numbers, the extra
 * boolean spellings, and strings that start like a number. Lets callers skip looking up the source.
 */
export function mayReadDifferently(raw: ScalarValue): boolean {
  if (typeof raw === 'number') return true;
  if (typeof raw !== 'string' || raw.length === 0) return false;
  const c = raw.charCodeAt(0);
  // '+' 43, '-' 45, '.' 46, '0'-'9' 48-57; the boolean spellings are at most five characters.
  return c === 43 || c === 45 || c === 46 || (c >= 48 && c <= 57) || (raw.length <= 5 && BOOLS.has(raw));
}

/**
 * What kubectl sends for the scalar at `path`, given the value kordon's YAML 1.2 reader produced.
 * Quoted, block and JSON scalars are the same under both rules.
 */
export function kubectlScalar(raw: ScalarValue, source: ScalarSource | undefined): ScalarValue {
  if (!source || !source.plain) return raw;
  const v = resolveYaml11Plain(source.text);
  // A plain string stays as the loader read it (multi-line plain scalars are folded there).
  return typeof v === 'string' ? raw : v;
}

/** Describes how YAML 1.1 read a value differently, for a message; undefined when it did not. */
export function describeYaml11Difference(raw: ScalarValue, source: ScalarSource | undefined, effective: ScalarValue): string | undefined {
  if (Object.is(raw, effective) || !source) return undefined;
  const text = source.text;
  if (typeof effective === 'boolean') return `kubectl reads the unquoted \`${text}\` as the boolean ${effective} (YAML 1.1)`;
  if (typeof effective === 'number') {
    const plain = text.replace(/_/g, '').replace(/^[+-]/, '');
    const how = /^0[0-7]+$/.test(plain) ? 'octal' : /^0[bB]/.test(plain) ? 'binary' : /^0[xX]/.test(plain) ? 'hexadecimal' : 'a number';
    return `kubectl reads the unquoted \`${text}\` as ${how === 'a number' ? 'the number' : `${how}, the number`} ${effective} (YAML 1.1)`;
  }
  if (effective === null) return `kubectl reads the unquoted \`${text}\` as null (YAML 1.1)`;
  return undefined;
}

/**
 * The value at `path` of an object as kubectl would send it: for model builders that must read
 * `port: 0777` as 511 and `hostNetwork: yes` as true, like the cluster did.
 */
export function kubectlValueAt(obj: LoadedObject, path: readonly PathSegment[]): unknown {
  let v: unknown = obj.raw;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return isScalarValue(v) && mayReadDifferently(v) ? kubectlScalar(v, obj.scalarAt(path)) : v;
}

export function isScalarValue(v: unknown): v is ScalarValue {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}
