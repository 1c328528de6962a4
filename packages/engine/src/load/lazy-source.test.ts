import { describe, expect, it } from 'vitest';
import { sourceBy, sourceFrom } from './lazy-source.js';

const at = (line: number) => ({ file: 'f.yaml', line, column: 1 });

describe('lazy source', () => {
  it('is an own enumerable field, read when asked for, from the holder or the thunk', () => {
    let calls = 0;
    const a = sourceBy({ kind: 'Pod' }, () => (calls++, at(3)));
    expect(calls).toBe(0);
    expect(Object.keys(a)).toEqual(['kind', 'source']);
    expect(a).toEqual({ kind: 'Pod', source: at(3) });
    expect(calls).toBeGreaterThan(0);
    const holder = { source: at(7) };
    const b = sourceFrom({ name: 'p' }, holder);
    expect({ ...b }).toEqual({ name: 'p', source: at(7) });
    expect(JSON.parse(JSON.stringify(b))).toEqual({ name: 'p', source: at(7) });
    expect(Object.getOwnPropertySymbols(b)).toEqual([]);
  });

  it('follows the holder, and can be pointed elsewhere again', () => {
    const holder = { source: at(1) };
    const p = sourceFrom({ name: 'p' }, holder);
    expect(p.source).toEqual(at(1));
    sourceFrom(p, { source: at(9) });
    expect(p.source).toEqual(at(9));
    // Two models of different objects compare by their positions, as plain fields would.
    expect(sourceFrom({ name: 'p' }, { source: at(1) })).not.toEqual(sourceFrom({ name: 'p' }, { source: at(2) }));
  });

  it('names the mistake when an object is copied by its descriptors', () => {
    const p = sourceFrom({ name: 'p' }, { source: at(1) });
    const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(p)) as { source: unknown };
    expect(() => copy.source).toThrow(/copied with its property descriptors/);
    expect({ ...p }.source).toEqual(at(1));
  });
});
