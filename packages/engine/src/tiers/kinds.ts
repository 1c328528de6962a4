import type { StructSchema } from '../validate/decode.js';
import { ADMIN_NETWORK_POLICY, BASELINE_ADMIN_NETWORK_POLICY, CLUSTER_NETWORK_POLICY } from './schemas.js';
import type { TierAction } from './types.js';

export const POLICY_GROUP = 'policy.networking.k8s.io';

/** What differs between the three cluster policy kinds; validation and the model builder read it. */
export interface TierKindSpec {
  kind: 'ClusterNetworkPolicy' | 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy';
  /** The one version of the kind kordon reads. */
  apiVersion: string;
  short: string;
  schema: StructSchema;
  /** `spec.tier` is written (v1alpha2); otherwise the kind fixes the tier. */
  tierField: boolean;
  fixedTier?: 'Admin' | 'Baseline';
  /** `spec.priority` is required. */
  priority: boolean;
  /** The only name the CRD accepts. */
  singleton?: string;
  /** Max rules per direction, peers per rule, ports per rule. */
  maxItems: number;
  portsField: 'protocols' | 'ports';
  /** Written actions, and what each means. */
  actions: Readonly<Record<string, TierAction>>;
  ingressPeerFields: readonly string[];
  egressPeerFields: readonly string[];
  /** The CRD rejects a range whose start is not below its end (v1alpha2 only). */
  strictRange: boolean;
}

const PEERS_IN = ['namespaces', 'pods'];

export const CNP_KIND: TierKindSpec = {
  kind: 'ClusterNetworkPolicy',
  apiVersion: `${POLICY_GROUP}/v1alpha2`,
  short: 'cnp',
  schema: CLUSTER_NETWORK_POLICY,
  tierField: true,
  priority: true,
  maxItems: 25,
  portsField: 'protocols',
  actions: { Accept: 'Accept', Deny: 'Deny', Pass: 'Pass' },
  ingressPeerFields: PEERS_IN,
  egressPeerFields: ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'],
  strictRange: true,
};

export const ANP_KIND: TierKindSpec = {
  kind: 'AdminNetworkPolicy',
  apiVersion: `${POLICY_GROUP}/v1alpha1`,
  short: 'anp',
  schema: ADMIN_NETWORK_POLICY,
  tierField: false,
  fixedTier: 'Admin',
  priority: true,
  maxItems: 100,
  portsField: 'ports',
  actions: { Allow: 'Accept', Deny: 'Deny', Pass: 'Pass' },
  ingressPeerFields: PEERS_IN,
  egressPeerFields: ['namespaces', 'pods', 'nodes', 'networks', 'domainNames'],
  strictRange: false,
};

export const BANP_KIND: TierKindSpec = {
  kind: 'BaselineAdminNetworkPolicy',
  apiVersion: `${POLICY_GROUP}/v1alpha1`,
  short: 'banp',
  schema: BASELINE_ADMIN_NETWORK_POLICY,
  tierField: false,
  fixedTier: 'Baseline',
  priority: false,
  singleton: 'default',
  maxItems: 100,
  portsField: 'ports',
  actions: { Allow: 'Accept', Deny: 'Deny' },
  ingressPeerFields: PEERS_IN,
  egressPeerFields: ['namespaces', 'pods', 'nodes', 'networks'],
  strictRange: false,
};
