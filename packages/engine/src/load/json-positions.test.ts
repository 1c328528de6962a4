import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSource, type PathSegment } from '@kordon/engine';
import { jsonLocator } from './json-positions.js';

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

describe('positions along one path of a JSON text', () => {
  it('are where the YAML reader puts them, for every path of any JSON value and for paths that are not there', () => {
    const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('a', 'b', 'x"y', 'back\\slash', 'é', '\u2028'));
    const json = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 0 }), fc.array(tie('v'), { maxLength: 4 }), fc.uniqueArray(fc.tuple(key, tie('v')), { maxLength: 4, selector: (e) => e[0] }).map((es) => Object.fromEntries(es))),
    })).v;
    fc.assert(
      fc.property(json, fc.constantFrom(undefined, 2, '\t'), (v, indent) => {
        const obj = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', data: v }] };
        const text = ` ${JSON.stringify(obj, null, indent)}\n`;
        const fast = loadSource({ name: 'f.json', text }).objects[0]!;
        const slow = loadSource({ name: 'f.json', text: `# yaml\n${text}` }).objects[0]!;
        const at = (q: PathSegment[]): unknown => q.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], v);
        const lists = paths(v).filter((q) => Array.isArray(at(q)));
        for (const p of [...paths(v), ...paths(v).map((q) => [...q, 'missing']), ...lists.map((q) => [...q, 7])]) {
          const a = fast.locate(['data', ...p]);
          const b = slow.locate(['data', ...p]);
          expect({ path: p, line: a.line, column: a.column }).toEqual({ path: p, line: b.line - 1, column: b.column });
        }
      }),
      { seed: 12, numRuns: 200 },
    );
  });

  it('of a key written twice, are at the last writing, as JSON.parse keeps it', () => {
    const text = '{"a": {"b": 1}, "c": [1, {"d": 2}], "a": {"b": 3, "b": 4}}';
    const at = jsonLocator(text);
    expect(at(['a', 'b'])).toBe(text.lastIndexOf('"b"'));
    expect(at(['a'])).toBe(text.lastIndexOf('"a"'));
    expect(at(['c', 1, 'd'])).toBe(text.indexOf('"d"'));
    expect(at(['c', 5])).toBe(text.indexOf('"c"'));
    expect(at(['a', 'b', 'z'])).toBe(text.lastIndexOf('"b"'));
  });
});
