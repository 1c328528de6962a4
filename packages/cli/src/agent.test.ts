// kordon agent: the options checked before anything touches nftables (the agent itself is tested in the dataplane).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run, tempTree } from './test-support.js';

describe('kordon agent', () => {
  it.each(['-1', 'soon', ''])('refuses --rescan %j as a usage error', async (value) => {
    const r = await run(['agent', '.', '--rescan', value]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad --rescan');
  });

  it.each(['-1', 'soon', ''])('refuses --verify %j as a usage error', async (value) => {
    const r = await run(['agent', '.', '--verify', value]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad --verify');
  });

  it.each(['0', '-1', 'soon'])('refuses --nft-timeout %j as a usage error', async (value) => {
    const r = await run(['agent', '.', '--nft-timeout', value]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad --nft-timeout');
  });

  // The name goes into nft scripts: one that is not a plain name could run other commands on other tables.
  it.each([['--uninstall'], ['--denied'], ['--once'], []])('refuses a --table that is not a plain name (%j), as kordon nft does', async (...mode) => {
    for (const table of ['k; flush table inet other', 'k\nflush ruleset', '', '9lives', 'a'.repeat(65)]) {
      // A namespace that does not exist: were the name let through, nothing on this machine would be touched.
      const r = await run(['agent', '--netns', 'kordon-test-no-such-netns', ...mode, '--table', table, '.']);
      expect(r.code, table).toBe(2);
      expect(r.err, table).toContain(`bad --table ${JSON.stringify(table)}`);
      const n = await run(['nft', '--table', table, 'packages/cli/src/__fixtures__']);
      expect(n.err, table).toContain(`bad --table ${JSON.stringify(table)}`);
    }
  });

  // Runs the agent for real, in a network namespace of its own (the dataplane tests need root and nft the same way).
  it('exits 1, naming the file, when the manifests are invalid at start; nothing is enforced', async () => {
    const ns = `kordon-cli-agent-${process.pid}`;
    const t = tempTree({ 'bad.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b, namespace: x}\nspec: {podSelector: {}, ingress: [{ports: [{port: 70000}]}]}\n' });
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const r = await run(['agent', '--netns', ns, '--rescan', '0', t.dir]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/bad\.yaml:\d+:\d+/);
      expect(r.err).toContain('nothing was enforced');
      expect(execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'tables'], { encoding: 'utf8' })).toBe('');
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
      t.cleanup();
    }
  });
});
