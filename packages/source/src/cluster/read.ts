import type { Diagnostic, SourceFile } from '@kordon/engine';
import type { SourceText } from '../files/read.js';
import { readingNote } from '../files/problems.js';
import { ClusterError, connect, type ClusterOptions, type Connection } from './connect.js';
import { canIFor, listPath, RESOURCES, type Resource } from './resources.js';
import { trimObject, trimVersioned } from './trim.js';

type Obj = Record<string, unknown>;

export interface ClusterReadOptions extends ClusterOptions {
  /** Also read what only snapshots keep (EndpointSlices). */
  snapshot?: boolean;
}

export interface Status {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

const parse = (body: string): Obj | undefined => {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null ? (v as Obj) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * One list call's pages (limit/continue), trimmed as they arrive, so memory holds only what the engine needs. With
 * `versions`, each item is trimmed as the agent's informers keep it (trimVersioned) and the answer carries the list's
 * resourceVersion (an informer watches from there).
 */
export async function listAll(conn: Connection, r: Resource, pageSize: number, namespace?: string, versions = false): Promise<{ items: Obj[]; status: number; failure?: Status; resourceVersion?: string }> {
  const items: Obj[] = [];
  let cont: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (cont) q.set('continue', cont);
    const res = await conn.get(`${listPath(r, namespace)}?${q}`);
    const body = parse(res.body);
    if (res.status !== 200) return { items, status: res.status, failure: (body ?? { message: res.body.slice(0, 200) }) as Status };
    for (const o of (body?.['items'] as Obj[] | undefined) ?? []) items.push(versions ? trimVersioned(r, o) : trimObject(r.kind, r.apiVersion, o));
    const meta = body?.['metadata'] as Obj | undefined;
    // The first page's version is the list's: later pages are served from the same snapshot.
    resourceVersion ??= meta?.['resourceVersion'] as string | undefined;
    cont = (meta?.['continue'] as string | undefined) || undefined;
  } while (cont);
  return { items, status: 200, ...(resourceVersion !== undefined ? { resourceVersion } : {}) };
}

/**
 * What a refused list means for the answers, in the reader's words: `scope` is what was not read (`outside namespace
 * shop`), or nothing when none of it was.
 */
function consequence(r: Resource, scope?: string): string {
  const of = scope ?? 'of the cluster';
  switch (r.kind) {
    case 'NetworkPolicy':
      return `the policies ${of} are not seen: pods ${of} may be isolated that kordon calls open`;
    case 'Pod':
      return `the pods ${of} are not in the answers, and policies that select peers ${of} match nothing`;
    case 'Namespace':
      return "namespaceSelectors are judged on the namespaces' names only";
    case 'Node':
      return "cluster policies' nodes peers match no node";
    case 'ClusterNetworkPolicy':
    case 'AdminNetworkPolicy':
    case 'BaselineAdminNetworkPolicy':
      return `the ${r.plural} are not seen: verdicts are given without them, though a cluster policy decides before NetworkPolicies (admin tier) or where none isolates (baseline tier)`;
    default:
      return `answers that depend on the ${r.plural} ${of} may be wrong`;
  }
}

interface ReadResult {
  file?: SourceFile;
  diagnostics: Diagnostic[];
  unreadable: string[];
}

/** One resource's list (retried in the context's namespace when refused across namespaces), as text for the loader. */
async function readResource(conn: Connection, r: Resource, pageSize: number): Promise<ReadResult> {
  const diagnostics: Diagnostic[] = [];
  const unreadable: string[] = [];
  const name = `cluster:${conn.context}/${r.plural}`;
  let got = await listAll(conn, r, pageSize);
  if (got.status === 403 && r.namespaced) {
    const all = got;
    got = await listAll(conn, r, pageSize, conn.namespace);
    if (got.status === 200) {
      diagnostics.push(
        readingNote(name, 'cluster-forbidden', `list ${r.plural} is refused across namespaces (${all.failure?.message ?? 'forbidden'}); read namespace ${conn.namespace} only: ${consequence(r, `outside namespace ${conn.namespace}`)}`, 'warning', `check with: ${canIFor(r)}`),
      );
      unreadable.push(`${r.plural} outside ${conn.namespace}`);
    }
  }
  if (got.status === 404 && r.optional) return { diagnostics, unreadable };
  if (got.status === 401) throw new ClusterError('unauthorized', `the API server at ${conn.server} refused the credentials of context ${conn.context} (401 Unauthorized: ${got.failure?.message ?? 'expired or invalid token'})`, 'the token or client certificate has expired or is wrong: log in again, or refresh the kubeconfig');
  if (got.status === 403) {
    diagnostics.push(readingNote(name, 'cluster-forbidden', `cannot list ${r.plural}: ${got.failure?.message ?? 'forbidden'}; ${consequence(r)}`, 'error', `check with: ${canIFor(r, r.namespaced ? conn.namespace : undefined)}`));
    return { diagnostics, unreadable: [...unreadable, r.plural] };
  }
  if (got.status !== 200) {
    diagnostics.push(readingNote(name, 'cluster-error', `cannot list ${r.plural}: HTTP ${got.status} ${got.failure?.message ?? ''}`.trim(), 'error'));
    return { diagnostics, unreadable: [...unreadable, r.plural] };
  }
  // One object per line: diagnostics point at name:line, and each line is an object a person can find.
  const text = `{"apiVersion":"v1","kind":"List","items":[\n${got.items.map((o) => JSON.stringify(o)).join(',\n')}\n]}\n`;
  return { file: { name, text }, diagnostics, unreadable };
}

/**
 * Reads the objects kordon evaluates from the current context, each resource one paginated list, and hands them on
 * as text (one JSON list per resource) so they go through the same loader, validation and model as files. A refused
 * list (403) is retried in the context's namespace; what stays unreadable is said, with what it means and how to check.
 * The lists run at once: while the server writes one page, the client parses another. Results keep resource order,
 * and the first failure in that order is the one thrown.
 */
export async function readCluster(opts: ClusterReadOptions = {}): Promise<SourceText> {
  const conn = await connect(opts);
  const pageSize = opts.pageSize ?? 500;
  const wanted = RESOURCES.filter((r) => !r.snapshotOnly || opts.snapshot);
  const settled = await Promise.allSettled(wanted.map((r) => readResource(conn, r, pageSize)));
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const unreadable: string[] = [];
  for (const s of settled) {
    if (s.status === 'rejected') throw s.reason;
    if (s.value.file) files.push(s.value.file);
    diagnostics.push(...s.value.diagnostics);
    unreadable.push(...s.value.unreadable);
  }
  return { files, diagnostics, unreadable };
}
