// Shared by the conformance and property suites: building clusters from plain manifests, and checking the bitset
// matrix against the explainable evaluator cell by cell. Lives in __fixtures__ so the engine build leaves it out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSource, loadSources } from '../../load/load.js';
import { buildCluster } from '../../model/build.js';
import type { Diagnostic } from '../../diagnostics.js';
import type { Cluster, Pod, Protocol } from '../../model/types.js';
import { evaluate } from '../../eval/evaluate.js';
import { computeMatrix, endpointAt, type MatrixOptions } from '../../matrix/matrix.js';

/** Where the shared conformance data lives; overridable for runs outside this machine. */
export const CONFORMANCE_DIR = process.env['KORDON_CONFORMANCE_DIR'] ?? `${process.env['KORDON_SHARED']}/conformance`;

export const readText = (rel: string): string => readFileSync(join(CONFORMANCE_DIR, rel), 'utf8');
export const readJson = <T>(rel: string): T => JSON.parse(readText(rel)) as T;

export interface PodInput {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  ips?: readonly string[];
  containerPorts?: readonly { name?: string; port: number; protocol?: Protocol; container?: string }[];
  hostNetwork?: boolean;
  hostIP?: string;
  nodeName?: string;
  /** Default Running. */
  phase?: string;
}

export function namespaceObject(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** A running pod manifest; each container port gets a container of its own unless one is named. */
export function podObject(p: PodInput): Record<string, unknown> {
  const containers = new Map<string, { name: string; image: string; ports: Record<string, unknown>[] }>();
  (p.containerPorts ?? []).forEach((cp, i) => {
    const cname = cp.container ?? `c${i}`;
    let c = containers.get(cname);
    if (!c) {
      c = { name: cname, image: 'agnhost', ports: [] };
      containers.set(cname, c);
    }
    c.ports.push({ containerPort: cp.port, protocol: cp.protocol ?? 'TCP', ...(cp.name ? { name: cp.name } : {}) });
  });
  if (containers.size === 0) containers.set('main', { name: 'main', image: 'agnhost', ports: [] });
  const ips = p.ips ?? [];
  const status: Record<string, unknown> = { phase: p.phase ?? 'Running' };
  if (ips.length > 0) {
    status['podIP'] = ips[0];
    status['podIPs'] = ips.map((ip) => ({ ip }));
  }
  if (p.hostIP) status['hostIP'] = p.hostIP;
  const spec: Record<string, unknown> = { containers: [...containers.values()] };
  if (p.hostNetwork) spec['hostNetwork'] = true;
  if (p.nodeName) spec['nodeName'] = p.nodeName;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, namespace: p.namespace, labels: p.labels ?? {} }, spec, status };
}

const errorsOf = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const describe = (ds: readonly Diagnostic[]): string => ds.map((d) => `${d.file}:${d.line} ${d.path} ${d.code}: ${d.message}`).join('\n');

/** Builds a cluster from manifests given as data; any error diagnostic (load or validation) fails the caller. */
export function clusterOf(objects: readonly unknown[], options: { trusted?: boolean } = {}): Cluster {
  const loaded = loadSource({ name: 'input.json', text: JSON.stringify(objects) });
  const built = buildCluster(loaded.objects, { trusted: options.trusted ?? false });
  const errors = errorsOf([...loaded.diagnostics, ...built.diagnostics]);
  if (errors.length > 0) throw new Error(`input rejected:\n${describe(errors)}`);
  return built.cluster;
}

/** Builds a cluster from manifest files as written (YAML or JSON). */
export function clusterOfFiles(files: readonly { name: string; text: string }[]): { cluster: Cluster; diagnostics: Diagnostic[] } {
  const loaded = loadSources(files);
  const built = buildCluster(loaded.objects);
  return { cluster: built.cluster, diagnostics: [...loaded.diagnostics, ...built.diagnostics] };
}

export const podId = (p: Pod): string => `${p.namespace}/${p.name}`;

export function podByName(cluster: Cluster, id: string): Pod {
  const pod = cluster.pods.find((p) => podId(p) === id);
  if (!pod) throw new Error(`no pod ${id}`);
  return pod;
}

/** evaluate() for a pod-to-pod connection. */
export function podVerdict(cluster: Cluster, from: Pod, to: Pod, port: number, protocol: Protocol): boolean {
  return evaluate(cluster, { from: { kind: 'pod', pod: from }, to: { kind: 'pod', pod: to }, port, protocol }).allowed;
}

/**
 * Every cell of computeMatrix against evaluate() on the same endpoints and column port, plus the matrix's own
 * bookkeeping: the diagonal is allowed, outside-to-outside cells are undefined, row() and allowedPairs() agree with
 * allowed(). Returns the disagreements (empty when the two engines agree).
 */
export function matrixVsEvaluate(cluster: Cluster, options: MatrixOptions = {}, limit = 20): string[] {
  const m = computeMatrix(cluster, options);
  const out: string[] = [];
  const n = m.endpoints.length;
  const note = (s: string) => {
    if (out.length < limit) out.push(s);
  };
  m.columns.forEach((col, c) => {
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      let row = '';
      for (let j = 0; j < n; j++) {
        const got = m.allowed(c, i, j);
        row += got === undefined ? '-' : got ? '1' : '0';
        const from = endpointAt(cluster, m, i);
        const to = endpointAt(cluster, m, j);
        if (from.kind === 'ip' && to.kind === 'ip') {
          if (got !== undefined) note(`${col.label} ${m.endpoints[i]} -> ${m.endpoints[j]}: outside pair gave ${got}`);
          continue;
        }
        if (got) pairs++;
        if (i === j) {
          if (got !== true) note(`${col.label} ${m.endpoints[i]} -> itself: matrix ${got}, a pod always reaches itself`);
          continue;
        }
        const want = evaluate(cluster, { from, to, port: col.port, protocol: col.protocol }).allowed;
        if (got !== want) note(`${col.label} ${m.endpoints[i]} -> ${m.endpoints[j]} (port ${col.port}/${col.protocol}): matrix ${got}, evaluate ${want}`);
      }
      if (m.row(c, i) !== row) note(`${col.label} row ${m.endpoints[i]}: row() ${m.row(c, i)} but allowed() ${row}`);
    }
    if (m.allowedPairs(c) !== pairs) note(`${col.label}: allowedPairs() ${m.allowedPairs(c)} but ${pairs} cells allowed`);
  });
  return out;
}
