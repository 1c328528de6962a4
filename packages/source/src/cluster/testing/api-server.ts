import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { RESOURCES, type Resource } from '../resources.js';
import type { TestPki } from './certs.js';
import { Store, type Change } from './store.js';

type Obj = Record<string, unknown>;

/** Who may list what: `*` for every namespace, or the namespaces by name; resources by plural. */
export type Grants = Record<string, '*' | readonly string[]>;

export interface TestApiServerOptions {
  pki: TestPki;
  /** Bearer tokens and the user each one authenticates (client certificates authenticate their CN). */
  tokens?: Record<string, string>;
  /** Per user, what list/watch is allowed; a user not named here may read everything. */
  grants?: Record<string, Grants>;
  /** Resources answered with 404, as when a CRD is not installed (by plural). */
  absent?: readonly string[];
  /** Per user, resources (by plural) that may be listed but not watched. */
  noWatch?: Record<string, readonly string[]>;
  /** Milliseconds between BOOKMARK events on a watch (default 1000). */
  bookmarkMs?: number;
}

/** The short names kube-apiserver's discovery gives (and the CRDs of network-policy-api), for `kubectl get ns,netpol`. */
const SHORT_NAMES: Record<string, string[]> = {
  namespaces: ['ns'],
  pods: ['po'],
  services: ['svc'],
  nodes: ['no'],
  deployments: ['deploy'],
  statefulsets: ['sts'],
  daemonsets: ['ds'],
  replicasets: ['rs'],
  cronjobs: ['cj'],
  networkpolicies: ['netpol'],
  adminnetworkpolicies: ['anp'],
  baselineadminnetworkpolicies: ['banp'],
};

const status = (code: number, reason: string, message: string, details?: Obj): Obj => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });

/**
 * A stand-in for kube-apiserver on 127.0.0.1 for tests: HTTPS with a real certificate chain, bearer-token and
 * client-certificate authentication, discovery for kubectl, typed lists with resourceVersion and limit/continue,
 * watch streams (ADDED, MODIFIED, DELETED, BOOKMARK, and ERROR with a 410 Status for a compacted version), and the
 * Status bodies of 401, 403 and 404. It is not kube-apiserver: no admission, no validation beyond what kordon's tests
 * need, only get, list and watch.
 */
export class TestApiServer {
  readonly store = new Store();
  private server: Server | undefined;
  private readonly watches = new Set<ServerResponse>();
  url = '';
  /** Requests served, by path and query, for tests of pagination and retries. */
  readonly requests: string[] = [];
  /** TLS connections accepted, for tests that pages share a connection. */
  connections = 0;

  constructor(readonly opts: TestApiServerOptions) {}

