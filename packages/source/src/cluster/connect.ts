// Types only: node:http and node:https (with TLS) load when a command first reads a cluster, not at every start-up.
import type { RequestOptions } from 'node:https';
import type { Agent as HttpAgent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { SourceError } from '../files/problems.js';

/** How to reach the cluster, as kubectl takes it. */
export interface ClusterOptions {
  /** A kubeconfig file (default: KUBECONFIG, then ~/.kube/config). */
  kubeconfig?: string;
  /** A context of the kubeconfig other than its current one. */
  context?: string;
  /**
   * Use the pod's service account (as an agent in a DaemonSet does): KUBERNETES_SERVICE_HOST and _PORT, and the token,
   * CA and namespace the kubelet mounts at /var/run/secrets/kubernetes.io/serviceaccount/.
   */
  inCluster?: boolean;
  /** Where that mount is found, for a service account mounted elsewhere (default `/`). */
  serviceAccountRoot?: string;
  /** Milliseconds each call may take (default 30 s). */
  timeoutMs?: number;
  /** Tries per call for errors that may pass (connection reset, 429, 5xx); default 4. */
  attempts?: number;
  /** Objects per page (default 500, as kubectl). */
  pageSize?: number;
  /** The environment (KUBECONFIG); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Connection {
  server: string;
  context: string;
  /** The context's namespace, where a user with rights in one namespace only can still read. */
  namespace: string;
  /** The loaded kubeconfig, for client-node's own machinery (the watch of an informer). */
  config: KubeConfig;
  get(path: string): Promise<Response>;
  /** An open stream of watch events (one JSON object per line). */
  stream(path: string): Promise<import('node:http').IncomingMessage>;
}

export interface Response {
  status: number;
  body: string;
}

/** The failures a person can act on, named as kubectl users know them. */
export type ClusterFailure = 'unreachable' | 'certificate' | 'unauthorized' | 'timeout' | 'config' | 'server';

export class ClusterError extends SourceError {
  constructor(
    readonly failure: ClusterFailure,
    message: string,
    hint?: string,
  ) {
    super('cluster', message, hint);
  }
}

/** Loads the kubeconfig as kubectl does (client-node's KubeConfig: files, contexts, exec plugins, in-cluster). */
export async function connect(opts: ClusterOptions = {}): Promise<Connection> {
  // Only the kubeconfig part of client-node: its index loads every generated API (~970 modules, ~0.65 s of CPU).
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const kc = new KubeConfig();
  try {
    if (opts.inCluster) kc.loadFromCluster(opts.serviceAccountRoot?.replace(/\/+$/, '') ?? '');
    else if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else {
      const env = opts.env?.['KUBECONFIG'];
      if (env !== undefined && opts.env !== process.env) {
        // An environment other than the process's: client-node reads process.env itself.
        const first = env.split(':').find((p) => p !== '');
        if (first) kc.loadFromFile(first);
        else kc.loadFromDefault();
      } else kc.loadFromDefault();
    }
    if (opts.context) kc.setCurrentContext(opts.context);
  } catch (err) {
    throw new ClusterError('config', `cannot load the kubeconfig: ${err instanceof Error ? err.message : String(err)}`, 'give --kubeconfig FILE, or set KUBECONFIG');
  }
  const cluster = kc.getCurrentCluster();
  const ctxName = kc.getCurrentContext();
  if (opts.context && !kc.getContextObject(opts.context)) throw new ClusterError('config', `no context ${JSON.stringify(opts.context)} in the kubeconfig`, `contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}`);
  if (!cluster) throw new ClusterError('config', 'the kubeconfig names no cluster for its current context', 'kubectl config current-context; kubectl config get-contexts');
  const namespace = kc.getContextObject(ctxName)?.namespace ?? 'default';
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const attempts = Math.max(1, opts.attempts ?? 4);
  const base = new URL(cluster.server);
  // client-node makes a new agent per request, so every page of a list would pay a TLS handshake (on both ends).
  // List calls share one keep-alive agent instead; its idle sockets are unref'd, so they never hold the process open.
  // Watches keep their own: each holds its socket for minutes. Behind a proxy, client-node's proxy agent stays.
  const pool = base.protocol === 'https:' ? new (await import('node:https')).Agent({ keepAlive: true }) : new (await import('node:http')).Agent({ keepAlive: true });
  const send = (path: string, streaming: boolean) => open(kc, base, cluster.server, path, timeoutMs, streaming ? undefined : pool);
  return {
    server: cluster.server,
    context: ctxName,
    namespace,
    config: kc,
    get: (path) => withRetry(() => send(path, false).then(readAll), attempts),
    stream: (path) => send(path, true),
  };
}

async function open(kc: KubeConfig, base: URL, server: string, path: string, timeoutMs: number, pool: HttpAgent | undefined): Promise<import('node:http').IncomingMessage> {
  const streaming = pool === undefined;
  const url = new URL(path, base);
  const opts: RequestOptions = { method: 'GET', hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers: { Accept: 'application/json' } };
  // Credentials are applied per call: an exec plugin or token file may hand out a fresh token.
  await kc.applyToHTTPSOptions(opts);
  // The TLS options (ca, cert, key, servername, rejectUnauthorized) stay on the request, where the pooled agent takes
  // them and keys its sockets by them.
  if (pool && !kc.getCurrentCluster()?.proxyUrl) opts.agent = pool;
  const req = (url.protocol === 'https:' ? (await import('node:https')).request : (await import('node:http')).request)(opts);
  return new Promise((resolve, reject) => {
    // A watch stays open for minutes by design; only its start is timed.
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
    req.once('response', (res) => {
      if (streaming) clearTimeout(timer);
      else res.once('end', () => clearTimeout(timer)).once('error', () => clearTimeout(timer));
      resolve(res);
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(classify(err, server, timeoutMs));
    });
    req.end();
  });
}

function readAll(res: import('node:http').IncomingMessage): Promise<Response> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    res.once('error', reject);
  });
}

