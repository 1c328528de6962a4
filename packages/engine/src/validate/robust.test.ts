import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { load } from './__fixtures__/run.js';
import type { Schema } from './decode.js';
import { validateObject } from './index.js';
import { NETWORK_POLICY, POD, SERVICE, WORKLOADS } from './schemas.js';

const KEYS = [
  'podSelector', 'namespaceSelector', 'ingress', 'egress', 'from', 'to', 'ports', 'port', 'endPort', 'protocol',
  'ipBlock', 'cidr', 'except', 'matchLabels', 'matchExpressions', 'key', 'operator', 'values', 'policyTypes',
  'name', 'namespace', 'labels', 'containers', 'containerPort', 'hostNetwork', 'template', 'metadata', 'spec',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', '',
];
const SCALARS = ['TCP', 'udp', '10.0.0.0/8', '::/0', '1.2.3.4/33', 'In', 'Exists', 'Ingress', 'http', 'on', '', 'a/b/c'];

/** JSON-like values whose keys are mostly real field names, so that the walk goes deep. */
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<unknown>(...SCALARS, null, true, false, 0, 80, 65536, -1, 1.5, 2 ** 40),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(fc.tuple(fc.constantFrom(...KEYS), tie('v')), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
  ),
})).v;

/** Documents that follow a schema, with any value sometimes swapped for something else. */
function shaped(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const wrong = depth > 8 ? fc.constantFrom<unknown>(...SCALARS, null, 80) : value;
  const right = ((): fc.Arbitrary<unknown> => {
    switch (schema.type) {
      case 'string':
        return fc.constantFrom<unknown>(...SCALARS);
      case 'int32':
      case 'int64':
      case 'intOrString':
        return fc.constantFrom<unknown>(0, 1, 53, 80, 65535, 65536, 'http', 'dns-udp', '8080');
      case 'boolean':
        return fc.boolean();
      case 'any':
        return value;
      case 'map':
        return fc.dictionary(fc.constantFrom('app', 'tier', 'a/b', '-x', '__proto__'), shaped(schema.values, depth + 1), { maxKeys: 3 });
      case 'list':
        return depth > 8 ? fc.constant([]) : fc.array(shaped(schema.items, depth + 1), { maxLength: 3 });
      case 'struct': {
        const fields = Object.entries(schema.fields);
        return fc
          .tuple(fc.subarray(fields), fc.option(fc.constantFrom(...KEYS), { freq: 4 }), fc.array(fc.constant(0), { maxLength: 0 }))
          .chain(([chosen, extra]) =>
            fc.tuple(...chosen.map(([k, f]) => shaped(f, depth + 1).map((v) => [k, v] as const)), extra === null ? fc.constant(undefined) : value).map((parts) => {
              const entries = parts.slice(0, chosen.length) as (readonly [string, unknown])[];
              const o = Object.fromEntries(entries);
              if (extra !== null) Object.defineProperty(o, extra, { value: parts[chosen.length], enumerable: true, writable: true, configurable: true });
              return o;
            }),
          );
      }
    }
  })();
  return fc.oneof({ arbitrary: right, weight: 9 }, { arbitrary: wrong, weight: 1 });
}

describe('never throws on user input', () => {
  test.each<[string, Schema, string, string]>([
    ['NetworkPolicy', NETWORK_POLICY, 'networking.k8s.io/v1', 'NetworkPolicy'],
    ['Pod', POD, 'v1', 'Pod'],
    ['Service', SERVICE, 'v1', 'Service'],
    ['CronJob', WORKLOADS['CronJob']!, 'batch/v1', 'CronJob'],
  ])('property: a %s following its schema, with random slips, validates without throwing', (_name, schema, apiVersion, kind) => {
    fc.assert(
      fc.property(shaped(schema), (doc) => {
        const text = JSON.stringify({ ...(typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? doc : {}), apiVersion, kind });
        for (const o of load(text, 'fuzz.yaml').objects) {
          for (const d of validateObject(o)) {
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(typeof d.message).toBe('string');
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test.each(['NetworkPolicy', 'Pod', 'Service', 'Deployment', 'CronJob', 'Namespace'])('property: any %s-shaped document validates without throwing, every diagnostic located', (kind) => {
    const apiVersion = kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : kind === 'Deployment' ? 'apps/v1' : kind === 'CronJob' ? 'batch/v1' : 'v1';
    fc.assert(
      fc.property(value, value, (metadata, spec) => {
        const text = JSON.stringify({ apiVersion, kind, metadata, spec });
        const { objects } = load(text, 'fuzz.json');
        for (const o of objects) {
          for (const d of validateObject(o)) {
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.column).toBeGreaterThanOrEqual(1);
            expect(typeof d.path).toBe('string');
            expect(['error', 'warning', 'info']).toContain(d.severity);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test('keys named like Object.prototype members are data', () => {
    const text = JSON.stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'ns' },
      spec: { podSelector: { matchLabels: Object.fromEntries([['__proto__', 'x'], ['constructor', 'y']]) }, toString: 1 },
    });
    const [obj] = load(text).objects;
    const codes = validateObject(obj!).map((d) => [d.code, d.path]);
    expect(codes).toEqual([
      ['label-key-invalid', 'spec.podSelector.matchLabels'],
      ['field-unknown', 'spec.toString'],
    ]);
  });
});
