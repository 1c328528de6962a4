/**
 * A small block-style YAML writer for the plain data the generator makes (strings, numbers, booleans,
 * arrays, objects). Strings are written plain only when YAML 1.1 and 1.2 read them back as the same string,
 * so PyYAML (Kano-py), kubectl and kordon all agree on every value.
 */

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

// Plain scalars that YAML 1.1 would turn into booleans or null.
const YAML11_SPECIAL = new Set(['y', 'yes', 'n', 'no', 'true', 'false', 'on', 'off', 'null', '~']);

function plainSafe(s: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_./-]*$/.test(s)) return false;
  return !YAML11_SPECIAL.has(s.toLowerCase());
}

function scalar(v: string | number | boolean | null): string {
  if (typeof v === 'string') return plainSafe(v) ? v : JSON.stringify(v);
  return String(v);
}

function isScalar(v: Json): v is string | number | boolean | null {
  return v === null || typeof v !== 'object';
}

function isEmpty(v: Json): boolean {
  return Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

function inline(v: Json): string {
  if (isScalar(v)) return scalar(v);
  return Array.isArray(v) ? '[]' : '{}';
}

function writeMap(obj: { [k: string]: Json }, indent: string, out: string[], firstPrefix?: string): void {
  let first = true;
  for (const [k, v] of Object.entries(obj)) {
    const lead = first && firstPrefix !== undefined ? firstPrefix : indent;
    first = false;
    const key = scalar(k);
    if (isScalar(v) || isEmpty(v)) out.push(`${lead}${key}: ${inline(v)}`);
    else if (Array.isArray(v)) {
      out.push(`${lead}${key}:`);
      writeSeq(v, indent, out);
    } else {
      out.push(`${lead}${key}:`);
      writeMap(v, `${indent}  `, out);
    }
  }
}

function writeSeq(items: Json[], indent: string, out: string[]): void {
  for (const item of items) {
    if (isScalar(item) || isEmpty(item)) out.push(`${indent}- ${inline(item)}`);
    else if (Array.isArray(item)) {
      out.push(`${indent}-`);
      writeSeq(item, `${indent}  `, out);
    } else writeMap(item, `${indent}  `, out, `${indent}- `);
  }
}

/** One YAML document (no leading `---`), ending with a newline. */
export function toYaml(value: object): string {
  const out: string[] = [];
  writeMap(value as { [k: string]: Json }, '', out);
  return `${out.join('\n')}\n`;
}
