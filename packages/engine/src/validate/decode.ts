/**
 * Strict decoding, as the API server does it for `kubectl apply` (field validation "Strict"):
 * every value must have its field's type, unknown fields and duplicated keys are errors.
 * The result is a typed copy of the object holding what kubectl would send (YAML 1.1 readings of
 * plain scalars), with BAD where a value could not be decoded, so that later checks can skip it. Fields of an open
 * struct that kordon does not read are kept as written; later checks read only the fields the schema names.
 */
import { formatPath, type PathSegment } from '../diagnostics.js';
import { typo, unknownFieldHint } from './hints.js';
import { objectRef, quote, valueText, type Reporter } from './report.js';
import { describeYaml11Difference, isScalarValue, kubectlScalar, mayReadDifferently, type ScalarValue } from './yaml11.js';

export type Schema =
  | { type: 'string' }
  | { type: 'int32' }
  | { type: 'int64' }
  | { type: 'boolean' }
  | { type: 'intOrString' }
  | { type: 'any' }
  | { type: 'map'; values: Schema }
  | { type: 'list'; items: Schema }
  | StructSchema;

export interface StructSchema {
  type: 'struct';
  /** The Go type name, used in messages: `NetworkPolicyPeer`. */
  name: string;
  fields: Readonly<Record<string, Schema>>;
  /** Unknown fields are not reported (kinds kordon only reads a few fields of). */
  open?: boolean;
  /**
   * For an open struct whose fields are all listed: a key a letter or two from one of them is an error, since no
   * Kubernetes version has it, while other unknown keys (fields of other versions) pass. Default: a warning.
   */
  nearMiss?: 'error';
}

/** A value that was present but could not be decoded; already reported. */
export const BAD: unique symbol = Symbol('bad');
export type Bad = typeof BAD;

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function expected(schema: Schema): string {
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'int32':
      return 'integer (int32)';
    case 'int64':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'intOrString':
      return 'integer or string';
    case 'map':
      return 'map of string keys';
    case 'list':
      return 'list';
    case 'struct':
      return `object (${schema.name})`;
    case 'any':
      return 'any value';
  }
}

export class Decoder {
  constructor(private readonly r: Reporter) {}

  /** Decodes `raw` at `path`; returns undefined for an absent or null value. */
  decode(raw: unknown, schema: Schema, path: PathSegment[]): unknown {
    if (schema.type === 'any') return raw;
    if (raw === undefined) return undefined;
    // Most values of a manifest are strings that no YAML 1.1 reading changes: they decode to themselves.
    if (typeof raw === 'string' && schema.type === 'string' && !mayReadDifferently(raw)) return raw;
    if (isScalar(raw)) return this.scalar(raw, schema, path);
    switch (schema.type) {
      // Copy on write: a value whose every part decodes to itself is returned as is, so a valid manifest costs no copy.
      case 'list':
        return Array.isArray(raw) ? this.list(raw, schema.items, path) : this.typeError(raw, schema, path);
      case 'map':
      case 'struct':
        return isObj(raw) ? this.fields(raw, schema, path) : this.typeError(raw, schema, path);
      default:
        return this.typeError(raw, schema, path);
    }
  }

  private list(raw: unknown[], items: Schema, path: PathSegment[]): unknown {
    let out: unknown[] | undefined;
    for (let i = 0; i < raw.length; i++) {
      const v = this.child(raw[i], items, path, i);
      if (out) out.push(v);
      else if (v !== raw[i]) {
        out = raw.slice(0, i);
        out.push(v);
      }
    }
    return out ?? raw;
  }

  private fields(raw: Obj, schema: StructSchema | { type: 'map'; values: Schema }, path: PathSegment[]): unknown {
    const known = schema.type === 'struct' ? fieldsOf(schema) : undefined;
    let out: Obj | undefined;
    let n = 0;
    for (const k in raw) {
      if (!Object.prototype.hasOwnProperty.call(raw, k)) continue;
      const field = known ? known.get(k) : (schema as { values: Schema }).values;
      if (!field) {
        const struct = schema as StructSchema;
        if (!struct.open) {
          // An unknown field of a closed struct is an error and not part of the decoded value.
          this.unknownField(struct, k, raw, path);
          out ??= copyUpTo(raw, n, struct);
        } else {
          // One of an open struct (a field kordon does not read) is kept as written: no copy of a valid object.
          this.nearField(struct, k, path);
          if (out) setOwn(out, k, raw[k]);
        }
        n++;
        continue;
      }
      const v = this.child(raw[k], field, path, k);
      if (out) setOwn(out, k, v);
      else if (v !== raw[k]) {
        out = copyUpTo(raw, n, schema);
        setOwn(out, k, v);
      }
      n++;
    }
    return out ?? raw;
  }

