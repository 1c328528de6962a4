import { describeSelectorMiss, formatSelector, type SelectorMiss } from '../labels/selector.js';
import { formatPortSpec } from '../ports/ports.js';
import type { LabelSelector, PortSpec, Protocol } from '../model/types.js';

/** Why one peer of a rule does not match the remote end: a closed union of codes with the facts as fields. */
export type PeerMiss =
  /** The remote address is outside the ipBlock (or in one of its excepts). */
  | { code: 'outside-ipblock'; who: string; cidr: string; except: readonly string[] }
  /** The remote pod has no IP, and no pod network was given to judge it by. */
  | { code: 'no-ip-for-ipblock'; who: string; cidr: string }
  /** The remote pod has no IP and the pod network straddles the ipBlock: it depends on the IP it gets. */
  | { code: 'ipblock-depends-on-pod-ip'; who: string; cidr: string; except: readonly string[]; podCidrs: readonly string[] }
  /** The remote pod has no IP and the pod network lies outside the ipBlock. */
  | { code: 'pod-network-outside-ipblock'; who: string; cidr: string; except: readonly string[]; podCidrs: readonly string[] }
  /** Selectors see pods only, and the remote end is an address. */
  | { code: 'not-a-pod'; who: string }
  /** The remote pod uses hostNetwork: only an ipBlock with its node's IP can match it. */
  | { code: 'host-network'; who: string }
  /** A podSelector alone means the policy's namespace, and the remote pod is in another. */
  | { code: 'other-namespace'; who: string; policyNamespace: string; namespace: string }
  /** The remote pod's namespace does not match the namespaceSelector (`mismatch`: the first term that fails). */
  | { code: 'namespace-selector'; namespace: string; selector: LabelSelector; mismatch: SelectorMiss }
  /** The remote pod does not match the podSelector. */
  | { code: 'pod-selector'; who: string; selector: LabelSelector; mismatch: SelectorMiss };

export type PeerMissCode = PeerMiss['code'];

/** Why a near miss missed: the port (with every `ports` entry of the rule), or each of its peers. */
export type NearMissWhy =
  | { failed: 'port'; port: number; protocol: Protocol; ports: readonly PortSpec[]; outsideNamedPorts: boolean }
  | { failed: 'peer'; peers: readonly PeerMiss[] };

const except = (list: readonly string[]): string => (list.length ? ` except ${list.join(', ')}` : '');

/** One peer miss in words, as `kordon check` prints it. */
export function describePeerMiss(m: PeerMiss): string {
  switch (m.code) {
    case 'outside-ipblock':
      return `${m.who} is not in ipBlock ${m.cidr}${except(m.except)}`;
    case 'no-ip-for-ipblock':
      return `${m.who} has no IP for ipBlock ${m.cidr}`;
    case 'ipblock-depends-on-pod-ip':
      return `whether ${m.who} is in ipBlock ${m.cidr}${except(m.except)} depends on the pod's IP (pod network ${m.podCidrs.join(', ')})`;
    case 'pod-network-outside-ipblock':
      return `the pod network ${m.podCidrs.join(', ')} is outside ipBlock ${m.cidr}${except(m.except)}`;
    case 'not-a-pod':
      return `${m.who} is not a pod, so selectors cannot match it`;
    case 'host-network':
      return `${m.who} uses hostNetwork: only an ipBlock with its node's IP can match it`;
    case 'other-namespace':
      return `podSelector alone means namespace ${m.policyNamespace}, but ${m.who} is in ${m.namespace}`;
    case 'namespace-selector':
      return `namespace ${m.namespace} ${describeSelectorMiss(m.mismatch)} (namespaceSelector ${formatSelector(m.selector) || '{}'})`;
    case 'pod-selector':
      return `pod ${m.who} ${describeSelectorMiss(m.mismatch)} (podSelector ${formatSelector(m.selector) || '{}'})`;
  }
}

/** A near miss's reason in words: the `reason` of `NearMiss`. */
export function describeNearMiss(why: NearMissWhy): string {
  if (why.failed === 'peer') return why.peers.map(describePeerMiss).join('; ');
  const note = why.outsideNamedPorts ? ' (named ports never match an address outside the cluster)' : '';
  return `${why.port}/${why.protocol} is not in ${why.ports.map(formatPortSpec).join(', ')}${note}`;
}
