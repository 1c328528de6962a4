/**
 * What a namespace event (labels changed, a namespace that came or went) changes for the compile cache. Only answers
 * that read namespace labels can change, and only for pods in those namespaces: a cached peer or subject is computed
 * again when the model answers differently for one of them, and kept otherwise. Both answers are the engine's: the
 * model of this compile, and a model holding the last compile's namespaces alone (a selector reads no more of it).
 */
import { clusterModel, type Cluster, type ClusterModel, type Labels, type Namespace } from '@kordon/engine';

export interface NamespaceChange {
  /** Namespaces whose labels, as the model reads them (with the name-label fallback), differ from the last compile's. */
  names: ReadonlySet<string>;
  /** The model's answers with the last compile's namespace labels. */
  before: ClusterModel;
}

/** A cluster of these namespaces and nothing else: what a selector peer or subject reads of the cluster. */
function namespacesOnly(namespaces: readonly Namespace[]): Cluster {
  return {
    namespaces,
    pods: [],
    workloads: [],
    services: [],
    policies: [],
    rejectedPolicies: [],
    clusterPolicies: [],
    rejectedClusterPolicies: [],
    nodes: [],
    dns: { namespace: 'kube-system', selector: {}, podsPresent: false },
  };
}

const texts = new WeakMap<Labels, string>();
function labelsText(labels: Labels): string {
  let t = texts.get(labels);
  if (t === undefined) texts.set(labels, (t = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))));
  return t;
}

/** The namespaces whose labels changed between the last compile's namespaces and this model's; undefined: none. */
export function namespaceChange(before: readonly Namespace[], now: ClusterModel): NamespaceChange | undefined {
  const after = now.cluster.namespaces;
  if (before === after) return undefined;
  const was = clusterModel(namespacesOnly(before));
  const seen = new Set<string>();
  const names = new Set<string>();
  for (const list of [before, after])
    for (const { name } of list) {
      if (seen.has(name)) continue;
      seen.add(name);
      if (labelsText(was.namespaceLabels(name)) !== labelsText(now.namespaceLabels(name))) names.add(name);
    }
  return names.size ? { names, before: was } : undefined;
}
