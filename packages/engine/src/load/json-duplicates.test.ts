import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSource, validateObject } from '@kordon/engine';
import { jsonDuplicateKeys, jsonStructure, jsonStructureOf } from './json-duplicates.js';

describe('jsonDuplicateKeys', () => {
  it.each([
    ['{"a":1,"b":2}', []],
    ['{"a":1,"a":2}', [{ path: [], key: 'a', offset: 7 }]],
    ['{"x":{"a":1,"b":{"a":2},"a":3}}', [{ path: ['x'], key: 'a', offset: 24 }]],
    ['[{"a":1},{"a":1,"a":1}]', [{ path: [1], key: 'a', offset: 16 }]],
    ['{"s":"{\\"a\\":1,\\"a\\":2}","t":"\\\\"}', []],
    ['{"\\u0061":1,"a":2}', [{ path: [], key: 'a', offset: 12 }]],
    ['{"l":[[],{},[{"k":1,"k":2}]]}', [{ path: ['l', 2, 0], key: 'k', offset: 20 }]],
  ])('%s', (text, want) => {
    expect(jsonDuplicateKeys(text)).toEqual(want);
  });

  it('finds nothing in JSON.stringify output, and finds a key written again', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (v, key) => {
        expect(jsonDuplicateKeys(JSON.stringify(v))).toEqual([]);
        const doubled = `{${JSON.stringify(key)}:${JSON.stringify(v) ?? 'null'},${JSON.stringify(key)}:1}`;
        expect(jsonDuplicateKeys(doubled)).toMatchObject([{ path: [], key }]);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('jsonStructureOf (the key count that spares the full pass)', () => {
  // Random JSON, written out with the first key of its `pick`-th object written again (when it has such an object).
  const stringify = (v: unknown, pick: number): string => {
    let seen = 0;
    const write = (x: unknown): string => {
      if (Array.isArray(x)) return `[${x.map(write).join(',')}]`;
      if (typeof x !== 'object' || x === null) return JSON.stringify(x) ?? 'null';
      const entries = Object.entries(x).map(([k, y]) => `${JSON.stringify(k)}:${write(y)}`);
      const first = Object.keys(x)[0];
      if (seen++ === pick && first !== undefined) entries.push(`${JSON.stringify(first)}:0`);
      return `{${entries.join(',')}}`;
    };
    return write(v);
  };
  const withDuplicate = fc.tuple(fc.jsonValue({ maxDepth: 6 }), fc.nat(12)).map(([v, pick]) => stringify(v, pick));

  it('agrees with the full pass on duplicates and depth', () => {
    fc.assert(
      fc.property(withDuplicate, fc.integer({ min: 2, max: 8 }), (text, maxDepth) => {
        const value: unknown = JSON.parse(text);
        expect(jsonStructureOf(text, value, maxDepth)).toEqual(jsonStructure(text, maxDepth));
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  it.each([
    ['{"a":1,"a":2}', 1],
    ['{"s":"a:b","t":{"u":"\\\":"}}', 0],
    ['[{"k":{}},{"k":[],"k":{}}]', 1],
  ])('%s has %i duplicate(s)', (text, n) => {
    expect(jsonStructureOf(text, JSON.parse(text), 100).duplicates).toHaveLength(n);
  });
});

describe('JSON manifests', () => {
  it('report a duplicated key at its line, as strict decoding does', () => {
    const text = ['{', '  "apiVersion": "networking.k8s.io/v1",', '  "kind": "NetworkPolicy",', '  "metadata": {"name": "p", "namespace": "a"},', '  "spec": {', '    "podSelector": {},', '    "podSelector": {}', '  }', '}'].join('\n');
    const { objects, diagnostics } = loadSource({ name: 'p.json', text });
    expect(diagnostics).toEqual([]);
    expect(objects).toHaveLength(1);
    expect(validateObject(objects[0]!)).toMatchObject([{ severity: 'error', path: 'spec.podSelector', line: 7 }]);
  });

  it('still locate fields when a problem needs them', () => {
    const text = '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",\n"metadata":{"name":"p","namespace":"a"},\n"spec":{"podSelector":{},"policyTypes":["Sideways"]}}';
    const { objects } = loadSource({ name: 'p.json', text });
    expect(validateObject(objects[0]!)).toMatchObject([{ severity: 'error', path: 'spec.policyTypes[0]', line: 3 }]);
  });
});
