/** The subset of Kubernetes API object shapes the generator emits, as plain JSON data. */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type Labels = Record<string, string>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  labels?: Labels;
  ownerReferences?: OwnerReference[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
}

export interface Container {
  name: string;
  image: string;
  ports?: ContainerPort[];
}

export interface PodSpec {
  nodeName?: string;
  containers: Container[];
}

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: ObjectMeta;
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status: {
    phase: 'Running';
    hostIP: string;
    podIP: string;
    podIPs: { ip: string }[];
    conditions: { type: 'Ready'; status: 'True' }[];
  };
}

export interface ServicePort {
  name: string;
  port: number;
  protocol: Protocol;
  targetPort: number | string;
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: { type: 'ClusterIP'; selector: Labels; clusterIP: string; clusterIPs: string[]; ports: ServicePort[] };
}

export interface PodTemplate {
  metadata: { labels: Labels };
  spec: PodSpec;
}

export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec: { replicas: number; selector: LabelSelector; template: PodTemplate };
}

export interface ReplicaSet {
  apiVersion: 'apps/v1';
  kind: 'ReplicaSet';
  metadata: ObjectMeta;
  spec: { replicas: number; selector: LabelSelector; template: PodTemplate };
}

export interface StatefulSet {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  metadata: ObjectMeta;
  spec: { replicas: number; serviceName: string; selector: LabelSelector; template: PodTemplate };
}

export interface NetworkPolicyPort {
  protocol?: Protocol;
  port?: number | string;
  endPort?: number;
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicy {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: ObjectMeta;
  spec: {
    podSelector: LabelSelector;
    policyTypes?: PolicyType[];
    ingress?: NetworkPolicyIngressRule[];
    egress?: NetworkPolicyEgressRule[];
  };
}

/** One `protocols` entry of a v1alpha2 rule. */
export type CnpProtocol =
  | { tcp?: { destinationPort?: CnpPort }; udp?: { destinationPort?: CnpPort }; sctp?: { destinationPort?: CnpPort } }
  | { destinationNamedPort: string };
export type CnpPort = { number: number } | { range: { start: number; end: number } };

export interface CnpPeer {
  namespaces?: LabelSelector;
  pods?: { namespaceSelector: LabelSelector; podSelector: LabelSelector };
  networks?: string[];
}

export interface CnpRule {
  name: string;
  action: 'Accept' | 'Deny' | 'Pass';
  from?: CnpPeer[];
  to?: CnpPeer[];
  protocols?: CnpProtocol[];
}

/** policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy (cluster-scoped). */
export interface ClusterNetworkPolicy {
  apiVersion: 'policy.networking.k8s.io/v1alpha2';
  kind: 'ClusterNetworkPolicy';
  metadata: ObjectMeta;
  spec: {
    tier: 'Admin' | 'Baseline';
    priority: number;
    subject: { namespaces: LabelSelector } | { pods: { namespaceSelector: LabelSelector; podSelector: LabelSelector } };
    ingress?: CnpRule[];
    egress?: CnpRule[];
  };
}

export type K8sObject = Namespace | Pod | Service | Deployment | ReplicaSet | StatefulSet | NetworkPolicy | ClusterNetworkPolicy;
export type Kind = K8sObject['kind'];
