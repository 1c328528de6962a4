// A stream of JSON documents between `---` lines is read with JSON.parse, and must answer exactly as the full YAML
// reader does: the same objects, the same positions for every field, the same duplicate keys.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PathSegment } from '../diagnostics.js';
import { jsonStreamDocuments } from './json-stream.js';
import { loadSource, loadYaml, type LoadResult } from './load.js';

const pod = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] }, ...extra });
const PATHS: PathSegment[][] = [[], ['metadata'], ['metadata', 'name'], ['metadata', 'labels', 'app'], ['spec', 'containers', 0, 'ports', 0, 'containerPort'], ['spec', 'missing']];

/** Everything a caller can see of a load, positions of a few fields included. */
function seen(r: LoadResult) {
  return {
    objects: r.objects.map((o) => ({ raw: o.raw, at: PATHS.map((p) => o.locate(p)), source: o.locate([]), dups: o.duplicateKeys })),
    diagnostics: r.diagnostics.map((d) => ({ code: d.code, line: d.line, column: d.column, path: d.path })),
  };
}

describe('JSON documents separated by ---', () => {
  it('splits on lines holding only ---, and leaves the stream to YAML when a document is not JSON', () => {
    expect(jsonStreamDocuments('{"a":1}\n---\n{"b":2}\n')).toEqual([
      [0, 8],
      [12, 20],
    ]);
    expect(jsonStreamDocuments('---\n{"a":1}\n---\n\n---   \n[1]')).toEqual([
      [4, 12],
      [24, 27],
    ]);
    expect(jsonStreamDocuments('{"a":1}\n--- {"b":2}\n')).toEqual([[0, 20]]); // one document, which JSON.parse refuses
    expect(jsonStreamDocuments('--- {"a":1}\n---\n{"b":2}\n')).toBeUndefined();
    expect(jsonStreamDocuments('{"a":1}\n--- # next\n{"b":2}\n')).toEqual([
      [0, 8],
      [19, 27],
    ]);
    expect(jsonStreamDocuments('{"a":1}\n---\n# a comment\n{"b":2}\n')).toBeUndefined();
    expect(jsonStreamDocuments('apiVersion: v1\n---\n{"b":2}\n')).toBeUndefined();
  });

  it('gives what the full reader gives: objects, positions, duplicate keys, problems', () => {
    const docs = [JSON.stringify(pod('a')), JSON.stringify(pod('b'), null, 2), '{"apiVersion":"v1","kind":"List","items":[' + JSON.stringify(pod('c')) + ',{"kind":"Pod"}]}', '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"e","uid":"1","uid":"2"}}'];
    for (const sep of ['\n---\n', '\r\n---\r\n', '\n---  \n\n']) {
      const text = `---\n${docs.join(sep)}\n`;
      const fast = loadSource({ name: 's.json', text });
      expect(fast.objects.map((o) => o.name)).toEqual(['a', 'b', 'c', 'e']);
      expect(seen(fast)).toEqual(seen(loadYaml('s.json', text)));
    }
  });

  it('agrees with the full reader on random streams of JSON objects', () => {
    const obj = fc.dictionary(fc.constantFrom('a', 'b', 'metadata', 'spec'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((o) => ({ apiVersion: 'v1', kind: 'ConfigMap', ...o }));
    fc.assert(
      fc.property(fc.array(fc.tuple(obj, fc.boolean()), { minLength: 1, maxLength: 4 }), (items) => {
        const text = items.map(([o, pretty]) => JSON.stringify(o, null, pretty ? 2 : undefined)).join('\n---\n');
        expect(seen(loadSource({ name: 'r.json', text }))).toEqual(seen(loadYaml('r.json', text)));
      }),
      { seed: 12, numRuns: 150 },
    );
  });
});
