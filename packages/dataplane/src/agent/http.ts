import { createServer, type Server } from 'node:http';

export interface HealthEndpoints {
  /** Why the agent is not healthy, or undefined when it is. */
  unhealthy(): string | undefined;
  metrics(): Promise<string>;
}

/**
 * `/healthz` (200 `ok`, or 503 with the reason: not synced yet, the API lost) and `/metrics` on a local address.
 * Only GET; nothing else is served.
 */
export async function serveHealth(host: string, port: number, h: HealthEndpoints, log: (line: string) => void): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      const why = h.unhealthy();
      res.writeHead(why ? 503 : 200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(why ? `${why}\n` : 'ok\n');
      return;
    }
    if (path === '/metrics') {
      h.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
        (e: Error) => {
          log(`metrics failed: ${e.message}`);
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${e.message}\n`);
        },
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: /healthz and /metrics are served\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  const address = typeof a === 'object' && a ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : String(a);
  return { server, address };
}
