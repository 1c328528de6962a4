import { describe, expect, it } from 'vitest';
import { sortFindings, type FindingItem } from './findings.js';

describe('sortFindings', () => {
  it('puts errors first, then warnings, then notes, each by file and line, keeping equal ones in order', () => {
    const at = (file: string, line: number) => ({ file, line, column: 1 });
    const items: FindingItem[] = [
      { severity: 'info', rule: 'a', text: 'i1', link: at('b.yaml', 1) },
      { severity: 'warning', rule: 'b', text: 'w2', link: at('b.yaml', 9) },
      { severity: 'error', rule: 'c', text: 'e2', link: at('b.yaml', 3) },
      { severity: 'info', rule: 'd', text: 'i0' },
      { severity: 'warning', rule: 'e', text: 'w1', link: at('a.yaml', 20) },
      { severity: 'error', rule: 'f', text: 'e1', link: at('a.yaml', 7) },
      { severity: 'error', rule: 'g', text: 'e3', link: at('b.yaml', 3) },
    ];
    expect(sortFindings(items).map((f) => f.text)).toEqual(['e1', 'e2', 'e3', 'w1', 'w2', 'i1', 'i0']);
    expect(items[0]!.text).toBe('i1');
  });
});
