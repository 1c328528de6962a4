// The quick YAML reader must answer exactly as the full one does (objects, every field's position, scalar sources,
// problems), or leave the document to the other readers.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { answers, yamlFiles } from './__fixtures__/answers.js';
import { loadSources, loadYaml, loadYamlFast, loadYamlLite } from './load.js';
import { readYamlLite } from './yaml-lite.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const SHARED = process.env['KORDON_SHARED'] ?? fileURLToPath(new URL('../../../../../shared/', import.meta.url));

describe('the quick YAML reader', () => {
  it('answers as the full reader for every YAML file of the examples, seeds and conformance data it reads', () => {
    const files = [...yamlFiles(EXAMPLES), ...yamlFiles(join(SHARED, 'seeds')), ...yamlFiles(join(SHARED, 'conformance'))];
    let lite = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const full = answers(loadYaml(f, text));
      // Whatever it reads or leaves, the loader answers as the full reader does.
      expect(answers(loadSources([{ name: f, text }])), f).toEqual(full);
      const r = loadYamlLite(f, text);
      if (!r) continue;
      lite++;
      expect(answers(r), f).toEqual(full);
    }
    // Most are plain block manifests; it leaves those with block scalars, flow collections, anchors or duplicate keys.
    expect(lite).toBeGreaterThan(files.length * 0.5);
  });

  it('answers as the full reader for random manifests written in every scalar and collection style', () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.constantFrom('on', 'yes', 'no', 'y', 'true', 'True', 'FALSE', 'null', 'Null', '~', '0777', '0o17', '0x1F', '+0x1F', '0b101', '1e3', '-1E-3', '1_000', '.inf', '-.Inf', '.NaN', '-.5', '+12', '-0', '10.0.0.1', '1:20', '2001:db8::1', '', ' x', 'x ', 'a # b', 'a#b', '#c', '- d', '-e', 'e: f', 'g:h', "it's", 'say "hi"', 'back\\slash', 'tab\there', 'line\nbreak', 'ünïcödé', '\u{1F600}', '*x', '&y', '!z', '%w', '@v', '`u', '<<', '? q', '[a]', '{b: c}'),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const key = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom('app.kubernetes.io/name', 'a-b_c', 'true', '1', 'null', '~', 'on', 'x y', 'k:', '__proto__', 'constructor', 'toString', '<<'));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
    })).node;
    const manifest = fc.record({ apiVersion: fc.constant('v1'), kind: fc.constantFrom('ConfigMap', 'List'), metadata: fc.record({ name: fc.string() }), data: value, items: fc.array(value, { maxLength: 2 }) });
    const style = fc.record({
      defaultStringType: fc.constantFrom('PLAIN', 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
      defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
      collectionStyle: fc.constantFrom('any', 'block', 'block', 'flow'),
      indent: fc.integer({ min: 1, max: 4 }),
      indentSeq: fc.boolean(),
    });
    const comment = fc.constantFrom('', '# a comment\n', '\n\n', '---\n', '--- # opening\n');
    let lite = 0;
    fc.assert(
      fc.property(fc.array(manifest, { minLength: 1, maxLength: 3 }), style, comment, (docs, opts, lead) => {
        const text = lead + docs.map((d) => stringify(d, opts as never)).join('---\n');
        const full = answers(loadYaml('random.yaml', text));
        // Flow-style files are often JSON, which the loader reads with JSON.parse (no scalar sources): not compared here.
        if (opts.collectionStyle !== 'flow') expect(answers(loadSources([{ name: 'random.yaml', text }]))).toEqual(full);
        const r = loadYamlLite('random.yaml', text);
        if (!r) return;
        lite++;
        expect(answers(r)).toEqual(full);
      }),
      { numRuns: 400 },
    );
    // The comparison must have happened: some random files are ones the quick reader takes (block scalars, flow
    // collections and odd keys are left, and the next test writes what it takes).
    expect(lite).toBeGreaterThan(15);
  });

  it('answers as the full reader for random block-style manifests with the keys and values manifests have', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}$/);
    const scalar = fc.oneof(
      word,
      fc.constantFrom('on', 'yes', 'no', 'true', 'False', 'null', '~', '0777', '0o17', '0x1F', '1e3', '1_000', '.inf', '-.5', '10.0.0.1', '10.0.0.0/8', '1:20', 'a # b', 'a#b', '-e', 'g:h', "it's", 'say "hi"', 'back\\slash', 'ünïcödé', ''),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const key = fc.oneof(word, fc.constantFrom('app.kubernetes.io/name', 'kubernetes.io/metadata.name', 'a-b_c', 'x y', 'true'));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
    })).node;
    const manifest = fc.record({ apiVersion: fc.constant('v1'), kind: fc.constantFrom('Pod', 'List'), metadata: fc.record({ name: word, labels: fc.dictionary(key, scalar, { maxKeys: 3 }) }), spec: value, items: fc.array(value, { maxLength: 2 }) });
    const style = fc.record({
      defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
      defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE'),
      collectionStyle: fc.constant('block'),
      indent: fc.integer({ min: 1, max: 4 }),
      indentSeq: fc.boolean(),
      lineWidth: fc.constant(0),
    });
    let lite = 0;
    fc.assert(
      fc.property(fc.array(manifest, { minLength: 1, maxLength: 3 }), style, (docs, opts) => {
        const text = docs.map((d) => stringify(d, opts as never)).join('---\n');
        const full = answers(loadYaml('random.yaml', text));
        expect(answers(loadSources([{ name: 'random.yaml', text }]))).toEqual(full);
        const r = loadYamlLite('random.yaml', text);
        if (!r) return;
        lite++;
        expect(answers(r)).toEqual(full);
      }),
      { numRuns: 300 },
    );
    expect(lite).toBeGreaterThan(200);
  });

  it.each<[string, string]>([
    ['a tag', 'a: !!str 1\n'],
    ['an anchor and an alias', 'a: &x 1\nb: *x\n'],
    ['a merge key', 'a: {p: 1}\nb:\n  <<: {q: 2}\n'],
    ['a merge key in block style', 'a:\n  p: 1\nb:\n  <<: 1\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a duplicate key in a nested map', 'a:\n  b: 1\n  b: 2\n'],
    ['a literal block scalar', 'a: |\n  x\n  y\n'],
    ['a folded block scalar', 'a: >-\n  x\n  y\n'],
    ['a multi-line plain scalar', 'a: x\n  y\n'],
    ['a multi-line double-quoted scalar', 'a: "x\n  y"\n'],
    ['a flow sequence with items', 'a: [1, 2]\n'],
    ['a flow mapping with entries', 'a: {b: 1}\n'],
    ['a tab', 'a:\tb\n'],
    ['a carriage return', 'a: b\r\nc: d\r\n'],
    ['a directive', '%YAML 1.2\n---\na: b\n'],
    ['a document end marker', 'a: b\n...\n'],
    ['content on the --- line', '--- a: b\n'],
    ['a null key', '~: 1\n'],
    ['a numeric key', '80: http\n'],
    ['a __proto__ key', '__proto__: 1\n'],
    ['an explicit key', '? a\n: b\n'],
    ['an empty sequence item', 'a:\n-\n- b\n'],
    ['a double-quoted YAML escape', 'a: "\\x41"\n'],
    ['a root scalar', 'just text\n'],
    ['a syntax error', 'a: b: c\n'],
    ['a line indented too far', 'a: 1\n  b: 2\n'],
    ['a line indented too little', 'a:\n    b: 1\n  c: 2\n'],
    ['a lone dash value', 'a: -\n'],
    ['a quoted key that reads as an array index', 'b: 1\n"0": 2\n'],
  ])('leaves %s to the other readers, and the loader answers as they do', (_name, text) => {
    expect(readYamlLite(text, 0, text.length)).toBeUndefined();
    expect(answers(loadSources([{ name: 'edge.yaml', text }]))).toEqual(answers(loadYamlFast('edge.yaml', text) ?? loadYaml('edge.yaml', text)));
  });

  it.each<[string, string, unknown]>([
    ['YAML 1.2 numbers', 'a: 0o17\nb: 1e3\nc: 0x1F\nd: 0777\ne: -.5\nf: .inf\ng: 12\n', { a: 15, b: 1000, c: 31, d: 777, e: -0.5, f: Infinity, g: 12 }],
    ['words YAML 1.1 reads as booleans', 'a: yes\nb: "yes"\nc: on\nd: True\ne: FALSE\nf: y\n', { a: 'yes', b: 'yes', c: 'on', d: true, e: false, f: 'y' }],
    ['null in every spelling', 'a: null\nb: ~\nc:\nd: Null\ne: NULL\nf: "null"\n', { a: null, b: null, c: null, d: null, e: null, f: 'null' }],
    ['quoted strings', 'a: "x\\"y\\\\z\\n\\u00e9"\nb: \'it\'\'s\'\nc: "# not a comment"\nd: \'\' # empty\n', { a: 'x"y\\z\né', b: "it's", c: '# not a comment', d: '' }],
    ['comments and plain scalars with # and :', 'a: b#c # comment\nd: e:f\ng: http://h/i\n# end\n', { a: 'b#c', d: 'e:f', g: 'http://h/i' }],
    ['sequences at the key\'s indentation and deeper', 'a:\n- b\n- c: 1\n  d: []\ne:\n  - {}\n', { a: ['b', { c: 1, d: [] }], e: [{}] }],
    ['nested sequences, and empty collections below their key', 'a:\n- - b\n  - c\n- []\nb:\n  {}\nx y: 1\n', { a: [['b', 'c'], []], b: {}, 'x y': 1 }],
  ])('reads %s as the full reader does', (_name, text, expected) => {
    const doc = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n${text.replace(/^/gm, '  ').replace(/ +$/, '')}`;
    const r = loadYamlLite('edge.yaml', doc);
    expect(r).toBeDefined();
    expect(r!.objects[0]!.raw['data']).toEqual(expected);
    expect(answers(r!)).toEqual(answers(loadYaml('edge.yaml', doc)));
  });

  it('reads a stream document by document: what it leaves, the other readers read, positions in the whole file', () => {
    const plain = (n: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${n}\n  labels:\n    app: web\nspec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: 80\n`;
    const text = `${plain('a')}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  labels: &l\n    app: web\n---\n${plain('c')}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: d\n  name: again\n---\n${plain('e')}`;
    expect(loadYamlLite('mixed.yaml', text)).toBeUndefined(); // not every document is plain
    const r = loadSources([{ name: 'mixed.yaml', text }]);
    expect(r.objects.map((o) => o.name)).toEqual(['a', 'b', 'c', 'again', 'e']);
    expect(answers(r)).toEqual(answers(loadYaml('mixed.yaml', text)));
    const e = r.objects[4]!;
    const at = text.lastIndexOf('containerPort');
    const line = text.slice(0, at).split('\n').length;
    expect(e.locate(['spec', 'containers', 0, 'ports', 0, 'containerPort'])).toEqual({ file: 'mixed.yaml', line, column: at - text.lastIndexOf('\n', at) });
    expect(e.source).toEqual({ file: 'mixed.yaml', line: text.slice(0, text.lastIndexOf('apiVersion')).split('\n').length, column: 1 });
    expect(r.objects[3]!.duplicateKeys).toHaveLength(1);
  });

  it('a duplicate key is an error through the loader, whichever reader first met the file', () => {
    const text = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n';
    const r = loadSources([{ name: 'dup.yaml', text }]);
    expect(r.objects[0]!.duplicateKeys).toEqual([{ path: ['metadata'], key: 'name', at: { file: 'dup.yaml', line: 5, column: 3 } }]);
    expect(answers(r)).toEqual(answers(loadYaml('dup.yaml', text)));
  });
});
