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
  const lists = new ListIds();
  const egressByList: number[] = [];
  const ingressByList: number[] = [];
  const specials = new Map<string, [number, number]>();
  // The port names the ingress rules of a list use, and the roles of a list by what its pods serve under them.
  const names: Array<ReadonlySet<string>> = [];
  const byServed = new Map<string, number>();
  const add = (list: Role[], role: Role): number => list.push(role) - 1;
  for (let c = 0; c < K; c++) {
    const pod = cm.pod[c];
    if (!pod || pod.hostNetwork) {
      const kind = pod ? 'open' : 'outside';
      let ids = specials.get(kind);
      if (!ids) specials.set(kind, (ids = [add(egress, { rep: c, kind, policies: [], tierRules: [] }), add(ingress, { rep: c, kind, policies: [], tierRules: [] })]));
      [egressOf[c], ingressOf[c]] = ids;
      continue;
    }
    const eg = cm.egressPolicies[c]!;
    const egTiers = stage ? stage.subjectRules(c, 'egress') : [];
    const e = lists.id(eg, egTiers);
    egressOf[c] = egressByList[e] ??= add(egress, { rep: c, kind: 'pod', policies: eg, tierRules: egTiers });
    const ing = cm.ingressPolicies[c]!;
    const ingTiers = stage ? stage.subjectRules(c, 'ingress') : [];
    const i = lists.id(ing, ingTiers);
    const used = (names[i] ??= portNames(ing, ingTiers, stage));
    if (used.size === 0) {
      ingressOf[c] = ingressByList[i] ??= add(ingress, { rep: c, kind: 'pod', policies: ing, tierRules: ingTiers });
      continue;
    }
    // Pods under the same rules that serve other numbers under the names those rules use answer differently.
    const key = `${i}|${served(pod.containerPorts, used)}`;
    let r = byServed.get(key);
    if (r === undefined) byServed.set(key, (r = add(ingress, { rep: c, kind: 'pod', policies: ing, tierRules: ingTiers })));
    ingressOf[c] = r;
  }
  return { egressOf, ingressOf, egress, ingress };
}

/**
 * A dense id per distinct (policy list, tier rules), hashed as numbers: a string key per class costs as much as the
 * lists are long, and where most policies select most pods (kano) that was most of deciding whether roles pay at all.
 */
class ListIds {
  private readonly buckets = new Map<number, number[]>();
  private readonly lists: Array<{ policies: readonly Policy[]; tierRules: readonly number[] }> = [];
  private readonly number = new Map<Policy, number>();

  id(policies: readonly Policy[], tierRules: readonly number[]): number {
    let h = policies.length * 31 + tierRules.length;
    for (const p of policies) h = (Math.imul(h, 0x9e3779b1) + this.numberOf(p)) | 0;
    for (const t of tierRules) h = (Math.imul(h, 0x85ebca6b) + t) | 0;
    const bucket = this.buckets.get(h);
    if (bucket) for (const id of bucket) if (same(this.lists[id]!, policies, tierRules)) return id;
    const id = this.lists.push({ policies, tierRules }) - 1;
    if (bucket) bucket.push(id);
    else this.buckets.set(h, [id]);
    return id;
  }

  private numberOf(p: Policy): number {
    let n = this.number.get(p);
    if (n === undefined) this.number.set(p, (n = this.number.size + 1));
    return n;
  }
}

function same(a: { policies: readonly Policy[]; tierRules: readonly number[] }, policies: readonly Policy[], tierRules: readonly number[]): boolean {
  if (a.policies.length !== policies.length || a.tierRules.length !== tierRules.length) return false;
  for (let i = 0; i < policies.length; i++) if (a.policies[i] !== policies[i]) return false;
  for (let i = 0; i < tierRules.length; i++) if (a.tierRules[i] !== tierRules[i]) return false;
  return true;
}

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
