import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readManifests, serve } from './serve.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

function site(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kordon-site-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>kordon</title>');
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
  return dir;
}

function manifests(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kordon-in-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'b.yaml'), 'kind: Namespace\n');
  writeFileSync(join(dir, 'sub', 'a.json'), '{}');
  writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
  return dir;
}

describe('serve', () => {
  it('serves the page and the manifests on 127.0.0.1, reading the files again on each request', async () => {
    const dir = manifests();
    const s = await serve([dir], { siteDir: site() });
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(s.url);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('<title>kordon</title>');
      const asset = await fetch(`${s.url}assets/app-1234.js`);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      const api = (await (await fetch(`${s.url}api/manifests`)).json()) as { files: { name: string; text: string }[] };
      expect(api.files.map((f) => f.name)).toEqual([join(dir, 'b.yaml'), join(dir, 'sub', 'a.json')]);
      writeFileSync(join(dir, 'b.yaml'), 'kind: Pod\n');
      const again = (await (await fetch(`${s.url}api/manifests`)).json()) as { files: { name: string; text: string }[] };
      expect(again.files[0]!.text).toBe('kind: Pod\n');
      expect((await fetch(`${s.url}missing.js`)).status).toBe(404);
      expect((await fetch(`${s.url}..%2f..%2fetc%2fpasswd`)).status).toBe(403);
      expect((await fetch(s.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await s.close();
    }
  });

  it('without manifests behaves as the static site, and refuses to start without a built page', async () => {
    const s = await serve([], { siteDir: site(), manifests: false });
    try {
      expect((await fetch(`${s.url}api/manifests`)).status).toBe(404);
    } finally {
      await s.close();
    }
    await expect(serve([], { siteDir: mkdtempSync(join(tmpdir(), 'kordon-empty-')) })).rejects.toThrow(/not built/);
  });

  it('tells the page what it could not read or would not serve, and which bytes were not UTF-8', async () => {
    const dir = manifests();
    const outside = mkdtempSync(join(tmpdir(), 'kordon-out-'));
    writeFileSync(join(outside, 'secret.yaml'), 'kind: Secret\n');
    symlinkSync(join(outside, 'secret.yaml'), join(dir, 'link.yaml'));
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from([...Buffer.from('kind: Namespace\nmetadata: {name: caf'), 0xe9, ...Buffer.from('}\n')]));
    const s = await serve([dir], { siteDir: site() });
    try {
      const api = (await (await fetch(`${s.url}api/manifests`)).json()) as {
        files: { name: string; text: string; undecodable?: { offset: number; byte: number }[] }[];
        problems: { file: string; code: string; severity: string }[];
      };
      expect(api.files.map((f) => f.name)).not.toContain(join(dir, 'link.yaml'));
      expect(api.files.find((f) => f.name === join(dir, 'latin1.yaml'))?.undecodable).toEqual([{ offset: 36, byte: 0xe9 }]);
      const byFile = new Map(api.problems.map((p) => [p.file, `${p.severity} ${p.code}`]));
      // A link out of the folder is refused (a warning: a file the user may expect is missing); a FIFO is skipped.
      expect(byFile.get(join(dir, 'link.yaml'))).toBe('warning input-skipped');
      expect(byFile.get(join(dir, 'pipe.yaml'))).toBe('info input-skipped');
    } finally {
      await s.close();
    }
  });

  it('reads files as given and directories by manifest extension, in name order', async () => {
    const dir = manifests();
    const files = await readManifests([join(dir, 'notes.txt'), dir]);
    expect(files.map((f) => f.name)).toEqual([join(dir, 'notes.txt'), join(dir, 'b.yaml'), join(dir, 'sub', 'a.json')]);
  });
});

describe('kordon serve (the command)', () => {
  it('prints its URL, serves what check reads, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'kordon.js'), 'serve', join(REPO, 'packages', 'web', 'demo')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    try {
      for (let k = 0; k < 200 && !/http:\/\/\S+/.test(out); k++) await new Promise((r) => setTimeout(r, 50));
      const url = /kordon serve: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
      expect(url, `stdout: ${out}\nstderr: ${err}`).toBeDefined();
      const api = (await (await fetch(`${url}api/manifests`)).json()) as { files: { name: string }[] };
      expect(api.files.map((f) => f.name)).toEqual([join(REPO, 'packages', 'web', 'demo', 'online-shop.yaml')]);
      expect((await fetch(url!)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('exits 2 on a path it cannot read', async () => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'kordon.js'), 'serve', '/nonexistent/kordon'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
    expect(code).toBe(2);
    expect(err).toContain('cannot read /nonexistent/kordon');
  });
});
