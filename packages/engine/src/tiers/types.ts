import type { Location, PathSegment } from '../diagnostics.js';
import type { LabelSelector, Labels, Protocol } from '../model/types.js';
import type { SelectorMiss } from '../labels/selector.js';

/** The kinds of policy kordon evaluates. */
export type PolicyKind = 'NetworkPolicy' | 'ClusterNetworkPolicy' | 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy';

/** Names one policy: a cluster-scoped policy has no namespace. */
export interface PolicyRef {
  kind: PolicyKind;
  namespace?: string;
  name: string;
}

/** The tiers of the evaluation chain, in the order they are consulted. */
export type TierName = 'Admin' | 'NetworkPolicy' | 'Baseline';

/** A rule's action in v1alpha2 terms (v1alpha1 `Allow` is `Accept`). */
export type TierAction = 'Accept' | 'Deny' | 'Pass';

/** A Node: its labels (for `nodes` peers) and the addresses in `status.addresses`. */
export interface Node {
  name: string;
  labels: Labels;
  addresses: readonly string[];
  source?: Location;
}

/** Who a cluster policy applies to. Host-network pods are never subjects. */
export type TierSubject =
  | { kind: 'namespaces'; namespaceSelector: LabelSelector }
  | { kind: 'pods'; namespaceSelector: LabelSelector; podSelector: LabelSelector };

/**
 * One peer of a cluster policy rule. `namespaces` and `pods` select pods (never host-network ones); `networks` match
 * any address in a CIDR, pod IPs included; `nodes` match the addresses of the selected Nodes. `domainNames` cannot be
 * decided from manifests and match nothing. `unknown`: no field kordon knows is set, so the rule fails closed.
 */
export type TierPeer =
  | { kind: 'namespaces'; index: number; namespaceSelector: LabelSelector }
  | { kind: 'pods'; index: number; namespaceSelector: LabelSelector; podSelector: LabelSelector }
  | { kind: 'networks'; index: number; cidrs: readonly string[] }
  | { kind: 'nodes'; index: number; nodeSelector: LabelSelector }
  | { kind: 'domainNames'; index: number; names: readonly string[] }
  | { kind: 'unknown'; index: number };

/** One entry of `protocols` (v1alpha2) or `ports` (v1alpha1). */
export type TierPort =
  | { kind: 'port'; index: number; protocol: Protocol; start: number; end: number }
  | { kind: 'protocol'; index: number; protocol: Protocol }
  /** A container port name on the destination pod; `protocol` undefined: the container port's own (v1alpha1). */
  | { kind: 'named'; index: number; name: string; protocol?: Protocol };

export interface TierRule {
  direction: 'ingress' | 'egress';
  index: number;
  name?: string;
  /**
   * The action as evaluated. A rule holding an `unknown` peer (or no peers) fails closed: an Accept rule matches nothing,
   * a Deny or Pass rule denies everything (see `failClosed`).
   */
  action: TierAction;
  /** The action as written (`Allow` for v1alpha1). */
  writtenAction: string;
  peers: readonly TierPeer[];
  /** null: every protocol and port. */
  ports: readonly TierPort[] | null;
  /** Set when the rule fails closed: Accept matches nothing, Deny/Pass become deny-all. */
  failClosed?: 'match-nothing' | 'deny-all';
}

/** A ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy after validation: the model tiers read. */
export interface ClusterPolicy {
  ref: PolicyRef;
  /** `cnp/name`, `anp/name`, `banp/name`: the short form messages use. */
  id: string;
  tier: 'Admin' | 'Baseline';
  /** Lower wins within a tier. A BaselineAdminNetworkPolicy has none and comes after every Baseline CNP. */
  priority: number | null;
  subject: TierSubject;
  ingress: readonly TierRule[];
  egress: readonly TierRule[];
  source?: Location;
  locate?: (path: readonly PathSegment[]) => Location;
}

/** A cluster policy left out because the API server would have rejected it. */
export interface RejectedClusterPolicy {
  ref: PolicyRef;
  source?: Location;
  errors: number;
}