  /**
   * Decodes a child value with `seg` pushed on the shared path for the duration of the call: reports copy the path when
   * they are made, so one array serves the whole walk instead of one per node.
   */
  private child(raw: unknown, schema: Schema, path: PathSegment[], seg: PathSegment): unknown {
    // Strings that decode to themselves need no path.
    if (typeof raw === 'string' && schema.type === 'string' && !mayReadDifferently(raw)) return raw;
    path.push(seg);
    try {
      return this.decode(raw, schema, path);
    } finally {
      path.pop();
    }
  }

  private unknownField(schema: StructSchema, key: string, parent: Obj, path: PathSegment[]): void {
    this.r.add('field-unknown', 'error', [...path, key], `strict decoding error: unknown field ${quote(key)} in ${schema.name}`, {
      hint: unknownFieldHint(schema, key, parent, path),
    });
  }

  /**
   * An open struct lists only the fields kordon reads, so an unknown key may be a field kordon does not know. One a
   * letter or two from a field kordon reads (`Ports`, `containerport`, `hostnetwork`) is almost surely a typo that
   * `kubectl apply` would reject, and that silently changes what kordon sees: a warning.
   */
  private nearField(schema: StructSchema, key: string, path: PathSegment[]): void {
    const near = nearestField(schema, key);
    if (near === undefined) return;
    this.r.add('field-unknown', schema.nearMiss ?? 'warning', [...path, key], `unknown field ${quote(key)} in ${schema.name}: did you mean ${quote(near)}?`, {
      hint: `write \`${near}\`; field names are case-sensitive, and \`kubectl apply\` rejects a field it does not know`,
    });
  }

  private scalar(raw: ScalarValue, schema: Schema, path: PathSegment[]): unknown {
    const source = mayReadDifferently(raw) ? this.r.obj.scalarAt(path) : undefined;
    const v = kubectlScalar(raw, source);
    if (v === null) return undefined; // null leaves a field at its zero value
    const trap = describeYaml11Difference(raw, source, v);
    switch (schema.type) {
      case 'string':
        if (typeof v === 'string') return v;
        if (trap) return this.yaml11TypeError(v, schema, path, trap, source?.text);
        return this.typeError(v, schema, path, source?.text);
      case 'boolean':
        if (typeof v !== 'boolean') return this.typeError(v, schema, path, source?.text);
        if (trap) this.yaml11Warning(v, path, trap, `write \`${String(v)}\` to say what you mean`);
        return v;
      case 'int32':
      case 'int64':
      case 'intOrString': {
        if (typeof v === 'string' && schema.type === 'intOrString') return v;
        if (typeof v !== 'number') {
          if (typeof v === 'boolean' && trap) return this.yaml11TypeError(v, schema, path, trap, source?.text);
          return this.typeError(v, schema, path, source?.text);
        }
        if (!Number.isInteger(v)) return this.typeError(v, schema, path, source?.text);
        const is32 = schema.type !== 'int64';
        if (is32 ? v < INT32_MIN || v > INT32_MAX : !Number.isSafeInteger(v)) {
          this.r.add('field-type', 'error', path, `Invalid value: ${quote(v)}: does not fit in ${is32 ? 'a 32-bit' : 'a 64-bit'} integer`, {
            value: valueText(v),
          });
          return BAD;
        }
        if (trap) {
          const hint = typeof raw === 'number' || (typeof raw === 'string' && /^[0-9]+$/.test(raw))
            ? `write ${v} if you meant ${v}, or ${String(raw)} without the leading zero`
            : `write ${v} to say what you mean`;
          this.yaml11Warning(v, path, trap, hint);
        }
        return v;
      }
      default:
        return this.typeError(v, schema, path, source?.text);
    }
  }