  async start(port = 0): Promise<string> {
    const o = this.opts;
    this.server = createServer({ key: o.pki.serverKey, cert: o.pki.serverCert, ca: o.pki.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => this.handle(req, res));
    this.server.on('secureConnection', () => this.connections++);
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.url = `https://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
    return this.url;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** Stops listening and cuts every open watch, as a crashed API server would. */
  async stop(): Promise<void> {
    for (const w of this.watches) w.destroy();
    this.watches.clear();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** A kubeconfig for this server: token auth (user given) or client-certificate auth. */
  kubeconfig(auth: { token: string } | 'client-cert', ca: string = this.opts.pki.ca): string {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const user = auth === 'client-cert' ? { 'client-certificate-data': b64(this.opts.pki.clientCert), 'client-key-data': b64(this.opts.pki.clientKey) } : { token: auth.token };
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: this.url, 'certificate-authority-data': b64(ca) } }],
      users: [{ name: 'test-user', user }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'test-user', namespace: 'default' } }],
      'current-context': 'test',
    });
  }

  private user(req: IncomingMessage): string | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return this.opts.tokens?.[auth.slice(7)];
    const sock = req.socket as TLSSocket;
    if (sock.authorized) {
      const cn = sock.getPeerCertificate().subject?.CN;
      return Array.isArray(cn) ? cn[0] : cn;
    }
    return undefined;
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://x');
    this.requests.push(url.pathname + url.search);
    const user = this.user(req);
    if (!user) return this.send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    if (req.method !== 'GET') return this.send(res, 405, status(405, 'MethodNotAllowed', 'the test API server only reads'));
    const p = url.pathname;
    if (p === '/version') return this.send(res, 200, { major: '1', minor: '33', gitVersion: 'v1.33.0-kordon-test', platform: 'linux/amd64' });
    if (p === '/api') return this.send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (p === '/apis') return this.send(res, 200, this.groups());
    const disc = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/.exec(p);
    if (disc) return this.send(res, 200, this.resourceList(disc[1] ?? disc[2]!));
    const m = /^\/(?:api\/v1|apis\/([^/]+\/[^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(p);
    const apiVersion = m ? (m[1] ?? 'v1') : '';
    const r = m ? this.served().find((x) => x.plural === m[3] && x.apiVersion === apiVersion) : undefined;
    if (!m || !r) return this.send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const ns = m[2] !== undefined ? decodeURIComponent(m[2]) : undefined;
    const watching = url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true';
    if (!this.allowed(user, r, ns) || (watching && this.opts.noWatch?.[user]?.includes(r.plural))) {
      const g = r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : '';
      const where = ns === undefined ? 'at the cluster scope' : `in the namespace "${ns}"`;
      const verb = url.searchParams.get('watch') ? 'watch' : 'list';
      return this.send(res, 403, status(403, 'Forbidden', `${r.plural}${g ? `.${g}` : ''} is forbidden: User "${user}" cannot ${verb} resource "${r.plural}" in API group "${g}" ${where}`, { kind: r.plural, ...(g ? { group: g } : {}) }));
    }
    const watch = url.searchParams.get('watch');
    if (watch === '1' || watch === 'true') return this.watch(res, r, ns, url.searchParams);
    this.list(res, r, ns, url.searchParams);
  }

  private served(): Resource[] {
    return RESOURCES.filter((r) => !this.opts.absent?.includes(r.plural));
  }

  private allowed(user: string, r: Resource, ns: string | undefined): boolean {
    const g = this.opts.grants?.[user];
    if (!g) return true;
    const scope = g[r.plural];
    if (scope === undefined) return false;
    if (scope === '*') return true;
    return ns !== undefined && scope.includes(ns);
  }

  private groups(): Obj {
    const versions = new Map<string, string[]>();
    for (const r of this.served()) {
      if (!r.apiVersion.includes('/')) continue;
      const [g, v] = r.apiVersion.split('/') as [string, string];
      const l = versions.get(g) ?? [];
      if (!l.includes(v)) l.push(v);
      versions.set(g, l);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...versions].map(([name, vs]) => ({ name, versions: vs.map((v) => ({ groupVersion: `${name}/${v}`, version: v })), preferredVersion: { groupVersion: `${name}/${vs[0]}`, version: vs[0] } })),
    };
  }

  private resourceList(groupVersion: string): Obj {
    const resources = this.served()
      .filter((r) => r.apiVersion === groupVersion)
      .map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'list', 'watch'], ...(SHORT_NAMES[r.plural] ? { shortNames: SHORT_NAMES[r.plural] } : {}) }));
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
  }

  /** A typed list page; `continue` carries the resourceVersion of the first page and the offset, as etcd's does. */
  private list(res: ServerResponse, r: Resource, ns: string | undefined, q: URLSearchParams): void {
    const limit = Number(q.get('limit') ?? '0');
    let offset = 0;
    let rv = this.store.resourceVersion;
    const cont = q.get('continue');
    if (cont) {
      try {
        const c = JSON.parse(Buffer.from(cont, 'base64').toString()) as { rv: number; offset: number };
        offset = c.offset;
        rv = c.rv;
      } catch {
        return this.send(res, 400, status(400, 'BadRequest', 'invalid continue token'));
      }
      if (rv < this.store.oldest) return this.send(res, 410, status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'));
    }
    const all = this.store.list(r, ns);
    const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
    const more = limit > 0 && offset + limit < all.length;
    const metadata: Obj = { resourceVersion: String(rv) };
    if (more) {
      metadata['continue'] = Buffer.from(JSON.stringify({ rv, offset: offset + limit })).toString('base64');
      metadata['remainingItemCount'] = all.length - offset - limit;
    }
    this.send(res, 200, { kind: `${r.kind}List`, apiVersion: r.apiVersion, metadata, items: page });
  }

  private watch(res: ServerResponse, r: Resource, ns: string | undefined, q: URLSearchParams): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    // kube-apiserver answers a watch at once; a client that waits for the headers must not wait for the first event.
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const from = Number(q.get('resourceVersion') ?? String(this.store.resourceVersion));
    const backlog = this.store.since(from);
    if (!backlog) {
      write('ERROR', status(410, 'Expired', `too old resource version: ${from} (${this.store.oldest})`));
      return void res.end();
    }
    const mine = (c: Change) => c.resource === r && (ns === undefined || (c.object['metadata'] as Obj)['namespace'] === ns);
    for (const c of backlog) if (mine(c)) write(c.type, c.object);
    this.watches.add(res);
    const off = this.store.subscribe((c) => {
      if (mine(c)) write(c.type, c.object);
    });
    const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
    const timer = bookmarks ? setInterval(() => write('BOOKMARK', { kind: r.kind, apiVersion: r.apiVersion, metadata: { resourceVersion: String(this.store.resourceVersion) } }), this.opts.bookmarkMs ?? 1000) : undefined;
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    const end = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.once('close', () => {
      off();
      if (timer) clearInterval(timer);
      if (end) clearTimeout(end);
      this.watches.delete(res);
    });
  }
}
