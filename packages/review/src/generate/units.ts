import { selectorMatches, type LabelRequirement, type LabelSelector, type Labels, type Pod } from '@kordon/engine';

/**
 * Label keys that change with every rollout or name one pod: a selector on them stops matching at the next rollout
 * (hashes), or never matches a second replica (pod names and indexes).
 */
export const UNSTABLE_LABEL_KEYS: ReadonlySet<string> = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-completion-index',
]);

/** Keys people select workloads by, best first: a selector uses the first that tells the workload apart. */
const PREFERRED_KEYS = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name', 'run', 'app.kubernetes.io/instance', 'app.kubernetes.io/component', 'component', 'tier', 'role'];
const rank = (k: string): number => {
  const i = PREFERRED_KEYS.indexOf(k);
  return i < 0 ? PREFERRED_KEYS.length : i;
};
const byPreference = (a: string, b: string): number => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);

export function stableLabels(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) if (!UNSTABLE_LABEL_KEYS.has(k)) out[k] = labels[k]!;
  return out;
}

/** The pods a generated policy is written for: one workload, or bare pods no stable label tells apart. */
export interface Unit {
  /** `ns/Kind/name`, or `ns/pod` for a bare pod. */
  id: string;
  namespace: string;
  /** The base of its policies' names (a DNS label). */
  name: string;
  /** What a person calls it: `frontend/frontend (Deployment)`. */
  title: string;
  pods: Pod[];
  /** Selects the unit's pods within its namespace, on stable labels. */
  selector: LabelSelector;
  /** Pods of the namespace the selector also matches: no stable label tells them apart from the unit. */
  alsoSelects: Pod[];
}

const EMPTY: LabelSelector = { matchLabels: {}, matchExpressions: [] };

/** A DNS-1123 label from a name: lower case, `-` for anything else, at most 50 characters (room for a suffix). */
export function dnsLabel(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50).replace(/-+$/, '');
  return s === '' ? 'pods' : s;
}

