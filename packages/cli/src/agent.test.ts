// kordon agent: the options checked before anything touches nftables (the agent itself is tested in the dataplane).
import { describe, expect, it } from 'vitest';
import { run } from './test-support.js';

describe('kordon agent', () => {
  it.each(['-1', 'soon', ''])('refuses --rescan %j as a usage error', async (value) => {
    const r = await run(['agent', '.', '--rescan', value]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad --rescan');
  });
});
