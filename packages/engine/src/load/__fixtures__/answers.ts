// What a reader answered, in full, for tests that hold two readers to the same answers.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PathSegment } from '../../diagnostics.js';
import type { LoadResult } from '../load.js';

/** The YAML files under a folder, at any depth. */
export function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(e) ? [p] : [];
  });
}

/** Every field path of a value, the empty one included. */
export function paths(v: unknown, prefix: PathSegment[] = []): PathSegment[][] {
  const out: PathSegment[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

/** Objects, the position and scalar source of every field (and of one field that is not there), problems. */
export function answers(r: LoadResult): unknown {
  return {
    diagnostics: r.diagnostics,
    objects: r.objects.map((o) => ({
      kind: o.kind,
      name: o.name,
      namespace: o.namespace,
      raw: o.raw,
      source: o.source,
      duplicates: o.duplicateKeys,
      fields: [...paths(o.raw), ['spec', 'missing', 0]].map((p) => [p, o.locate(p), o.scalarAt(p) ?? null]),
    })),
  };
}
