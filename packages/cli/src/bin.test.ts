import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from './main.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SHOP = fileURLToPath(new URL('./__fixtures__/shop', import.meta.url));

describe('bin/kordon.js (the built CLI)', () => {
  beforeAll(() => {
    execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: ROOT, stdio: 'pipe' });
    execFileSync('node', ['scripts/bundle-cli.mjs'], { cwd: ROOT, stdio: 'pipe' });
  }, 300_000);

  it('--version prints the version', () => {
    const r = spawnSync('node', ['bin/kordon.js', '--version'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });

  it('stops writing quietly when the reader of its output goes away (kordon … | head), with its own exit code', () => {
    for (const args of ['matrix examples/', 'test --help']) {
      // pipefail: the status is kordon's own, not head's.
      const r = spawnSync('bash', ['-c', `set -o pipefail; node bin/kordon.js ${args} | head -c 10 >/dev/null`], { cwd: ROOT, encoding: 'utf8' });
      expect(r.stderr, args).not.toMatch(/EPIPE|node:events|^\s+at /m);
      expect(r.status, args).toBe(0);
    }
  });

  it('sets the exit code of a denied check, with the answer on stdout and diagnostics on stderr', () => {
    const r = spawnSync('node', ['bin/kordon.js', 'check', SHOP, '--from', 'frontend/web', '--to', 'api.backend', '-o', 'json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stdout) as { verdict: string }).verdict).toBe('denied');
    expect(r.stderr).toContain('invalid.yaml:11:7: error:');
  });

  it('reads stdin for -', () => {
    const r = spawnSync('node', ['bin/kordon.js', 'validate', '-', '-o', 'json'], { cwd: ROOT, encoding: 'utf8', input: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('exits 2 on usage errors', () => {
    const r = spawnSync('node', ['bin/kordon.js', 'check', SHOP], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("required option '--from <source>' not specified");
  });

  it('start-up is lean: main loads no command implementation, and neither the dataplane nor the web server', () => {
    // Static imports of the built files, followed from main.js; dynamic import() is what commands use for the rest.
    const dist = join(ROOT, 'packages/cli/dist');
    const seen = new Set<string>();
    const packages = new Set<string>();
    const walk = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith('.')) walk(join(dirname(file), spec));
        else packages.add(spec);
      }
    };
    walk(join(dist, 'main.js'));
    const files = [...seen].map((f) => relative(dist, f)).sort();
    expect(files).toEqual(expect.arrayContaining(['main.js', 'commands/index.js', 'commands/check.js', 'io.js']));
    expect(packages).toContain('commander');
    expect(files.filter((f) => f.startsWith('run/'))).toEqual([]);
    expect([...packages].filter((p) => p === '@kordon/dataplane' || p === '@kordon/web' || p.startsWith('@kordon/engine') || p === 'yaml')).toEqual([]);
  });

  it('the bundle bin/kordon.js runs holds the engine but leaves the dataplane and the web server to lazy imports', () => {
    const bundle = readFileSync(join(ROOT, 'packages/cli/dist/kordon.mjs'), 'utf8');
    expect(bundle).toContain('function computeMatrix(');
    expect(bundle).toMatch(/import\(\s*"@kordon\/dataplane"\s*\)/);
    expect(bundle).toMatch(/import\(\s*"@kordon\/web"\s*\)/);
    expect(bundle).not.toMatch(/^import .* from "@kordon\/(dataplane|web)"/m);
  });
});
