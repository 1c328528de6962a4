/**
 * The explanation tree of one connection: for each direction, the tiers walked in order with the rule that decided,
 * the rules that came closest and why (as codes with fields), and where each rule is written. The engine builds it
 * from the verdict (`explainConnection`); the CLI, the page and review only render it.
 */
import type { Location } from '../diagnostics.js';
import type { NearMissWhy } from '../eval/misses.js';
import type { AlwaysAllowed } from '../eval/types.js';
import type { Direction, Protocol } from '../model/types.js';
import type { PolicyRef, TierAction, TierMissWhy } from '../tiers/types.js';

/** One rule of one policy, as every renderer names it (`formatRuleCite`): `ns/name ingress rule 0`, `cnp/x egress rule 2 "dns"`. */
export interface RuleCite {
  policy: PolicyRef;
  direction: Direction;
  /** Index in `spec.ingress`/`spec.egress`. */
  rule: number;
  /** A cluster policy rule's `name`. */
  name?: string;
  /** Index in `from`/`to` of the peer that matched; undefined when none did or the rule has no peers. */
  peer?: number;
  /** Index in `ports`/`protocols` of the entry that matched; undefined when none did or the rule has none. */
  port?: number;
  /** Where the rule is written. */
  source?: Location;
}

/** One policy, with where it is written. */
export interface PolicyCite {
  policy: PolicyRef;
  source?: Location;
}

/** A rule that almost matched: the peer matched and the port did not, or the other way round. */
export type ExplainedMiss =
  | { tier: 'NetworkPolicy'; rule: RuleCite; failed: 'peer' | 'port'; why: NearMissWhy }
  | { tier: 'Admin' | 'Baseline'; rule: RuleCite; action: TierAction; failed: 'peer' | 'port'; why: TierMissWhy };

/** The Admin or Baseline tier of one direction. */
export interface ClusterTierStep {
  tier: 'Admin' | 'Baseline';
  /** accept/deny: this tier decided; pass: a Pass rule sent the connection on; no-match: no rule of the tier matched. */
  outcome: 'accept' | 'deny' | 'pass' | 'no-match';
  /** The cluster policies of this tier that select the pod, in evaluation order (priority, then name). */
  policies: readonly PolicyRef[];
  /** The deciding (or passing) rule, with the action it took (a fail-closed rule denies). */
  decidedBy?: RuleCite & { action: TierAction; priority: number | null };
  /** Policies of the same priority whose own first match acts otherwise: the API leaves their order undefined. */
  ambiguousWith: readonly PolicyRef[];
  nearMisses: readonly ExplainedMiss[];
}

/** The NetworkPolicy tier of one direction. */
export interface NetworkPolicyStep {
  tier: 'NetworkPolicy';
  /** not-isolated: no NetworkPolicy selects the pod for this direction, so this tier does not decide. */
  outcome: 'accept' | 'deny' | 'not-isolated';
  /** The policies that isolate the pod in this direction. */
  isolatedBy: readonly PolicyCite[];
  /** Isolating policies without a rule for this direction: they allow nothing. */
  withoutRules: readonly PolicyCite[];
  /** Every rule that admits the connection (their union is what counts). */
  admittedBy: readonly RuleCite[];
  /** When denied: the rules that came closest. */
  nearMisses: readonly ExplainedMiss[];
  /** When denied: rules that would admit it, made ineffective by their policy's policyTypes, which leaves this direction out. */
  ignored: readonly { rule: RuleCite; policyTypes: readonly ('Ingress' | 'Egress')[] }[];
  /** When denied: ipBlocks that may or may not hold the remote pod, which has no IP (`--pod-cidr`). */
  dependsOnPodIP: readonly string[];
}

export type ExplanationStep = ClusterTierStep | NetworkPolicyStep;

export interface DirectionExplanation {
  direction: Direction;
  /** The pod (`ns/name`) or address whose side this is: the source for egress, the destination for ingress. */
  endpoint: string;
  allowed: boolean;
  /** Decided before any tier: an address has no policies; a hostNetwork pod is never selected. */
  bypass?: 'not-a-pod' | 'host-network';
  /** The tiers walked, in order; without cluster policies the NetworkPolicy step alone; empty with a bypass. */
  steps: readonly ExplanationStep[];
  /** Cluster policy tiers were walked (the input has cluster policies). */
  tiered: boolean;
  /** No tier decided, so the connection is allowed by default (the walk ended in Baseline without an answer). */
  byDefault: boolean;
}

export interface ConnectionExplanation {
  purpose: 'dns' | 'connect';
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  allowed: boolean;
  /** Allowed whatever the policies say: a pod reaching itself, or traffic between a pod and its own node. */
  always?: AlwaysAllowed;
  egress: DirectionExplanation;
  ingress: DirectionExplanation;
}
