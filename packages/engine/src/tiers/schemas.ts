/**
 * The shapes of the cluster policy kinds as their CRDs' OpenAPI schemas define them (network-policy-api v0.2.0:
 * v1alpha2 ClusterNetworkPolicy; v1alpha1 AdminNetworkPolicy and BaselineAdminNetworkPolicy). Peers are open: a
 * field this version does not know makes the peer fail closed (see validate.ts), as the API asks implementations to.
 */
import type { Schema, StructSchema } from '../validate/decode.js';
import { LABEL_SELECTOR, OBJECT_META } from '../validate/schemas.js';

const str: Schema = { type: 'string' };
const int32: Schema = { type: 'int32' };
const any: Schema = { type: 'any' };
const list = (items: Schema): Schema => ({ type: 'list', items });
const struct = (name: string, fields: Record<string, Schema>, open = false): StructSchema =>
  open ? { type: 'struct', name, fields, open } : { type: 'struct', name, fields };

const namespacedPod = struct('NamespacedPod', { namespaceSelector: LABEL_SELECTOR, podSelector: LABEL_SELECTOR });
const subject = (name: string) => struct(name, { namespaces: LABEL_SELECTOR, pods: namespacedPod });

// v1alpha2 ---------------------------------------------------------------------------------------

const portRange = struct('PortRange', { start: int32, end: int32 });
const port = struct('Port', { number: int32, range: portRange });
const protocolMatch = (name: string) => struct(name, { destinationPort: port });
const protocol = struct('ClusterNetworkPolicyProtocol', {
  tcp: protocolMatch('ClusterNetworkPolicyProtocolTCP'),
  udp: protocolMatch('ClusterNetworkPolicyProtocolUDP'),
  sctp: protocolMatch('ClusterNetworkPolicyProtocolSCTP'),
  destinationNamedPort: str,
});

export const CNP_INGRESS_PEER = struct('ClusterNetworkPolicyIngressPeer', { namespaces: LABEL_SELECTOR, pods: namespacedPod }, true);
export const CNP_EGRESS_PEER = struct(
  'ClusterNetworkPolicyEgressPeer',
  { namespaces: LABEL_SELECTOR, pods: namespacedPod, nodes: LABEL_SELECTOR, networks: list(str), domainNames: list(str) },
  true,
);

export const CLUSTER_NETWORK_POLICY = struct('ClusterNetworkPolicy', {
  apiVersion: str,
  kind: str,
  metadata: OBJECT_META,
  spec: struct('ClusterNetworkPolicySpec', {
    tier: str,
    priority: int32,
    subject: subject('ClusterNetworkPolicySubject'),
    ingress: list(struct('ClusterNetworkPolicyIngressRule', { name: str, action: str, from: list(CNP_INGRESS_PEER), protocols: list(protocol) })),
    egress: list(struct('ClusterNetworkPolicyEgressRule', { name: str, action: str, to: list(CNP_EGRESS_PEER), protocols: list(protocol) })),
  }),
  status: any,
});

// v1alpha1 ---------------------------------------------------------------------------------------

const anpPort = struct('AdminNetworkPolicyPort', {
  portNumber: struct('Port', { protocol: str, port: int32 }),
  namedPort: str,
  portRange: struct('PortRange', { protocol: str, start: int32, end: int32 }),
});
export const ANP_INGRESS_PEER = struct('AdminNetworkPolicyIngressPeer', { namespaces: LABEL_SELECTOR, pods: namespacedPod }, true);
export const ANP_EGRESS_PEER = struct(
  'AdminNetworkPolicyEgressPeer',
  { namespaces: LABEL_SELECTOR, pods: namespacedPod, nodes: LABEL_SELECTOR, networks: list(str), domainNames: list(str) },
  true,
);
export const BANP_EGRESS_PEER = struct(
  'BaselineAdminNetworkPolicyEgressPeer',
  { namespaces: LABEL_SELECTOR, pods: namespacedPod, nodes: LABEL_SELECTOR, networks: list(str) },
  true,
);

export const ADMIN_NETWORK_POLICY = struct('AdminNetworkPolicy', {
  apiVersion: str,
  kind: str,
  metadata: OBJECT_META,
  spec: struct('AdminNetworkPolicySpec', {
    priority: int32,
    subject: subject('AdminNetworkPolicySubject'),
    ingress: list(struct('AdminNetworkPolicyIngressRule', { name: str, action: str, from: list(ANP_INGRESS_PEER), ports: list(anpPort) })),
    egress: list(struct('AdminNetworkPolicyEgressRule', { name: str, action: str, to: list(ANP_EGRESS_PEER), ports: list(anpPort) })),
  }),
  status: any,
});

export const BASELINE_ADMIN_NETWORK_POLICY = struct('BaselineAdminNetworkPolicy', {
  apiVersion: str,
  kind: str,
  metadata: OBJECT_META,
  spec: struct('BaselineAdminNetworkPolicySpec', {
    subject: subject('AdminNetworkPolicySubject'),
    ingress: list(struct('BaselineAdminNetworkPolicyIngressRule', { name: str, action: str, from: list(ANP_INGRESS_PEER), ports: list(anpPort) })),
    egress: list(struct('BaselineAdminNetworkPolicyEgressRule', { name: str, action: str, to: list(BANP_EGRESS_PEER), ports: list(anpPort) })),
  }),
  status: any,
});
