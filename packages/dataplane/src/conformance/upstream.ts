import { readFileSync } from 'node:fs';
import { buildCluster, loadSources, type Cluster, type Diagnostic, type Protocol } from '@kordon/engine';

/** The fields of shared/conformance/upstream-e2e-part.json that the lab reads. */
export interface UpstreamSuite {
  podOrder: string[];
  model: {
    namespaces: Record<string, Record<string, string>>;
    pods: Record<string, { labels: Record<string, string>; ip: string; containerPorts: Array<{ name: string; port: number; protocol: Protocol; containerName: string }> }>;
  };
  cases: UpstreamCase[];
}

export interface UpstreamCase {
  id: string;
  name: string;
  steps: Array<{
    /** Namespace labels that change at this step (`AddNamespaceLabel`). */
    namespaceLabels?: Record<string, Record<string, string>>;
    policies: Array<Record<string, unknown>>;
    probes: Array<{ port: number; protocol: Protocol; expected: Record<string, Record<string, boolean>> }>;
  }>;
}

export function readUpstreamSuite(path: string): UpstreamSuite {
  return JSON.parse(readFileSync(path, 'utf8')) as UpstreamSuite;
}

/** The suite's model (namespaces x, y, z; pods a, b, c with fixed IPs and named ports) as Kubernetes objects. */
export function upstreamObjects(suite: UpstreamSuite, namespaceLabels: Record<string, Record<string, string>> = {}): Array<Record<string, unknown>> {
  const objs: Array<Record<string, unknown>> = [];
  for (const [name, base] of Object.entries(suite.model.namespaces)) {
    const labels = namespaceLabels[name] ?? base;
    objs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  }
  for (const [id, pod] of Object.entries(suite.model.pods)) {
    const [namespace, name] = id.split('/');
    const containers = pod.containerPorts.map((cp) => ({ name: cp.containerName, image: 'agnhost', ports: [{ name: cp.name, containerPort: cp.port, protocol: cp.protocol }] }));
    objs.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: pod.labels }, spec: { containers }, status: { phase: 'Running', podIP: pod.ip, podIPs: [{ ip: pod.ip }] } });
  }
  return objs;
}

/** Builds a cluster from objects through the engine, as `kordon matrix` would read them from files. */
export function clusterOf(objects: ReadonlyArray<Record<string, unknown>>, name = 'objects.json'): { cluster: Cluster; diagnostics: Diagnostic[] } {
  const loaded = loadSources([{ name, text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) }]);
  const built = buildCluster(loaded.objects);
  return { cluster: built.cluster, diagnostics: [...loaded.diagnostics, ...built.diagnostics] };
}
