/**
 * The shapes the API server decodes (k8s.io/api, JSON field names). NetworkPolicy is complete, so
 * unknown fields are found; other kinds list what kordon reads, and their large structs are `open`.
 */
import type { Schema, StructSchema } from './decode.js';

const str: Schema = { type: 'string' };
const int32: Schema = { type: 'int32' };
const int64: Schema = { type: 'int64' };
const bool: Schema = { type: 'boolean' };
const any: Schema = { type: 'any' };
const strMap: Schema = { type: 'map', values: str };
const list = (items: Schema): Schema => ({ type: 'list', items });
const struct = (name: string, fields: Record<string, Schema>, open = false): StructSchema =>
  open ? { type: 'struct', name, fields, open } : { type: 'struct', name, fields };

const ownerReference = struct('OwnerReference', {
  apiVersion: str,
  kind: str,
  name: str,
  uid: str,
  controller: bool,
  blockOwnerDeletion: bool,
});

export const OBJECT_META = struct('ObjectMeta', {
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: str,
  resourceVersion: str,
  generation: int64,
  creationTimestamp: any,
  deletionTimestamp: any,
  deletionGracePeriodSeconds: int64,
  labels: strMap,
  annotations: strMap,
  ownerReferences: list(ownerReference),
  finalizers: list(str),
  managedFields: list(
    struct('ManagedFieldsEntry', { manager: str, operation: str, apiVersion: str, time: any, fieldsType: str, fieldsV1: any, subresource: str }),
  ),
});

export const LABEL_SELECTOR = struct('LabelSelector', {
  matchLabels: strMap,
  matchExpressions: list(struct('LabelSelectorRequirement', { key: str, operator: str, values: list(str) })),
});

export const NETWORK_POLICY_PORT = struct('NetworkPolicyPort', { protocol: str, port: { type: 'intOrString' }, endPort: int32 });

export const IP_BLOCK = struct('IPBlock', { cidr: str, except: list(str) });

export const NETWORK_POLICY_PEER = struct('NetworkPolicyPeer', {
  podSelector: LABEL_SELECTOR,
  namespaceSelector: LABEL_SELECTOR,
  ipBlock: IP_BLOCK,
});

export const INGRESS_RULE = struct('NetworkPolicyIngressRule', { ports: list(NETWORK_POLICY_PORT), from: list(NETWORK_POLICY_PEER) });
export const EGRESS_RULE = struct('NetworkPolicyEgressRule', { ports: list(NETWORK_POLICY_PORT), to: list(NETWORK_POLICY_PEER) });

export const NETWORK_POLICY_SPEC = struct('NetworkPolicySpec', {
  podSelector: LABEL_SELECTOR,
  ingress: list(INGRESS_RULE),
  egress: list(EGRESS_RULE),
  policyTypes: list(str),
});

export const NETWORK_POLICY = struct('NetworkPolicy', { apiVersion: str, kind: str, metadata: OBJECT_META, spec: NETWORK_POLICY_SPEC });

// ---------------------------------------------------------------------------------------------
// Kinds kordon reads a few fields of.

// Structs whose field lists are complete and have not changed in years are closed in every kind, so that a typo
// in them is an unknown field as `kubectl apply` reports it: `containerport` leaves a named port unresolved. The
// large structs (PodSpec, Container, the workload specs) stay open: listing every field of them would turn each new
// Kubernetes field into a false error.
//
// The metadata of kinds other than NetworkPolicy is open too, because cluster dumps carry fields of their own
// Kubernetes version (`clusterName` before 1.25), and an error would leave every pod of such a dump out; a near miss
// of a field (`lables`, which leaves a pod template's pods without labels) is still an error.
export const OPEN_META: StructSchema = { ...struct('ObjectMeta', { ...OBJECT_META.fields }, true), nearMiss: 'error' };

const containerPort = struct('ContainerPort', { name: str, containerPort: int32, protocol: str, hostPort: int32, hostIP: str });
const container = struct('Container', { name: str, ports: list(containerPort), restartPolicy: str }, true);

export const POD_SPEC = struct(
  'PodSpec',
  { containers: list(container), initContainers: list(container), hostNetwork: bool, nodeName: str },
  true,
);

