import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A manifest file as the page receives it. */
export interface ManifestFile {
  name: string;
  text: string;
}

export interface ServeOptions {
  /** Default 127.0.0.1: the page shows cluster objects, so it is not offered to the network unless asked. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The built page (default: `site/` of this package). */
  siteDir?: string;
  /** How PATHS are read; the CLI passes its own reader so `serve` reads exactly what `check` reads. */
  readFiles?: (paths: readonly string[]) => Promise<ManifestFile[]>;
  /** false: no `/api/manifests`, the page behaves as the static site (drop, paste, examples). Default true. */
  manifests?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
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
  const read = options.readFiles ?? readManifests;
  const server = createServer((req, res) => {
    handle(req, res, siteDir, options.manifests === false ? undefined : paths, read).catch((err: unknown) => {
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
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, siteDir: string, paths: readonly string[] | undefined, read: (p: readonly string[]) => Promise<ManifestFile[]>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (url.pathname === '/api/manifests' && paths) {
    let body: string;
    try {
      const files = await read(paths);
      body = JSON.stringify({ origin: paths.join(' '), files });
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  let rel = decodeURIComponent(url.pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = normalize(join(siteDir, rel));
  // No path outside the site, whatever `..` or encoded separators the request holds.
  if (file !== siteDir && !file.startsWith(siteDir.endsWith(sep) ? siteDir : siteDir + sep)) {
    res.writeHead(403).end();
    return;
  }
  let data: Buffer;
  try {
    data = await readFile(file);
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

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Files as given, directories recursively (manifest extensions only), in plain string order. */
export async function readManifests(paths: readonly string[]): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  const visit = async (p: string, top: boolean): Promise<void> => {
    const st = await stat(p);
    if (st.isDirectory()) {
      const names = (await readdir(p)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const n of names) await visit(join(p, n), false);
    } else if (top || EXTENSIONS.has(extname(p).toLowerCase())) {
      out.push({ name: p, text: await readFile(p, 'utf8') });
    }
  };
  for (const p of paths) await visit(p, true);
  return out;
}
