import { describe, expect, it } from 'vitest';
import { lineSplitter } from './monitor.js';

describe('nft monitor lines', () => {
  it('keeps the start of each line only, so endless garbage on one line (nft 1.0.6 prints such) costs no memory', () => {
    const got: Array<[string, boolean]> = [];
    const feed = lineSplitter((line, whole) => got.push([line, whole]));
    feed(Buffer.from('add element inet kordon s { 10.0.0.1 . 6 . 9100-0x1'));
    for (let i = 0; i < 200; i++) feed(Buffer.from('0'.repeat(65536)));
    feed(Buffer.from('00\n# new generation 7 by process 42 (nft)\nadd element inet kordon ingress4 { 10.0.0.2 : jump in_x }\n'));
    feed(Buffer.from('delete table inet '));
    feed(Buffer.from('kordon\n\n'));
    expect(got.map(([l, w]) => [l.length, w])).toEqual([[512, false], [38, true], ['add element inet kordon ingress4 { 10.0.0.2 : jump in_x }'.length, true], [24, true], [0, true]]);
    expect(got[0]![0]).toMatch(/^add element inet kordon s \{ 10\.0\.0\.1 \. 6 \. 9100-0x10+$/);
    expect(got[1]![0]).toBe('# new generation 7 by process 42 (nft)');
    expect(got[3]![0]).toBe('delete table inet kordon');
  });
});