const podIP = struct('PodIP', { ip: str });
const hostIP = struct('HostIP', { ip: str });
const podCondition = struct('PodCondition', { type: str, status: str }, true);

export const POD = struct(
  'Pod',
  {
    apiVersion: str,
    kind: str,
    metadata: OPEN_META,
    spec: POD_SPEC,
    status: struct('PodStatus', { phase: str, podIP: str, podIPs: list(podIP), hostIP: str, hostIPs: list(hostIP), conditions: list(podCondition) }, true),
  },
  true,
);

const podTemplate = struct('PodTemplateSpec', { metadata: OPEN_META, spec: POD_SPEC });

const workloadSpec = (name: string): StructSchema => struct(name, { replicas: int32, selector: LABEL_SELECTOR, template: podTemplate }, true);

const jobSpec = struct('JobSpec', { selector: LABEL_SELECTOR, template: podTemplate }, true);

export const WORKLOADS: Readonly<Record<string, StructSchema>> = {
  Deployment: struct('Deployment', { apiVersion: str, kind: str, metadata: OPEN_META, spec: workloadSpec('DeploymentSpec') }, true),
  StatefulSet: struct('StatefulSet', { apiVersion: str, kind: str, metadata: OPEN_META, spec: workloadSpec('StatefulSetSpec') }, true),
  ReplicaSet: struct('ReplicaSet', { apiVersion: str, kind: str, metadata: OPEN_META, spec: workloadSpec('ReplicaSetSpec') }, true),
  DaemonSet: struct('DaemonSet', { apiVersion: str, kind: str, metadata: OPEN_META, spec: struct('DaemonSetSpec', { selector: LABEL_SELECTOR, template: podTemplate }, true) }, true),
  Job: struct('Job', { apiVersion: str, kind: str, metadata: OPEN_META, spec: jobSpec }, true),
  CronJob: struct(
    'CronJob',
    {
      apiVersion: str,
      kind: str,
      metadata: OPEN_META,
      spec: struct('CronJobSpec', { jobTemplate: struct('JobTemplateSpec', { metadata: OPEN_META, spec: jobSpec }) }, true),
    },
    true,
  ),
  ReplicationController: struct(
    'ReplicationController',
    { apiVersion: str, kind: str, metadata: OPEN_META, spec: struct('ReplicationControllerSpec', { replicas: int32, selector: strMap, template: podTemplate }, true) },
    true,
  ),
};

const servicePort = struct('ServicePort', { name: str, protocol: str, appProtocol: str, port: int32, targetPort: { type: 'intOrString' }, nodePort: int32 });

export const SERVICE = struct(
  'Service',
  {
    apiVersion: str,
    kind: str,
    metadata: OPEN_META,
    spec: struct('ServiceSpec', { type: str, selector: strMap, ports: list(servicePort), clusterIP: str, clusterIPs: list(str) }, true),
  },
  true,
);

export const NAMESPACE = struct('Namespace', { apiVersion: str, kind: str, metadata: OPEN_META }, true);

/** Where each field name of the NetworkPolicy schema may appear: field → the structs that have it. */
export function fieldHomes(root: StructSchema): Map<string, StructSchema[]> {
  const homes = new Map<string, StructSchema[]>();
  const seen = new Set<StructSchema>();
  const visit = (s: Schema): void => {
    if (s.type === 'list') return visit(s.items);
    if (s.type === 'map') return visit(s.values);
    if (s.type !== 'struct' || seen.has(s)) return;
    seen.add(s);
    for (const [k, v] of Object.entries(s.fields)) {
      const list = homes.get(k) ?? [];
      list.push(s);
      homes.set(k, list);
      visit(v);
    }
  };
  visit(root);
  return homes;
}

const nodeAddress = struct('NodeAddress', { type: str, address: str });

/** What a `nodes` peer of a cluster policy reads: labels and `status.addresses`. */
export const NODE = struct(
  'Node',
  { apiVersion: str, kind: str, metadata: OPEN_META, spec: struct('NodeSpec', {}, true), status: struct('NodeStatus', { addresses: list(nodeAddress) }, true) },
  true,
);
