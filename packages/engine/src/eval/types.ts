import type { Direction, Pod, Protocol } from '../model/types.js';
import type { TierStep } from '../tiers/types.js';
import type { NearMissWhy } from './misses.js';

/** One end of a connection: a pod, or an address outside the cluster's pods. */
/**
 * One side of a connection. `address` names the pod address the connection uses, when the question names one (a
 * dual-stack pod has an address per family and a kernel judges each connection by its own): ipBlocks and `networks`
 * peers then see that address only. Without it they see every address of the pod.
 */
export type Endpoint = { kind: 'pod'; pod: Pod; address?: string } | { kind: 'ip'; ip: string };

/** An endpoint in words: `ns/name`, with the address when the question named one, or the address. */
export const endpointText = (e: Endpoint): string =>
  e.kind === 'ip' ? e.ip : `${e.pod.namespace}/${e.pod.name}${e.address !== undefined ? ` (${e.address})` : ''}`;

/** The addresses an ipBlock or `networks` peer judges an endpoint by. */
export const endpointAddresses = (e: Endpoint): readonly string[] => (e.kind === 'ip' ? [e.ip] : e.address !== undefined ? [e.address] : e.pod.ips);

export interface Traffic {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol: Protocol;
}

/** Points at one rule of one policy, down to the peer and port entry that matched. */
export interface RuleRef {
  policy: string; // 'ns/name'
  direction: Direction;
  rule: number;
  /** Index in `from`/`to`; undefined when the rule has no peers (matches all). */
  peer?: number;
  /** Index in `ports`; undefined when the rule has no ports (matches all). */
  port?: number;
}

/** A rule that almost admitted the connection: one of peer or port matched, the other did not. */
export interface NearMiss {
  ref: RuleRef;
  /** What failed. */
  failed: 'peer' | 'port';
  /** Why, in words: "port 81/TCP is not in 80/TCP", "pod y/b does not match podSelector pod=a". */
  reason: string;
  /** The same as data, which `reason` is rendered from: branch on it, never on the words. */
  why: NearMissWhy;
}

/** Why a direction was decided without consulting rules. */
export type DirectionBypass =
  | 'not-a-pod' // the endpoint is an outside address: it has no policy
  | 'host-network' // hostNetwork pods are not selected by policies
  | 'not-isolated'; // no policy selects the pod for this direction

export interface DirectionVerdict {
  direction: Direction;
  allowed: boolean;
  /** The pod is isolated in this direction: at least one policy selects it with this policyType. */
  isolated: boolean;
  bypass?: DirectionBypass;
  /** Policies that select the pod for this direction (the ones that isolate it). */
  selectedBy: readonly string[];
  /** Every rule that admits the connection (their union is what counts). */
  allowedBy: readonly RuleRef[];
  /** When denied: rules that came closest. */
  nearMisses: readonly NearMiss[];
  /**
   * When denied: rules that would admit the connection but do nothing, because their policy's written policyTypes
   * leaves this direction out (the policy selects the pod for the other direction only).
   */
  ignored?: readonly RuleRef[];
  /**
   * When denied: ipBlocks (`cidr` or `cidr except …`) of rules whose ports match and that may or may not contain the
   * remote pod, a stand-in with no IP (see `--pod-cidr`): the verdict depends on the pod's IP.
   */
  dependsOnPodIP?: readonly string[];
  /**
   * The walk through the tiers (Admin, NetworkPolicy, Baseline) that decided `allowed`; set when the cluster has
   * cluster policies and the local end is a pod they can select.
   */
  tiers?: readonly TierStep[];
}

export type AlwaysAllowed = 'same-pod' | 'own-node';

export interface Verdict {
  allowed: boolean;
  /** Set when the connection is allowed whatever the policies say. */
  always?: AlwaysAllowed;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
}