/** Transport errors as a person reads them: which server, what went wrong, what to check. */
export function classify(err: unknown, server: string, timeoutMs: number): ClusterError {
  if (err instanceof ClusterError) return err;
  const code = (err as { code?: string }).code ?? '';
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNRESET' || code === 'EAI_AGAIN')
    return new ClusterError('unreachable', `cannot reach the API server at ${server}: ${code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'no such host' : msg}`, 'is the cluster running, and is this the right context? kubectl cluster-info');
  if (code === 'ETIMEDOUT') return new ClusterError('timeout', `the API server at ${server} did not answer within ${Math.round(timeoutMs / 1000)} s`, 'raise --request-timeout, or check the network');
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|altnames/i.test(code + msg))
    return new ClusterError('certificate', `the API server at ${server} presented a certificate that cannot be trusted: ${msg}`, "check certificate-authority-data in the kubeconfig (kubectl config view --raw); the server's certificate must be signed by it and name the host");
  return new ClusterError('unreachable', `cannot reach the API server at ${server}: ${msg}`, 'kubectl cluster-info');
}

const transient = (e: unknown): boolean => e instanceof ClusterError && (e.failure === 'unreachable' || e.failure === 'timeout');

/** Retries what may pass (connection errors, timeouts, 429 and 5xx answers) with exponential backoff and jitter. */
export async function withRetry(call: () => Promise<Response>, attempts: number, baseMs = 200): Promise<Response> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, baseMs * 2 ** (i - 1) * (0.5 + Math.random())));
    try {
      const res = await call();
      if (res.status === 429 || res.status >= 500) {
        last = res;
        continue;
      }
      return res;
    } catch (e) {
      last = e;
      if (!transient(e)) throw e;
    }
  }
  if (last && typeof last === 'object' && 'status' in last) return last as Response;
  throw last;
}
