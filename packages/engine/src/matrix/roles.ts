import type { Policy } from '../model/types.js';
import type { TierStage } from '../tiers/matrix-stage.js';
import type { ClassModel } from './classes.js';

/**
 * What decides one side of a connection for the pods of a role. Each direction is decided on its own side: a pod's
 * egress verdict toward any destination depends on the pod only through the policies that isolate it for egress and
 * the cluster policy rules whose subject holds it; its ingress verdict from any source, through the same for ingress
 * and the named ports it serves (ingress rules resolve them on the pod itself). Pods with one role answer alike on
 * that side, whoever is at the other end.
 */
export interface Role {
  /** A class of the role: its named ports stand for every member's. */
  rep: number;
  /**
   * `pod`: decided by `policies` and `tierRules`; `open`: a host-network pod, which no policy selects and which allows
   * every connection on this side; `outside`: an outside address, which allows everything on this side but, as a
   * source, has no pair with another outside address.
   */
  kind: 'pod' | 'open' | 'outside';
  /** NetworkPolicies that isolate the role's pods in this direction (none: not isolated). */
  policies: readonly Policy[];
  /** Ids (in the tier stage) of the cluster policy rules of this direction whose subject holds the pods, in order. */
  tierRules: readonly number[];
}

export interface Roles {
  /** Per class, its egress role and its ingress role. */
  egressOf: Int32Array;
  ingressOf: Int32Array;
  egress: Role[];
  ingress: Role[];
}

/**
 * The egress and ingress role of every class, read from the class model (which policies isolate the class, from the
 * compiled model's selectors) and from the tier stage (which cluster policy rules have the class as subject).
 */
export function assignRoles(cm: ClassModel, stage: TierStage | undefined): Roles {
  const K = cm.count;
  const egressOf = new Int32Array(K);
  const ingressOf = new Int32Array(K);
  const egress: Role[] = [];
  const ingress: Role[] = [];
  const egressIds = new Map<string, number>();
  const ingressIds = new Map<string, number>();
  const intern = (ids: Map<string, number>, list: Role[], key: string, make: () => Role): number => {
    let r = ids.get(key);
    if (r === undefined) {
      r = list.length;
      ids.set(key, r);
      list.push(make());
    }
    return r;
  };
  const names = new Map<string, ReadonlySet<string>>();
  for (let c = 0; c < K; c++) {
    const pod = cm.pod[c];
    if (!pod || pod.hostNetwork) {
      const kind = pod ? 'open' : 'outside';
      egressOf[c] = intern(egressIds, egress, kind, () => ({ rep: c, kind, policies: [], tierRules: [] }));
      ingressOf[c] = intern(ingressIds, ingress, kind, () => ({ rep: c, kind, policies: [], tierRules: [] }));
      continue;
    }
    const eg = cm.egressPolicies[c]!;
    const egTiers = stage ? stage.subjectRules(c, 'egress') : [];
    egressOf[c] = intern(egressIds, egress, `${idsOf(eg)}|${egTiers.join(',')}`, () => ({ rep: c, kind: 'pod', policies: eg, tierRules: egTiers }));
    const ing = cm.ingressPolicies[c]!;
    const ingTiers = stage ? stage.subjectRules(c, 'ingress') : [];
    const base = `${idsOf(ing)}|${ingTiers.join(',')}`;
    let used = names.get(base);
    if (!used) names.set(base, (used = portNames(ing, ingTiers, stage)));
    const key = used.size === 0 ? base : `${base}|${served(pod.containerPorts, used)}`;
    ingressOf[c] = intern(ingressIds, ingress, key, () => ({ rep: c, kind: 'pod', policies: ing, tierRules: ingTiers }));
  }
  return { egressOf, ingressOf, egress, ingress };
}

const idsOf = (ps: readonly Policy[]): string => ps.map((p) => p.id).join(',');

/** The port names the ingress rules of these policies use: they resolve on the destination, the role's own pods. */
function portNames(policies: readonly Policy[], tierRules: readonly number[], stage: TierStage | undefined): ReadonlySet<string> {
  const out = new Set<string>();
  for (const p of policies) for (const r of p.ingress) for (const s of r.ports ?? []) if (typeof s.port === 'string') out.add(s.port);
  for (const id of tierRules) for (const s of stage!.ruleOf(id).ports ?? []) if (s.kind === 'named') out.add(s.name);
  return out;
}

/** The container ports a pod serves under the given names, as text. */
function served(ports: readonly { name?: string; protocol: string; port: number }[], names: ReadonlySet<string>): string {
  const out: string[] = [];
  for (const cp of ports) if (cp.name !== undefined && names.has(cp.name)) out.push(`${cp.name}:${cp.protocol}:${cp.port}`);
  return out.sort().join(',');
}
