import { loadSource, validateObject } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { NEW_POLICY } from './template.js';

describe('the "New policy" template', () => {
  it('is a valid NetworkPolicy whose rules are a block list under one ingress key', () => {
    const loaded = loadSource({ name: 'policy.yaml', text: NEW_POLICY });
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.objects).toHaveLength(1);
    expect(validateObject(loaded.objects[0]!)).toEqual([]);
    const lines = NEW_POLICY.split('\n');
    const keys = lines.filter((l) => /^\s*ingress:/.test(l));
    // One key, opening a block list: the next rule is one more `- from:` item, not a second `ingress:` key.
    expect(keys).toEqual(['  ingress:']);
    const at = lines.indexOf('  ingress:');
    expect(lines[at + 1]).toMatch(/^ {4}- from:$/);
    expect(NEW_POLICY).not.toMatch(/ingress:\s*\[/);
  });
});
