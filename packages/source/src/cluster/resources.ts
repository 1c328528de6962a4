/** One kind of object kordon reads from the API server. */
export interface Resource {
  kind: string;
  apiVersion: string;
  /** Plural, as in the URL and in `kubectl auth can-i list PLURAL`. */
  plural: string;
  namespaced: boolean;
  /** A cluster without this API (a CRD not installed) answers 404: nothing to read, not an error. */
  optional?: boolean;
  /** Read only for snapshots: the engine does not evaluate it. */
  snapshotOnly?: boolean;
}

const core = (kind: string, plural: string, namespaced = true): Resource => ({ kind, apiVersion: 'v1', plural, namespaced });
const group = (apiVersion: string, kind: string, plural: string, extra: Partial<Resource> = {}): Resource => ({ kind, apiVersion, plural, namespaced: true, ...extra });

/** What kordon reads, in the order a person would name them. */
export const RESOURCES: readonly Resource[] = [
  core('Namespace', 'namespaces', false),
  core('Pod', 'pods'),
  group('apps/v1', 'Deployment', 'deployments'),
  group('apps/v1', 'StatefulSet', 'statefulsets'),
  group('apps/v1', 'DaemonSet', 'daemonsets'),
  group('apps/v1', 'ReplicaSet', 'replicasets'),
  group('batch/v1', 'Job', 'jobs'),
  group('batch/v1', 'CronJob', 'cronjobs'),
  core('Service', 'services'),
  group('discovery.k8s.io/v1', 'EndpointSlice', 'endpointslices', { snapshotOnly: true }),
  group('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies'),
  core('Node', 'nodes', false),
  group('policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', 'clusternetworkpolicies', { namespaced: false, optional: true }),
  group('policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy', 'adminnetworkpolicies', { namespaced: false, optional: true }),
  group('policy.networking.k8s.io/v1alpha1', 'BaselineAdminNetworkPolicy', 'baselineadminnetworkpolicies', { namespaced: false, optional: true }),
];

/** The list URL of a resource, cluster-wide or in one namespace. */
export function listPath(r: Resource, namespace?: string): string {
  const base = r.apiVersion === 'v1' ? '/api/v1' : `/apis/${r.apiVersion}`;
  return namespace !== undefined && r.namespaced ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `${base}/${r.plural}`;
}

/** The `kubectl auth can-i` line that checks a refused list (or watch). */
export function canIFor(r: Resource, namespace?: string, verb: 'list' | 'watch' = 'list'): string {
  const g = r.apiVersion.includes('/') ? `.${r.apiVersion.split('/')[0]}` : '';
  const scope = !r.namespaced ? '' : namespace === undefined ? ' -A' : ` -n ${namespace}`;
  return `kubectl auth can-i ${verb} ${r.plural}${g}${scope}`;
}

/** What the agent follows: what decides who may reach whom, not workloads or Services. */
export const AGENT_RESOURCES: readonly Resource[] = RESOURCES.filter((r) =>
  ['Namespace', 'Pod', 'NetworkPolicy', 'Node', 'ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'].includes(r.kind),
);
