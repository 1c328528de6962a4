import { describe, expect, it } from 'vitest';
import { validateObject } from '../validate/index.js';
import { decodeSource, loadSource, MAX_NESTING } from './load.js';

const POLICY = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: d}\nspec: {podSelector: {}}\n';
const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: d}\nspec: {containers: [{name: c, image: x}]}\n';

/** Loads and validates, as every command does: neither may throw, whatever the input. */
function run(name: string, text: string) {
  const r = loadSource({ name, text });
  const diagnostics = [...r.diagnostics, ...r.objects.flatMap((o) => validateObject(o))];
  return { names: r.objects.map((o) => o.name), diagnostics, errors: diagnostics.filter((d) => d.severity === 'error') };
}

describe('inputs that once took the run down', () => {
  it('a self-referencing alias is one located error', () => {
    const r = run('b.yaml', '&x [*x]');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: 'input-cyclic', file: 'b.yaml', line: 1 });
    expect(r.errors[0]!.message).toMatch(/refers to itself/);
  });

  it('a self-referencing alias as the items of a List loses only its document', () => {
    const r = run('l.yaml', `${POLICY}---\napiVersion: v1\nkind: List\nitems: &x [*x]\n---\n${POD}`);
    expect(r.names).toEqual(['deny', 'web']);
    expect(r.errors.map((d) => [d.code, d.line])).toEqual([['input-cyclic', 8]]);
  });

  it('JSON nested 6,000 deep is one error at the point it goes too deep', () => {
    const text = '['.repeat(6000) + ']'.repeat(6000);
    const r = run('deep.json', text);
    expect(r.errors.map((d) => [d.code, d.line, d.column])).toEqual([['input-too-deep', 1, MAX_NESTING + 1]]);
    expect(r.errors[0]!.message).toContain(String(MAX_NESTING));
  });

  it('a deep value inside an otherwise valid JSON object is caught before any walk over it', () => {
    const deep = '{"a":'.repeat(3000) + '1' + '}'.repeat(3000);
    const r = run('p.json', `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","annotations":${deep}},"spec":{"containers":[]}}`);
    expect(r.errors.map((d) => d.code)).toEqual(['input-too-deep']);
  });

  it('block YAML nested 1,800 deep loses only its own document', () => {
    const deep = Array.from({ length: 1800 }, (_, i) => `${' '.repeat(i)}a:\n`).join('');
    const r = run('deep.yaml', `${deep}---\n${POLICY}`);
    expect(r.names).toEqual(['deny']);
    expect(r.errors.map((d) => d.code)).toEqual(['input-too-deep']);
    expect(r.errors[0]!.line).toBeGreaterThanOrEqual(1);
    expect(r.errors[0]!.line).toBeLessThanOrEqual(1800);
  });

  it('flow YAML nested 6,000 deep loses only its own document', () => {
    const r = run('deep.yaml', `${POD}---\n${'['.repeat(6000)}${']'.repeat(6000)}\n---\n${POLICY}`);
    expect(r.names).toEqual(['web', 'deny']);
    expect(r.errors.map((d) => [d.code, d.line])).toEqual([['input-too-deep', 6]]);
  });

  it('nesting up to the limit is read and validated', () => {
    const deep = '{"a":'.repeat(MAX_NESTING - 4) + '1' + '}'.repeat(MAX_NESTING - 4);
    const json = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","annotations":${deep}},"spec":{"containers":[]}}`;
    const r = run('p.json', json);
    expect(r.names).toEqual(['p']);
    expect(r.errors.map((d) => d.code)).not.toContain('input-too-deep');
  });
});

describe('a YAML stream is split on --- lines first, as kubectl does', () => {
  const R4 = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    note: "forgot to close this\n---\n' + POLICY + '---\n' + POD;

  it('an unclosed quote loses only its own document, and is reported at the quote', () => {
    const r = run('r4.yaml', R4);
    expect(r.names).toEqual(['deny', 'web']);
    expect(r.errors.map((d) => [d.code, d.line, d.column])).toEqual([['yaml-syntax', 6, 11]]);
  });

  it('a --- line with a comment after it separates documents too', () => {
    const r = run('c.yaml', `a: "open\n--- # next\n${POD}`);
    expect(r.names).toEqual(['web']);
  });

  it('directives stay with the document they introduce', () => {
    const r = run('d.yaml', `%YAML 1.2\n---\n${POD}---\nbad: [\n`);
    expect(r.names).toEqual(['web']);
    expect(r.errors.map((d) => d.code)).toEqual(['yaml-syntax']);
  });

  it('lines and columns of later documents count from the start of the file', () => {
    const r = loadSource({ name: 'x.yaml', text: `a: "open\n---\n${POD}` });
    expect(r.objects[0]!.locate(['metadata', 'name'])).toMatchObject({ line: 5 });
    expect(r.objects[0]!.scalarAt(['kind'])).toEqual({ text: 'Pod', plain: true });
  });
});

describe('one YAML syntax error is one message, in words, at its line', () => {
  it('a line indented too far is one error at that line, not two at the line above', () => {
    const r = loadSource({ name: 'e.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n   namespace: b\nspec: {}\n' });
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['yaml-syntax', 5, 4]]);
    expect(r.diagnostics[0]!.message).toMatch(/indented more than the key above/);
  });

  it.each([
    ['a flow list never closed', 'a: [b, c\n'],
    ['a tab as indentation', 'a:\n\tb: c\n'],
    ['items in two columns', 'a:\n  - b\n  c: d\n'],
    ['a value holding a key', 'a: b: c\n'],
  ])('%s: one message', (_name, text) => {
    const r = loadSource({ name: 'e.yaml', text });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['yaml-syntax']);
    expect(r.diagnostics[0]!.hint).toBeTruthy();
  });
});

describe('bytes that are not text', () => {
  const bytes = (s: string, at: number, b: number): Uint8Array => {
    const e = new TextEncoder().encode(s);
    const out = new Uint8Array(e.length + 1);
    out.set(e.subarray(0, at));
    out[at] = b;
    out.set(e.subarray(at), at + 1);
    return out;
  };

  it('one non-UTF-8 byte loses only its own document, and is reported where it is', () => {
    const text = `${POLICY}---\n${POD}`;
    const at = text.indexOf('image: x') + 'image: '.length;
    const f = decodeSource('r5.yaml', bytes(text, at, 0xe9));
    const r = loadSource(f);
    expect(r.objects.map((o) => o.name)).toEqual(['deny']);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['input-binary', 9, 38]]);
    expect(r.diagnostics[0]!.message).toContain('0xE9');
  });

  it('a NUL byte loses only its own document', () => {
    const r = loadSource({ name: 'n.yaml', text: `${POD}---\nkind: Pod\u0000\n---\n${POLICY}` });
    expect(r.objects.map((o) => o.name)).toEqual(['web', 'deny']);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['input-binary', 6, 10]]);
  });

  it('a file that is mostly not text is one error', () => {
    const junk = new Uint8Array(4096).map((_, i) => (i * 131 + 7) % 256);
    const r = loadSource(decodeSource('x.yaml', junk));
    expect(r.objects).toEqual([]);
    expect(r.diagnostics).toHaveLength(1);
  });

  it('valid UTF-8 reads as before, a byte order mark dropped', () => {
    const f = decodeSource('u.yaml', new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('a: é\n')]));
    expect(f).toEqual({ name: 'u.yaml', text: 'a: é\n' });
  });
});