  private yaml11TypeError(v: ScalarValue, schema: Schema, path: PathSegment[], trap: string, text: string | undefined): Bad {
    const code = typeof v === 'boolean' ? 'yaml11-bool' : 'yaml11-number';
    this.r.add(code, 'error', path, `Invalid type: ${trap}, and this field must be ${article(expected(schema))}`, {
      value: text ?? valueText(v),
      hint: `quote it: "${text ?? String(v)}"`,
    });
    return BAD;
  }

  private yaml11Warning(v: ScalarValue, path: PathSegment[], trap: string, hint: string): void {
    const code = typeof v === 'boolean' ? 'yaml11-bool' : 'yaml11-number';
    this.r.add(code, 'warning', path, `${trap}, and that is what the API server receives`, { value: valueText(v), hint });
  }

  private typeError(v: unknown, schema: Schema, path: PathSegment[], text?: string): Bad {
    const found = isScalar(v) ? `${jsonKind(v)} ${text ?? quote(v)}` : jsonKind(v);
    const hint =
      schema.type === 'string' && isScalar(v)
        ? `quote it: "${text ?? String(v)}"`
        : schema.type === 'list' && isObj(v)
          ? 'start each item with "- " to make a list'
          : (schema.type === 'struct' || schema.type === 'map') && Array.isArray(v)
            ? 'this is a map, not a list: remove the "- " in front of its `key: value` lines'
            : schema.type === 'struct' || schema.type === 'map'
              ? 'write the fields as an indented block of `key: value` lines'
              : undefined;
    this.r.add('field-type', 'error', path, `Invalid type: expected ${expected(schema)}, found ${found}`, {
      value: isScalar(v) ? (text ?? valueText(v)) : jsonKind(v),
      ...(hint !== undefined ? { hint } : {}),
    });
    return BAD;
  }
}

/** The first `n` own keys of `raw` that the decoded value keeps (all but a closed struct's unknown ones), as a new object. */
function copyUpTo(raw: Obj, n: number, schema: StructSchema | { type: 'map' }): Obj {
  const known = schema.type === 'struct' && !schema.open ? fieldsOf(schema) : undefined;
  const o: Obj = {};
  let m = 0;
  for (const k in raw) {
    if (m >= n) break;
    if (!Object.prototype.hasOwnProperty.call(raw, k)) continue;
    m++;
    if (!known || known.has(k)) setOwn(o, k, raw[k]);
  }
  return o;
}

const fieldMaps = new WeakMap<StructSchema, ReadonlyMap<string, Schema>>();
/** A struct's fields as a Map, made once per schema: a keyed look-up in the schema's object is slower, and own-ness comes free. */
function fieldsOf(schema: StructSchema): ReadonlyMap<string, Schema> {
  let m = fieldMaps.get(schema);
  if (!m) fieldMaps.set(schema, (m = new Map(Object.entries(schema.fields))));
  return m;
}

/** A key such as `__proto__` is data here, never the object's prototype. */
function setOwn(o: Obj, k: string, v: unknown): void {
  // Plain assignment keeps objects fast; only `__proto__` would be taken as the prototype by it.
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

const isScalar = isScalarValue;

function article(s: string): string {
  return /^[aeiou]/.test(s) ? `an ${s}` : `a ${s}`;
}

/** Reports every key written twice in the object's source. */
export function reportDuplicateKeys(r: Reporter): void {
  for (const d of r.obj.duplicateKeys) {
    r.out.push({
      code: 'field-duplicate',
      severity: 'error',
      message: `strict decoding error: duplicate field ${quote(d.key)}`,
      path: formatPath([...d.path, d.key]),
      hint: 'keep one of them: kordon would read only the last, and kubectl apply rejects the object',
      ...d.at,
      object: objectRef(r.obj),
    });
  }
}

const nearest = new WeakMap<StructSchema, Map<string, string | undefined>>();
/** The field of an open struct that `key` nearly spells, if any; the same few keys (`image`, `env`…) come back in every object. */
function nearestField(schema: StructSchema, key: string): string | undefined {
  let known = nearest.get(schema);
  if (!known) nearest.set(schema, (known = new Map()));
  if (known.has(key)) return known.get(key);
  const t = typo(key, Object.keys(schema.fields));
  const near = t === key ? undefined : t;
  known.set(key, near);
  return near;
}
