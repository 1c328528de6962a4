import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serve, type RunningServer } from './serve.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

function site(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kordon-site-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>kordon</title>');
  return dir;
}

/** A raw request, so that the Host header is exactly what a hostile page's browser would send. */
function get(s: RunningServer, path: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    // '' sends no Host header at all.
    const req = request({ host: '127.0.0.1', port: s.port, path, setHost: host !== '', headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('kordon serve exposes nothing', () => {
  it('answers only to the Host names of this machine (no DNS rebinding)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kordon-in-'));
    writeFileSync(join(dir, 'a.yaml'), 'kind: Namespace\n');
    const s = await serve([dir], { siteDir: site() });
    try {
      for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, `[::1]:${s.port}`, `LOCALHOST:${s.port}`]) {
        expect((await get(s, '/api/manifests', host)).status, host).toBe(200);
      }
      for (const host of ['attacker.example', `attacker.example:${s.port}`, `127.0.0.1.attacker.example:${s.port}`, `localhost:${s.port + 1}`, '']) {
        const r = await get(s, '/api/manifests', host);
        // No Host at all is refused by Node's HTTP/1.1 parser already (400).
        expect(host === '' ? [400] : [403], host).toContain(r.status);
        expect(r.body).not.toContain('Namespace');
      }
      expect((await get(s, '/', 'attacker.example')).status).toBe(403);
    } finally {
      await s.close();
    }
  });

  it('never follows a symbolic link out of the served paths', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'kordon-secret-'));
    writeFileSync(join(outside, 'secret.yaml'), 'secret: 1\n');
    const dir = mkdtempSync(join(tmpdir(), 'kordon-in-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.yaml'), 'kind: Namespace\n');
    symlinkSync(join(outside, 'secret.yaml'), join(dir, 'shadow.yaml'));
    symlinkSync(join(dir, 'a.yaml'), join(dir, 'sub', 'inside.yaml'));
    const siteDir = site();
    symlinkSync(join(outside, 'secret.yaml'), join(siteDir, 'leak.txt'));
    const s = await serve([dir], { siteDir });
    try {
      const api = JSON.parse((await get(s, '/api/manifests', `127.0.0.1:${s.port}`)).body) as { files: { name: string; text: string }[]; skipped: { name: string }[] };
      expect(api.files.map((f) => f.name)).toEqual([join(dir, 'a.yaml'), join(dir, 'sub', 'inside.yaml')]);
      expect(JSON.stringify(api.files)).not.toContain('secret');
      expect(api.skipped.map((f) => f.name)).toEqual([join(dir, 'shadow.yaml')]);
      expect((await get(s, '/leak.txt', `127.0.0.1:${s.port}`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('a path given on the command line is served even when it is a link', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'kordon-target-'));
    writeFileSync(join(outside, 'p.yaml'), 'kind: Namespace\n');
    const dir = mkdtempSync(join(tmpdir(), 'kordon-in-'));
    symlinkSync(join(outside, 'p.yaml'), join(dir, 'link.yaml'));
    const s = await serve([join(dir, 'link.yaml')], { siteDir: site() });
    try {
      const api = JSON.parse((await get(s, '/api/manifests', `127.0.0.1:${s.port}`)).body) as { files: { name: string }[] };
      expect(api.files.map((f) => f.name)).toEqual([join(dir, 'link.yaml')]);
    } finally {
      await s.close();
    }
  });

  it('malformed percent-encoding is a 400, not a 500', async () => {
    const s = await serve([], { siteDir: site(), manifests: false });
    try {
      for (const path of ['/%E0%A4%A', '/%', '/a%zz']) expect((await get(s, path, `127.0.0.1:${s.port}`)).status, path).toBe(400);
    } finally {
      await s.close();
    }
  });

  it('--host 0.0.0.0 warns that the objects are offered to the network; loopback does not', async () => {
    const wide = await serve([], { siteDir: site(), host: '0.0.0.0' });
    try {
      expect(wide.warning).toMatch(/network/);
      expect((await get(wide, '/', `127.0.0.1:${wide.port}`)).status).toBe(200);
      expect((await get(wide, '/', `attacker.example:${wide.port}`)).status).toBe(403);
    } finally {
      await wide.close();
    }
    const local = await serve([], { siteDir: site() });
    expect(local.warning).toBeUndefined();
    await local.close();
  });

  it('the command prints the warning for --host 0.0.0.0', async () => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'kordon.js'), 'serve', '--host', '0.0.0.0', join(REPO, 'packages', 'web', 'demo')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    try {
      for (let k = 0; k < 200 && !/warning/.test(err); k++) await new Promise((r) => setTimeout(r, 50));
      expect(err).toMatch(/warning: .*0\.0\.0\.0.*network/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
