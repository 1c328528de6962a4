import { clusterModel, isolatingPolicies, type Cluster, type ClusterModel, type Direction, type MatrixColumn, type Pod, type Rule } from '@kordon/engine';

/** One end of a pod pair in both versions, and how its policies changed. */
export interface ColumnsInput {
  old: Cluster;
  next: Cluster;
  /** The pod in each version. */
  pod: { old: Pod; next: Pod };
  direction: Direction;
  /** Ids of the policies that changed between the versions. */
  changed: ReadonlySet<string>;
  columns: readonly MatrixColumn[];
  /** A rule's text, equal for equal rules across the versions. */
  ruleText(rule: Rule): string;
}

/**
 * The columns a change can flip for one end and direction: every column when the end's isolation starts or ends; else
 * the columns that the rules entering or leaving the union of its isolating policies admit (a changed policy's added
 * or removed rules, or all rules of a policy that starts or stops selecting it). Which port a rule admits is the
 * engine model's answer: a named port resolves on the end itself for ingress, and on some pod of that version for
 * egress.
 */
export function flippableColumns(x: ColumnsInput): number[] {
  const all = x.columns.map((_, i) => i);
  const oldIso = isolatingPolicies(x.old, x.pod.old, x.direction);
  const newIso = isolatingPolicies(x.next, x.pod.next, x.direction);
  if ((oldIso.length === 0) !== (newIso.length === 0)) return all;
  const texts = (rules: readonly Rule[] | undefined) => new Map((rules ?? []).map((r) => [x.ruleText(r), r]));
  const models = { old: clusterModel(x.old), next: clusterModel(x.next) };
  const moved: { rule: Rule; model: ClusterModel; pod: Pod }[] = [];
  const ids = new Set([...oldIso, ...newIso].map((p) => p.id).filter((id) => x.changed.has(id)));
  const rulesOf = (list: typeof oldIso, id: string) => {
    const p = list.find((q) => q.id === id);
    return p ? (x.direction === 'ingress' ? p.ingress : p.egress) : undefined;
  };
  for (const id of ids) {
    const ra = texts(rulesOf(oldIso, id));
    const rb = texts(rulesOf(newIso, id));
    for (const [k, r] of ra) if (!rb.has(k)) moved.push({ rule: r, model: models.old, pod: x.pod.old });
    for (const [k, r] of rb) if (!ra.has(k)) moved.push({ rule: r, model: models.next, pod: x.pod.next });
  }
  return all.filter((i) => {
    const col = x.columns[i]!;
    return moved.some((m) => m.model.portsAdmit(m.rule.ports, col.port, col.protocol, x.direction === 'ingress' ? m.pod : 'any-pod'));
  });
}
