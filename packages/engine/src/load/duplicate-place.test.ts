import { describe, expect, it } from 'vitest';
import { validateObject } from '../validate/index.js';
import { loadSource } from './load.js';

describe('a key written twice', () => {
  const text = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: b}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{podSelector: {}}]\n  policyTypes: [Ingress]\n  ingress:\n  - ports: [{port: 99999}]\n';

  it('is reported at the second occurrence, and the value read (the last) is located there too', () => {
    const [obj] = loadSource({ name: 'p.yaml', text }).objects;
    const d = validateObject(obj!).map((x) => [x.code, x.line]);
    expect(d).toContainEqual(['field-duplicate', 9]);
    expect(d.find(([code]) => code !== 'field-duplicate')).toEqual([expect.any(String), 10]);
    expect(obj!.locate(['spec', 'ingress', 0]).line).toBe(10);
    expect(obj!.scalarAt(['spec', 'ingress', 0, 'ports', 0, 'port'])).toEqual({ text: '99999', plain: true });
  });
});
