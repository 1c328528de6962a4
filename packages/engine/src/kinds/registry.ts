/**
 * The one list of kinds kordon reads: for each, the API groups it belongs to, how it is validated, and what the model
 * builder makes of it. A kind of the same name in another group (Calico's NetworkPolicy, Antrea's
 * ClusterNetworkPolicy) is another object and is skipped with a note.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { LoadedObject } from '../load/load.js';
import { validateNetworkPolicy } from '../validate/networkpolicy.js';
import { validateReadKind } from '../validate/objects.js';
import { NAMESPACE, NODE, POD, SERVICE, WORKLOADS } from '../validate/schemas.js';
import { ANP_KIND, BANP_KIND, CNP_KIND, POLICY_GROUP, type TierKindSpec } from '../tiers/kinds.js';
import { validateClusterPolicy } from '../tiers/validate.js';
import type { WorkloadKind } from '../model/types.js';

export type KindRole =
  | { role: 'namespace' }
  | { role: 'pod' }
  | { role: 'service' }
  | { role: 'node' }
  | { role: 'workload'; kind: WorkloadKind }
  | { role: 'networkpolicy' }
  | { role: 'clusterpolicy'; spec: TierKindSpec };

export interface KindEntry {
  kind: string;
  /** API groups (`''` is the core group). */
  groups: readonly string[];
  /** Namespaced objects default to the `default` namespace; cluster-scoped ones have none. */
  namespaced: boolean;
  model: KindRole;
  validate(obj: LoadedObject): Diagnostic[];
}

const WORKLOAD_GROUPS = ['apps', 'batch', 'extensions'];
const workload = (kind: WorkloadKind, groups: readonly string[] = WORKLOAD_GROUPS): KindEntry => ({
  kind,
  groups,
  namespaced: true,
  model: { role: 'workload', kind },
  validate: (obj) => validateReadKind(obj, WORKLOADS[kind]!),
});
const clusterPolicy = (spec: TierKindSpec): KindEntry => ({
  kind: spec.kind,
  groups: [POLICY_GROUP],
  namespaced: false,
  model: { role: 'clusterpolicy', spec },
  validate: (obj) => validateClusterPolicy(obj, spec),
});

export const KINDS: readonly KindEntry[] = [
  { kind: 'Namespace', groups: [''], namespaced: false, model: { role: 'namespace' }, validate: (o) => validateReadKind(o, NAMESPACE) },
  { kind: 'Pod', groups: [''], namespaced: true, model: { role: 'pod' }, validate: (o) => validateReadKind(o, POD) },
  { kind: 'Service', groups: [''], namespaced: true, model: { role: 'service' }, validate: (o) => validateReadKind(o, SERVICE) },
  { kind: 'Node', groups: [''], namespaced: false, model: { role: 'node' }, validate: (o) => validateReadKind(o, NODE) },
  { kind: 'NetworkPolicy', groups: ['networking.k8s.io', 'extensions'], namespaced: true, model: { role: 'networkpolicy' }, validate: validateNetworkPolicy },
  workload('Deployment'),
  workload('StatefulSet'),
  workload('DaemonSet'),
  workload('ReplicaSet'),
  workload('Job'),
  workload('CronJob'),
  workload('ReplicationController', ['']),
  clusterPolicy(CNP_KIND),
  clusterPolicy(ANP_KIND),
  clusterPolicy(BANP_KIND),
];

const byKind = new Map<string, KindEntry>(KINDS.map((k) => [k.kind, k]));

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The registry entry of an object's kind in its API group; undefined for kinds kordon does not read. */
export function kindEntry(obj: { kind: string; apiVersion: string }): KindEntry | undefined {
  const entry = byKind.get(obj.kind);
  return entry && entry.groups.includes(groupOf(obj.apiVersion)) ? entry : undefined;
}

/** Kinds that commonly travel with manifests and carry nothing for network policy: skipped silently. */
const QUIET_KINDS = new Set<string>(['ConfigMap', 'Secret', 'ServiceAccount', 'Endpoints', 'EndpointSlice', 'Event', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

/** Kinds other projects define under a name kordon reads, with what to say about them. */
const LOOKALIKES: Readonly<Record<string, { kind: string; note: string }>> = {
  'crd.antrea.io': {
    kind: 'ClusterNetworkPolicy',
    note: "Antrea's own ClusterNetworkPolicy (crd.antrea.io), not the Kubernetes ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2); kordon does not evaluate Antrea's kinds, so its rules are not in the answers; skipped",
  },
};

/** Why an object kordon does not read is skipped; undefined when it is skipped silently. */
export function skipNote(obj: { kind: string; apiVersion: string }): string | undefined {
  if (QUIET_KINDS.has(obj.kind)) return undefined;
  const look = LOOKALIKES[groupOf(obj.apiVersion)];
  if (look && look.kind === obj.kind) return `${obj.kind} (${obj.apiVersion}) is ${look.note}`;
  return `${obj.kind} (${obj.apiVersion}) is not a kind kordon evaluates; skipped`;
}

/**
 * Validation by kind: the API server's (or the CRD's) rules for policies, a type check of the fields kordon reads
 * for the other kinds it models. Kinds kordon does not read are left to the cluster builder, which notes them.
 */
export function validateObject(obj: LoadedObject): Diagnostic[] {
  return kindEntry(obj)?.validate(obj) ?? [];
}
