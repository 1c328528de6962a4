import { describe, expect, it } from 'vitest';
import { loadSource } from './load.js';

describe('typed lists', () => {
  it('items of a PodList straight from the API server take kind and apiVersion from the list', () => {
    const r = loadSource({ name: 'pods.yaml', text: 'kind: PodList\napiVersion: v1\nitems:\n- metadata: {name: a, namespace: x}\n- metadata: {name: b}\n  kind: Pod\n  apiVersion: v1\n' });
    expect(r.diagnostics).toEqual([]);
    expect(r.objects.map((o) => [o.kind, o.apiVersion, o.name])).toEqual([
      ['Pod', 'v1', 'a'],
      ['Pod', 'v1', 'b'],
    ]);
    expect(r.objects[0]!.locate(['metadata', 'name']).line).toBe(4);
  });

  it('a plain List implies no kind: its items must say theirs', () => {
    const r = loadSource({ name: 'list.yaml', text: 'kind: List\napiVersion: v1\nitems:\n- metadata: {name: a}\n' });
    expect(r.objects).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['object-invalid']);
  });
});