/** Groups the pods (hostNetwork pods excepted: no policy selects them) into units, and picks each unit's selector. */
export function buildUnits(pods: readonly Pod[]): { units: Unit[]; unitOf: Map<Pod, Unit> } {
  const groups = new Map<string, Pod[]>();
  for (const p of pods) {
    if (p.hostNetwork) continue;
    const key = p.owner ? `${p.namespace}/${p.owner.kind}/${p.owner.name}` : `${p.namespace}\u0000${JSON.stringify(stableLabels(p.labels))}`;
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  const byNs = new Map<string, Pod[]>();
  for (const p of pods) {
    if (p.hostNetwork) continue;
    const l = byNs.get(p.namespace);
    if (l) l.push(p);
    else byNs.set(p.namespace, [p]);
  }
  const units: Unit[] = [];
  const unitOf = new Map<Pod, Unit>();
  for (const [key, members] of groups) {
    const first = members[0]!;
    const owner = first.owner;
    const stable = stableLabels(first.labels);
    const labelName = Object.keys(stable).sort(byPreference).find((k) => rank(k) < PREFERRED_KEYS.length);
    const base = owner ? owner.name : labelName ? stable[labelName]! : members.length === 1 ? first.name : 'pods';
    const id = owner ? key : members.length === 1 ? `${first.namespace}/${first.name}` : `${first.namespace}/${base}`;
    const title = owner ? `${first.namespace}/${owner.name} (${owner.kind})` : members.length === 1 ? `${first.namespace}/${first.name}` : `${first.namespace}/${base} (${members.length} pods)`;
    const { selector, alsoSelects } = exactSelector(members, byNs.get(first.namespace) ?? []);
    const u: Unit = { id, namespace: first.namespace, name: dnsLabel(base), title, pods: members, selector, alsoSelects };
    units.push(u);
    for (const p of members) unitOf.set(p, u);
  }
  units.sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Two units of a namespace may want the same name: the later ones get a suffix.
  const used = new Set<string>();
  for (const u of units) {
    let n = u.name;
    for (let i = 2; used.has(`${u.namespace}/${n}`); i++) n = `${u.name}-${i}`;
    used.add(`${u.namespace}/${n}`);
    u.name = n;
  }
  return { units, unitOf };
}

/**
 * The most readable selector that matches exactly `members` among `nsPods`: one preferred label when it suffices,
 * else the fewest stable labels, then `NotIn`/`DoesNotExist` expressions for pods the labels cannot exclude. Pods that
 * still match (the same stable labels) are returned in `alsoSelects`. This searches for a selector among candidate
 * pods (stand-ins included), so it holds each candidate against the engine's label rule (`selectorMatches`) directly;
 * who a written peer selects in a cluster is the model's question, not this one.
 */
export function exactSelector(members: readonly Pod[], nsPods: readonly Pod[]): { selector: LabelSelector; alsoSelects: Pod[] } {
  const mine = new Set(members);
  const others = nsPods.filter((p) => !mine.has(p) && !p.hostNetwork);
  const common = commonLabels(members);
  const keys = Object.keys(common).sort(byPreference);
  const matching = (sel: LabelSelector, pool: readonly Pod[]) => pool.filter((p) => selectorMatches(sel, p.labels));
  for (const k of keys) {
    const sel: LabelSelector = { matchLabels: { [k]: common[k]! }, matchExpressions: [] };
    if (matching(sel, others).length === 0) return { selector: sel, alsoSelects: [] };
  }
  const chosen: Record<string, string> = {};
  let remaining = others;
  const left = [...keys];
  while (remaining.length > 0 && left.length > 0) {
    let best = -1;
    let bestLeft = remaining.length;
    left.forEach((k, i) => {
      const n = remaining.filter((p) => p.labels[k] === common[k]).length;
      if (n < bestLeft) {
        bestLeft = n;
        best = i;
      }
    });
    if (best < 0) break;
    const k = left.splice(best, 1)[0]!;
    chosen[k] = common[k]!;
    remaining = remaining.filter((p) => p.labels[k] === common[k]);
  }
  // No label at all is common (or none excludes anyone): keep the most preferred one so the selector says what it means.
  if (Object.keys(chosen).length === 0 && keys.length > 0) chosen[keys[0]!] = common[keys[0]!]!;
  const expressions = new Map<string, { operator: 'NotIn' | 'DoesNotExist'; values: Set<string> }>();
  while (remaining.length > 0) {
    // A key some remaining pod has and no member has with that value: NotIn (absent on members: DoesNotExist).
    let best: { key: string; value: string; absent: boolean; excluded: Pod[] } | undefined;
    for (const o of remaining) {
      for (const k of Object.keys(o.labels)) {
        if (UNSTABLE_LABEL_KEYS.has(k)) continue;
        const v = o.labels[k]!;
        if (members.some((m) => m.labels[k] === v)) continue;
        const absent = members.every((m) => m.labels[k] === undefined);
        const excluded = remaining.filter((p) => (absent ? p.labels[k] !== undefined : p.labels[k] === v));
        if (!best || excluded.length > best.excluded.length) best = { key: k, value: v, absent, excluded };
      }
    }
    if (!best) break;
    const e = expressions.get(best.key);
    if (best.absent && (!e || e.operator === 'DoesNotExist')) expressions.set(best.key, { operator: 'DoesNotExist', values: new Set() });
    else if (e && e.operator === 'NotIn') e.values.add(best.value);
    else expressions.set(best.key, { operator: 'NotIn', values: new Set([best.value]) });
    const gone = new Set(best.excluded);
    remaining = remaining.filter((p) => !gone.has(p));
  }
  const matchExpressions: LabelRequirement[] = [...expressions.entries()]
    .sort(([a], [b]) => byPreference(a, b))
    .map(([key, e]) => ({ key, operator: e.operator, values: [...e.values].sort() }));
  const selector: LabelSelector = Object.keys(chosen).length === 0 && matchExpressions.length === 0 ? EMPTY : { matchLabels: sortObj(chosen), matchExpressions };
  return { selector, alsoSelects: matching(selector, others) };
}

function commonLabels(pods: readonly Pod[]): Record<string, string> {
  const out = stableLabels(pods[0]?.labels ?? {});
  for (const p of pods.slice(1)) for (const k of Object.keys(out)) if (p.labels[k] !== out[k]) delete out[k];
  return out;
}

function sortObj(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort(byPreference)) out[k] = o[k]!;
  return out;
}
