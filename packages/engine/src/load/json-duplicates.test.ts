import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSource, validateObject } from '@kordon/engine';
import { jsonDuplicateKeys } from './json-duplicates.js';

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
