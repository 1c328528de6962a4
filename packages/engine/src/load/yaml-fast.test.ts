// The fast YAML reader must answer exactly as the full one does, or not at all.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadSource, loadYaml, loadYamlFast, type LoadResult } from './load.js';
import { lastGiveUp, readYamlFast } from './yaml-fast.js';
import { paths, yamlFiles } from './__fixtures__/answers.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const SHARED = process.env['KORDON_SHARED'] ?? fileURLToPath(new URL('../../../../../shared/', import.meta.url));

/** What a reader answered, in full: objects, positions of every field, scalar sources, problems. */
function answers(r: LoadResult): unknown {
  return {
    diagnostics: r.diagnostics,
    objects: r.objects.map((o) => ({
      raw: o.raw,
      source: o.source,
      duplicates: o.duplicateKeys,
      fields: paths(o.raw).map((p) => [p, o.locate(p), o.scalarAt(p) ?? null]),
    })),
  };
}

describe('the fast YAML reader', () => {
  it('answers as the full reader for every YAML file of the examples, seeds and conformance data', () => {
    const files = [...yamlFiles(EXAMPLES), ...yamlFiles(join(SHARED, 'seeds')), ...yamlFiles(join(SHARED, 'conformance'))];
    let fast = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const r = loadYamlFast(f, text);
      if (!r) continue;
      fast++;
      expect(answers(r), f).toEqual(answers(loadYaml(f, text)));
    }
    // Nearly all of them are plain manifests; the few it leaves to the full reader have duplicate keys.
    expect(fast).toBeGreaterThan(files.length * 0.9);
  });

  it('answers as the full reader for random manifests written in every scalar and collection style', () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.constantFrom('on', 'yes', 'no', 'true', 'False', 'null', '~', '0777', '0o17', '0x1F', '1e3', '1_000', '.inf', '-.5', '10.0.0.1', '1:20', '', ' x', 'a # b', '#c', '- d', 'e: f'),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie('node'), { maxKeys: 4 })),
    })).node;
    const manifest = fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('ConfigMap'), metadata: fc.record({ name: fc.string() }), data: value });
    const style = fc.record({
      defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
      defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE'),
      collectionStyle: fc.constantFrom('any', 'block', 'flow'),
      indent: fc.integer({ min: 1, max: 4 }),
      indentSeq: fc.boolean(),
    });
    let fast = 0;
    fc.assert(
      fc.property(fc.array(manifest, { minLength: 1, maxLength: 3 }), style, (docs, opts) => {
        const text = docs.map((d) => stringify(d, opts as never)).join('---\n');
        const r = loadYamlFast('random.yaml', text);
        if (!r) return;
        fast++;
        expect(answers(r)).toEqual(answers(loadYaml('random.yaml', text)));
      }),
      { numRuns: 300 },
    );
    // The comparison must have happened: most random files are ones the fast reader takes.
    expect(fast).toBeGreaterThan(150);
  });

  it.each<[string, string, RegExp]>([
    ['a tag', 'a: !!str 1\n', /tag, anchor or alias/],
    ['an anchor and an alias', 'a: &x 1\nb: *x\n', /tag, anchor or alias/],
    ['a merge key', 'a: {p: 1}\nb:\n  <<: {q: 2}\n', /merge key/],
    ['a duplicate key', 'a: 1\na: 2\n', /js-yaml: duplicated mapping key/],
    ['a binary number', 'a: 0b101\n', /resolved differently/],
    ['a signed hexadecimal number', 'a: +0x1F\n', /resolved differently/],
    ['a null key', '~: 1\n', /null or collection key/],
    ['a syntax error', 'a: [1, 2\n', /js-yaml/],
  ])('leaves %s to the full reader', (_name, text, why) => {
    expect(readYamlFast(text)).toBeUndefined();
    expect(lastGiveUp).toMatch(why);
  });

  it.each([
    'a: b: c\n',
    'a:\n\t- b\n',
    'a:\n  - b\n - c\n',
    'key: "unclosed\n',
    "key: 'unclosed\n",
    '- a\nb: c\n',
    'a: 1\n  b: 2\n',
    'metadata:\n  name: x\n labels: {}\n',
    'a: [b\n',
    '{a: 1\n',
    'a: |\n b\n  c\n d: e\n',
    '--- a: b\n',
    '--- - a\n',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n--- kind: Pod\n',
  ])('never reads a file the full reader rejects: %j', (text) => {
    const full = loadYaml('bad.yaml', text);
    const fast = loadYamlFast('bad.yaml', text);
    if (full.diagnostics.some((d) => d.code === 'yaml-syntax')) expect(fast).toBeUndefined();
    else if (fast) expect(answers(fast)).toEqual(answers(full));
  });
});

describe('a block collection on the `---` line', () => {
  it.each(['--- a: b\n', '--- a: b', '---  - a\n', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n--- kind: Pod\n'])(
    'is the same syntax error, at the same place, whichever reader is tried first: %j',
    (text) => {
      const full = loadYaml('m.yaml', text);
      expect(full.diagnostics).toMatchObject([{ code: 'yaml-syntax', file: 'm.yaml', line: expect.any(Number), column: expect.any(Number) }]);
      const loaded = loadSource({ name: 'm.yaml', text });
      expect(loaded.diagnostics).toEqual(full.diagnostics);
      expect(loaded.objects.map((o) => o.raw)).toEqual(full.objects.map((o) => o.raw));
    },
  );

  it('is still read where the full reader reads it: flow collections, and the block on the next line', () => {
    for (const text of ['--- {a: b}\n', '--- [a]\n', '---\na: b\n', '--- # c\na: b\n']) {
      const full = loadYaml('m.yaml', text);
      expect(loadSource({ name: 'm.yaml', text }).diagnostics, text).toEqual(full.diagnostics);
    }
  });
});
