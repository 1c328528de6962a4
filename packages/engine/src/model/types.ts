import type { Location, PathSegment } from '../diagnostics.js';
import type { ClusterPolicy, Node, RejectedClusterPolicy } from '../tiers/types.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type Labels = Readonly<Record<string, string>>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelRequirement {
  key: string;
  operator: SelectorOperator;
  values: readonly string[];
}

/** A Kubernetes label selector. Both parts empty: matches everything. */
export interface LabelSelector {
  matchLabels: Labels;
  matchExpressions: readonly LabelRequirement[];
}

export interface ContainerPort {
  name?: string;
  port: number;
  protocol: Protocol;
  container?: string;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob' | 'ReplicationController';

export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
}

export interface Namespace {
  name: string;
  /** Includes `kubernetes.io/metadata.name`, which the API server always sets. */
  labels: Labels;
  /** False when the namespace was only implied by an object in it. */
  declared: boolean;
  source?: Location;
}

export interface Pod {
  namespace: string;
  name: string;
  labels: Labels;
  /** Pod IPs (IPv4 and/or IPv6), canonical text. Empty when the pod has none yet. */
  ips: readonly string[];
  hostNetwork: boolean;
  nodeName?: string;
  /** The node's IP: a hostNetwork pod carries it as its address. */
  hostIP?: string;
  phase?: string;
  ready: boolean;
  containerPorts: readonly ContainerPort[];
  /** The top-level workload that owns this pod, when known. */
  owner?: WorkloadRef;
  /** True for a stand-in pod made from a workload's pod template. */
  fromTemplate: boolean;
  source?: Location;
}

export interface Workload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** Labels of the pod template. */
  labels: Labels;
  /** `spec.replicas`, 1 where a Deployment, StatefulSet or ReplicaSet leaves it out (the API server's default). */
  replicas?: number;
  source?: Location;
}

export interface ServicePort {
  name?: string;
  port: number;
  protocol: Protocol;
  /** A number, or the name of a container port on each endpoint pod. */
  targetPort: number | string;
}

export interface Service {
  namespace: string;
  name: string;
  type: string;
  /** Absent: a Service without selector (manual endpoints), which kordon cannot resolve. */
  selector?: Labels;
  clusterIPs: readonly string[];
  ports: readonly ServicePort[];
  source?: Location;
}

// ---------------------------------------------------------------------------------------------
// NetworkPolicy after defaulting (normalize): the model every evaluator reads.

/**
 * A peer of an ingress `from` or egress `to` list. The selector cases:
 *  - podSelector only          -> pods of the policy's namespace matching it (namespaceSelector: null)
 *  - namespaceSelector only    -> every pod of the matching namespaces (podSelector: null)
 *  - both                      -> matching pods inside matching namespaces (AND)
 *  - ipBlock                   -> addresses in cidr and outside every except entry
 */
export type Peer =
  | { kind: 'pods'; index: number; namespaceSelector: LabelSelector | null; podSelector: LabelSelector | null }
  | { kind: 'ipBlock'; index: number; cidr: string; except: readonly string[] };

/** One entry of a rule's `ports`. `port` null: every port of the protocol. */
export interface PortSpec {
  index: number;
  protocol: Protocol;
  port: number | string | null;
  endPort: number | null;
}

export type Direction = 'ingress' | 'egress';

export interface Rule {
  direction: Direction;
  index: number;
  /** null: `from`/`to` absent or empty, every peer matches. */
  peers: readonly Peer[] | null;
  /** null: `ports` absent or empty, every port and protocol matches. */
  ports: readonly PortSpec[] | null;
}

export interface Policy {
  /** `namespace/name`. */
  id: string;
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  /** Effective policyTypes after defaulting. */
  ingressIsolation: boolean;
  egressIsolation: boolean;
  /** True when policyTypes was absent or empty and was defaulted. */
  policyTypesDefaulted: boolean;
  /** Every rule as written, including those a missing policyType makes ignored. */
  ingress: readonly Rule[];
  egress: readonly Rule[];
  source?: Location;
  /** Where a field of this policy is written (falls back to the nearest written ancestor). */
  locate?: (path: readonly PathSegment[]) => Location;
}

/** A policy the engine left out because the API server would have rejected it. */
export interface RejectedPolicy {
  namespace: string;
  name: string;
  source?: Location;
  errors: number;
}

export interface Cluster {
  namespaces: readonly Namespace[];
  pods: readonly Pod[];
  workloads: readonly Workload[];
  services: readonly Service[];
  /** Valid NetworkPolicies only. */
  policies: readonly Policy[];
  rejectedPolicies: readonly RejectedPolicy[];
  /** Valid ClusterNetworkPolicies, AdminNetworkPolicies and BaselineAdminNetworkPolicies, in evaluation order. */
  clusterPolicies: readonly ClusterPolicy[];
  rejectedClusterPolicies: readonly RejectedClusterPolicy[];
  /** Nodes, for the `nodes` peers of cluster policies. */
  nodes: readonly Node[];
  /** Where cluster DNS lives; default kube-system pods labelled k8s-app=kube-dns. */
  dns: DnsConfig;
  /** The pod and Service networks (`--pod-cidr`, `--service-cidr`), when given: where stand-in pods' IPs lie. */
  network?: ClusterNetwork;
}

export interface ClusterNetwork {
  podCidrs: readonly string[];
  serviceCidrs: readonly string[];
}

export interface DnsConfig {
  namespace: string;
  selector: Labels;
  /** Whether DNS pods are in the input; when absent kordon assumes they exist and says so. */
  podsPresent: boolean;
}

export const DEFAULT_DNS: DnsConfig = { namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' }, podsPresent: false };