/** One step of a direction's walk through the tiers. */
export interface TierStep {
  tier: TierName;
  direction: 'ingress' | 'egress';
  /**
   * accept/deny: this tier decided. pass: a Pass rule sent the connection on. no-match: no rule of this tier matched.
   * not-isolated: (NetworkPolicy) no NetworkPolicy isolates the pod in this direction.
   */
  outcome: 'accept' | 'deny' | 'pass' | 'no-match' | 'not-isolated';
  /** The deciding (or passing) rule. */
  policy?: PolicyRef;
  rule?: number;
  ruleName?: string;
  /** Index in `from`/`to` of the peer that matched, and in `protocols`/`ports` of the entry that matched. */
  peer?: number;
  port?: number;
  source?: Location;
  /** Policies of the same tier and priority that would decide otherwise: the API leaves the order undefined. */
  ambiguousWith?: readonly PolicyRef[];
  /** Cluster policies of this tier that select the pod (their ids), in evaluation order. */
  policies?: readonly string[];
  /** Rules of this tier that nearly matched: the peer matched and the port did not, or the other way round. */
  nearMisses?: readonly TierNearMiss[];
}

export interface TierNearMiss {
  policy: PolicyRef;
  rule: number;
  ruleName?: string;
  action: TierAction;
  failed: 'peer' | 'port';
  /** Why, in words, rendered from `why` by `describeTierMiss`. */
  reason: string;
  /** The same as data: branch on it, never on the words. */
  why: TierMissWhy;
  source?: Location;
}

/**
 * Why one peer of a cluster policy rule does not match the remote end: a closed union of codes with the facts as
 * fields (the cluster policy counterpart of `PeerMiss`). `peer` is the peer as the rule holds it.
 */
export type TierPeerMiss =
  /** `namespaces` and `pods` peers see pods only, and the remote end is an address. */
  | { code: 'not-a-pod'; who: string; peer: TierPeer }
  /** The remote pod uses hostNetwork: only `networks` or `nodes` peers match it. */
  | { code: 'host-network'; who: string; peer: TierPeer }
  /** The remote pod's namespace does not match the peer's namespaceSelector (`mismatch`: the first failing term). */
  | { code: 'namespace-selector'; namespace: string; peer: TierPeer; mismatch: SelectorMiss }
  /** The remote pod does not match the peer's podSelector. */
  | { code: 'pod-selector'; who: string; peer: TierPeer; mismatch: SelectorMiss }
  /** The remote end has no IP to hold against a `networks` peer. */
  | { code: 'no-ip-for-networks'; who: string; cidrs: readonly string[] }
  /** No address of the remote end is in the `networks` CIDRs. */
  | { code: 'outside-networks'; who: string; cidrs: readonly string[] }
  /** The remote end is not an address of the Nodes a `nodes` peer selects (`addresses`: theirs). */
  | { code: 'not-node-address'; who: string; nodeSelector: LabelSelector; addresses: readonly string[] }
  /** `domainNames` cannot be decided from manifests: such a peer matches nothing here. */
  | { code: 'domain-names'; names: readonly string[] };

export type TierPeerMissCode = TierPeerMiss['code'];

/** Why a cluster policy near miss missed: the port (with every entry of the rule), or each of its peers. */
export type TierMissWhy =
  | { failed: 'port'; port: number; protocol: Protocol; ports: readonly TierPort[]; outsideNamedPorts: boolean }
  | { failed: 'peer'; peers: readonly TierPeerMiss[] };

export const policyRefText = (r: PolicyRef): string =>
  r.kind === 'NetworkPolicy' ? `${r.namespace ?? 'default'}/${r.name}` : `${SHORT[r.kind]}/${r.name}`;

const SHORT: Readonly<Record<PolicyKind, string>> = {
  NetworkPolicy: 'netpol',
  ClusterNetworkPolicy: 'cnp',
  AdminNetworkPolicy: 'anp',
  BaselineAdminNetworkPolicy: 'banp',
};
