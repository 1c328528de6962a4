import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic, SourceFile } from '@kordon/engine';
import { readSources } from '@kordon/source';
import { allowedHosts, exposureWarning, hostAllowed, realPathOf, within } from './serve-guard.js';

/** A manifest file as the page receives it (`undecodable`: its bytes that were not UTF-8). */
export type ManifestFile = SourceFile;

/** What reading PATHS gave: the files, and what the reading itself found (unreadable files, skipped ones). */
export interface ManifestRead {
  files: ManifestFile[];
  problems: Diagnostic[];
}

export interface ServeOptions {
  /** Default 127.0.0.1: the page shows cluster objects, so it is not offered to the network unless asked. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The built page (default: `site/` of this package). */
  siteDir?: string;
  /** How PATHS are read; the CLI passes its own reader so `serve` reads exactly what `check` reads. */
  readFiles?: (paths: readonly string[]) => Promise<ManifestRead>;
  /** false: no `/api/manifests`, the page behaves as the static site (drop, paste, examples). Default true. */
  manifests?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Set when the bind offers the page beyond this machine (`--host 0.0.0.0`): the CLI prints it. */
  warning?: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export const DEFAULT_SITE_DIR = fileURLToPath(new URL('../site/', import.meta.url));

/**
 * Serves the page and `/api/manifests` (the files of PATHS, read again on every request so a reload shows edits made
 * on disk). The page evaluates them itself, in the browser, with the same engine the CLI uses.
 */
export async function serve(paths: readonly string[], options: ServeOptions = {}): Promise<RunningServer> {
  const siteDir = resolve(options.siteDir ?? DEFAULT_SITE_DIR);
  try {
    await stat(join(siteDir, 'index.html'));
  } catch {
    throw new Error(`the page is not built (${join(siteDir, 'index.html')} is missing): run npm run build -w @kordon/web`);
  }
  const read = options.readFiles ?? readPaths;
  const realSite = (await realPathOf(siteDir)) ?? siteDir;
  let hosts = new Set<string>();
  const server = createServer((req, res) => {
    if (!hostAllowed(req.headers.host, hosts)) {
      // DNS rebinding: a page on another origin that points its name at this address gets nothing.
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('forbidden: this server answers only to the names of this machine (Host header)\n');
      return;
    }
    handle(req, res, realSite, options.manifests === false ? undefined : paths, read).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  hosts = allowedHosts(host, port);
  const shown = host.includes(':') ? `[${host}]` : host;
  const warning = exposureWarning(host);
  return {
    url: `http://${shown}:${port}/`,
    port,
    ...(warning ? { warning } : {}),
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, siteDir: string, paths: readonly string[] | undefined, read: (p: readonly string[]) => Promise<ManifestRead>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (url.pathname === '/api/manifests' && paths) {
    let body: string;
    try {
      const given = await read(paths);
      const { files, skipped } = await confine(given.files, paths);
      // The page lists these beside the files' own problems: a file it was not given is never silently missing.
      const problems = [...given.problems, ...skipped.map(skippedProblem)];
      body = JSON.stringify({ origin: paths.join(' '), files, skipped, problems });
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad request: malformed percent-encoding in the path\n');
    return;
  }
  if (rel.endsWith('/')) rel += 'index.html';
  const file = normalize(join(siteDir, rel));
  // No path outside the site, whatever `..` or encoded separators the request holds.
  if (!within(file, siteDir)) {
    res.writeHead(403).end();
    return;
  }
  let data: Buffer;
  try {
    // Nor through a link inside it.
    const real = await realPathOf(file);
    if (real === undefined || !within(real, siteDir)) throw new Error('outside the site');
    data = await readFile(real);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    // Built assets carry a content hash in their names; the page itself must be fresh.
    'cache-control': rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : data);
}

/**
 * The files whose real place is inside the served paths: a path given is served as it is (even a link: the user named
 * it), but a link met inside a served directory is followed only when it stays inside one.
 */
async function confine(files: readonly ManifestFile[], paths: readonly string[]): Promise<{ files: ManifestFile[]; skipped: { name: string; reason: string }[] }> {
  const roots: string[] = [];
  const given = new Set<string>();
  for (const p of paths) {
    if (p === '-') continue;
    given.add(resolve(p));
    const real = await realPathOf(p);
    if (real !== undefined) roots.push(real);
  }
  const kept: ManifestFile[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const f of files) {
    // stdin and the live cluster (cluster:CONTEXT/RESOURCE) are no place on disk to escape from.
    if (f.name === '<stdin>' || f.name.startsWith('cluster:') || given.has(resolve(f.name))) {
      kept.push(f);
      continue;
    }
    const real = await realPathOf(f.name);
    if (real !== undefined && roots.some((r) => within(real, r))) kept.push(f);
    else skipped.push({ name: f.name, reason: 'a symbolic link to a place outside the served paths; not served' });
  }
  return { files: kept, skipped };
}

function skippedProblem(s: { name: string; reason: string }): Diagnostic {
  return { file: s.name, line: 1, column: 1, code: 'input-skipped', severity: 'warning', message: s.reason, path: '', hint: 'copy the file into the served folder, or name it on the command line' };
}

/** PATHS read as every command reads them (@kordon/source): files as given, directories by manifest extension. */
async function readPaths(paths: readonly string[]): Promise<ManifestRead> {
  if (paths.length === 0) return { files: [], problems: [] };
  const text = await readSources(paths);
  return { files: text.files, problems: text.diagnostics };
}

/** Files as given, directories recursively (manifest extensions only), in plain string order. */
export async function readManifests(paths: readonly string[]): Promise<ManifestFile[]> {
  return (await readPaths(paths)).files;
}
