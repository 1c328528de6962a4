import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSource, type PathSegment } from '@kordon/engine';

/** Every path into a value, objects and arrays included. */
function paths(v: unknown, at: PathSegment[] = []): PathSegment[][] {
  const out: PathSegment[][] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

const object = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('ConfigMap'),
  metadata: fc.record({ name: fc.constant('x') }),
  data: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 3 })),
});

describe('positions in JSON files', () => {
  it('are where the YAML reader puts them, for every field', () => {
    fc.assert(
      fc.property(object, fc.boolean(), (obj, pretty) => {
        const json = JSON.stringify(obj, null, pretty ? 2 : undefined);
        const fast = loadSource({ name: 'f.json', text: json }).objects[0]!;
        // A leading comment line sends the same text through the YAML reader, one line lower.
        const slow = loadSource({ name: 'f.json', text: `# yaml\n${json}` }).objects[0]!;
        for (const p of paths(obj)) {
          const a = fast.locate(p);
          const b = slow.locate(p);
          expect({ path: p, line: a.line, column: a.column }).toEqual({ path: p, line: b.line - 1, column: b.column });
        }
      }),
      { seed: 11, numRuns: 150 },
    );
  });
});
