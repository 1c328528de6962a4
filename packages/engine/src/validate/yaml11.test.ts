import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isScalar, parseDocument } from 'yaml';
import { load } from './__fixtures__/run.js';
import { kubectlScalar, kubectlValueAt, mayReadDifferently, resolveYaml11Plain, type ScalarValue } from './index.js';

describe('plain scalars under YAML 1.1 (go-yaml v2)', () => {
  test.each<[string, unknown]>([
    ['on', true],
    ['On', true],
    ['ON', true],
    ['yes', true],
    ['Y', true],
    ['y', true],
    ['true', true],
    ['off', false],
    ['no', false],
    ['NO', false],
    ['n', false],
    ['False', false],
    ['oN', 'oN'],
    ['yEs', 'yEs'],
    ['~', null],
    ['null', null],
    ['', null],
    ['0777', 511],
    ['-0777', -511],
    ['0', 0],
    ['00', 0],
    ['0778', 778],
    ['08080', 8080],
    ['0x1F', 31],
    ['0X1F', 31],
    ['0o17', 15],
    ['0b101', 5],
    ['1_000', 1000],
    ['+80', 80],
    ['1e3', 1000],
    ['.5', 0.5],
    ['.inf', Number.POSITIVE_INFINITY],
    ['-.Inf', Number.NEGATIVE_INFINITY],
    ['2001-12-14', '2001-12-14'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['1.2.3', '1.2.3'],
    ['12:30', '12:30'],
    ['-', '-'],
    ['+', '+'],
    ['inf', 'inf'],
    ['TCP', 'TCP'],
    ['_1', '_1'],
  ])('%j → %j', (text, value) => {
    expect(resolveYaml11Plain(text)).toEqual(value);
  });

  test('property: decimal integers without a leading zero read the same', () => {
    fc.assert(fc.property(fc.integer({ min: -1e9, max: 1e9 }), (n) => resolveYaml11Plain(String(n)) === n));
  });

  test('property: a leading zero makes an octal number', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), (n) => resolveYaml11Plain(`0${n.toString(8)}`) === n));
  });

  test('property: a value that may not read differently does not', () => {
    const spellings = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('on', 'yes', 'Y', 'n', 'off', 'NO', 'true', 'null', '~', '0777', '1_0', '0b1', '0X1F', '+1', '.5', 'abc', '-'),
    );
    fc.assert(
      fc.property(spellings, (text) => {
        const doc = parseDocument(text);
        // Only texts that YAML reads as one plain scalar are in question.
        if (doc.errors.length > 0 || !isScalar(doc.contents) || doc.contents.type !== 'PLAIN') return;
        const raw = doc.toJS() as ScalarValue;
        if (!mayReadDifferently(raw)) expect(kubectlScalar(raw, { text, plain: true })).toEqual(raw);
      }),
    );
  });

  test('quoted and block scalars keep the YAML 1.2 value', () => {
    expect(kubectlScalar('on', { text: '"on"', plain: false })).toBe('on');
    expect(kubectlScalar(777, { text: '0777', plain: true })).toBe(511);
    expect(kubectlScalar('on', undefined)).toBe('on');
    // A multi-line plain scalar is folded by the loader; its source text is not the value.
    expect(kubectlScalar('a b', { text: 'a\n  b', plain: true })).toBe('a b');
  });
});

describe('kubectlValueAt', () => {
  test('reads values as kubectl sends them', () => {
    const [pod] = load('apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {on: yes}}\nspec:\n  hostNetwork: yes\n  containers: [{name: c, ports: [{containerPort: 0777}]}]\n').objects;
    expect(kubectlValueAt(pod!, ['spec', 'hostNetwork'])).toBe(true);
    expect(kubectlValueAt(pod!, ['spec', 'containers', 0, 'ports', 0, 'containerPort'])).toBe(511);
    expect(kubectlValueAt(pod!, ['metadata', 'name'])).toBe('p');
    expect(kubectlValueAt(pod!, ['metadata', 'labels'])).toEqual({ on: 'yes' });
    expect(kubectlValueAt(pod!, ['spec', 'missing', 0])).toBeUndefined();
    expect(kubectlValueAt(pod!, ['metadata', 'name', 'length'])).toBeUndefined();
  });
});
