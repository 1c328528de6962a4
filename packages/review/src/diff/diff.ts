import {
  clusterModel,
  computeMatrix,
  defaultColumns,
  describeRuleRef,
  evaluate,
  formatIP,
  isolatingPolicies,
  parseCidr,
  parseIP,
  selectorKey,
  type Cidr,
  type Cluster,
  type Direction,
  type DirectionVerdict,
  type Endpoint,
  type LabelSelector,
  type Location,
  type MatrixColumn,
  type Peer,
  type Pod,
  type Policy,
  type Rule,
} from '@kordon/engine';
import { flippableColumns } from './columns.js';
import { causeKey, ColumnLists, FlowTable, type ColumnList } from './flows.js';
import { clusterPolicyChanges, tierBlocks, tierCauses, tierTouches } from './tiers.js';

export type PolicyChange = 'added' | 'removed' | 'modified';

/** Why a flow changed: a policy (down to the rule when one admits it), or labels that moved. */
export interface Cause {
  kind: 'policy' | 'labels';
  /** `ns/name` of the policy (`cnp/name`, `anp/name`, `banp/name` for a cluster policy), or of the pod / namespace whose labels changed. */
  subject: string;
  change?: PolicyChange;
  /** `spec.ingress[0]` when one rule of the policy admits (or used to admit) the flow, or decides it (cluster policies). */
  rule?: string;
  /** Cluster policies: the tier and the action of the deciding rule. */
  tier?: 'Admin' | 'Baseline';
  action?: 'Accept' | 'Deny' | 'Pass';
  /** In the version that has it (new, or old for removed policies). */
  location?: Location;
  /** One sentence: "now isolates backend/api for ingress", "backend/api egress rule 1 admits it for backend/api". */
  effect: string;
}

export interface FlowChange {
  change: 'allowed' | 'denied';
  /** Workload (`ns/name`), pod, or outside address range. */
  from: string;
  to: string;
  /** Port columns whose verdict changed: `80/TCP`, `8000-8100/TCP`; `*` stands for every port no rule or pod names (per protocol when rules tell protocols apart). */
  ports: string[];
  /** True when the change holds on every port (every column). */
  allPorts: boolean;
  /** How many pod pairs (or address-to-pod pairs) of the two groups changed. */
  pairs: number;
  causes: Cause[];
}

export interface DiffReport {
  policies: { added: string[]; removed: string[]; modified: string[] };
  workloads: { added: string[]; removed: string[] };
  changes: FlowChange[];
  summary: { allowed: number; denied: number; flows: number };
  /** Notes on what the comparison leaves out. */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------

function ruleText(r: Rule): string {
  const sel = (s: LabelSelector | null) => (s === null ? '-' : selectorKey(s));
  const peer = (x: Peer) => (x.kind === 'ipBlock' ? `ip ${x.cidr} ${x.except.join(',')}` : `pods ${sel(x.namespaceSelector)} ${sel(x.podSelector)}`);
  return `${r.peers === null ? '*' : r.peers.map(peer).join(';')} # ${r.ports === null ? '*' : r.ports.map((s) => `${s.protocol}:${s.port}:${s.endPort}`).join(';')}`;
}

function policyText(p: Policy): string {
  return JSON.stringify([selectorKey(p.podSelector), p.ingressIsolation, p.egressIsolation, p.ingress.map(ruleText), p.egress.map(ruleText)]);
}

/** Which workload a pod belongs to, as people name it. */
function workloadOf(p: Pod): string {
  return p.owner ? `${p.namespace}/${p.owner.name}` : `${p.namespace}/${p.name}`;
}

/** Blocks as plain ranges: IPv4 bounds as numbers (comparing bigints per pod and block was most of the grouping). */
interface BlockRanges {
  family: Uint8Array;
  /** Per block, the index of its first range in `lo`/`hi`; ranges of a block: its CIDR, then its excepts. */
  first: Int32Array;
  lo: Array<number | bigint>;
  hi: Array<number | bigint>;
}

/**
 * Per family, the sorted points where some block's range (CIDR or except) starts or ends: between two points every
 * block holds all addresses or none, so an address's blocks are those of its stretch, found by binary search.
 */
interface Stretches {
  points: Map<number, Array<number | bigint>>;
  /** The blocks holding a stretch, as their indexes joined, by family and stretch: filled on first use. */
  keys: Map<number, Array<string | undefined>>;
}

const rangesCache = new WeakMap<readonly Cidr[][], { ranges: BlockRanges; stretches: Stretches; byAddresses: Map<string, string> }>();

function stretchesOf(r: BlockRanges): Stretches {
  const sets = new Map<number, Set<number | bigint>>();
  for (let i = 0; i < r.family.length; i++) {
    const f = r.family[i]!;
    let set = sets.get(f);
    if (!set) sets.set(f, (set = new Set()));
    for (let k = r.first[i]!; k < r.first[i + 1]!; k++) {
      set.add(r.lo[k]!);
      set.add(f === 4 ? (r.hi[k] as number) + 1 : (r.hi[k] as bigint) + 1n);
    }
  }
  const points = new Map<number, Array<number | bigint>>();
  for (const [f, set] of sets) points.set(f, [...set].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  return { points, keys: new Map([...points.keys()].map((f) => [f, []])) };
}

/** The indexes of the blocks that hold the address, joined: those of its stretch. */
function blocksHolding(r: BlockRanges, st: Stretches, family: number, v: number | bigint): string {
  const pts = st.points.get(family);
  if (!pts || pts.length === 0 || v < pts[0]!) return '';
  let lo = 0;
  let hi = pts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pts[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  const keys = st.keys.get(family)!;
  let k = keys[lo];
  if (k === undefined) {
    const inside: number[] = [];
    for (let i = 0; i < r.family.length; i++) if (blockHolds(r, i, family, pts[lo]!)) inside.push(i);
    keys[lo] = k = inside.join(',');
  }
  return k;
}

function blockRanges(blocks: readonly Cidr[][]): BlockRanges {
  const family = new Uint8Array(blocks.length);
  const first = new Int32Array(blocks.length + 1);
  const lo: Array<number | bigint> = [];
  const hi: Array<number | bigint> = [];
  blocks.forEach((b, i) => {
    family[i] = b[0]!.family;
    first[i] = lo.length;
    // Excepts of the other family never hold an address of this one: left out.
    for (const c of b) {
      if (c.family !== b[0]!.family) continue;
      lo.push(c.family === 4 ? Number(c.start) : c.start);
      hi.push(c.family === 4 ? Number(c.end) : c.end);
    }
  });
  first[blocks.length] = lo.length;
  return { family, first, lo, hi };
}

/** Whether block i holds the address (inside its CIDR, outside each except). */
function blockHolds(r: BlockRanges, i: number, family: number, v: number | bigint): boolean {
  if (r.family[i] !== family) return false;
  const f = r.first[i]!;
  if (v < r.lo[f]! || v > r.hi[f]!) return false;
  for (let k = f + 1; k < r.first[i + 1]!; k++) if (v >= r.lo[k]! && v <= r.hi[k]!) return false;
  return true;
}

/** Which ipBlocks contain any of the addresses, as the list of their indexes; computed once per address set. */
function membership(ipTexts: readonly string[], blocks: readonly Cidr[][]): string {
  if (blocks.length === 0 || ipTexts.length === 0) return '';
  let cache = rangesCache.get(blocks);
  if (!cache) {
    const ranges = blockRanges(blocks);
    rangesCache.set(blocks, (cache = { ranges, stretches: stretchesOf(ranges), byAddresses: new Map() }));
  }
  const key = ipTexts.join(',');
  let m = cache.byAddresses.get(key);
  if (m !== undefined) return m;
  const ips = ipTexts.map(parseIP).filter((x) => x !== undefined).map((ip) => ({ family: ip.family, v: ip.family === 4 ? Number(ip.value) : ip.value }));
  const c = cache;
  const each = ips.map((ip) => blocksHolding(c.ranges, c.stretches, ip.family, ip.v));
  m = each.length === 1 ? each[0]! : [...new Set(each.flatMap((k) => (k === '' ? [] : k.split(',').map(Number))))].sort((x, y) => x - y).join(',');
  cache.byAddresses.set(key, m);
  return m;
}

function labelsKey(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  let out = '';
  for (const k of keys) out += `${k}\u0002${labels[k]}\u0003`;
  return out;
}

/** What a pod looks like to policies (both versions compared by the caller). */
function podShape(p: Pod, blocks: readonly Cidr[][], hostNodes: ReadonlySet<string> = new Set()): string {
  const m = membership(p.ips, blocks);
  const ports = p.containerPorts.map((c) => `${c.name ?? ''}:${c.port}/${c.protocol}`).sort().join(',');
  // The node matters only where hostNetwork pods make traffic with their own node always allowed.
  const node = p.hostNetwork ? `${p.nodeName ?? ''}|${p.hostIP ?? ''}` : p.nodeName !== undefined && hostNodes.has(p.nodeName) ? p.nodeName : '';
  return `${p.namespace}\u0000${labelsKey(p.labels)}\u0000${p.hostNetwork}\u0000${ports}\u0000${m}\u0000${node}`;
}

function allBlocks(clusters: readonly Cluster[]): Cidr[][] {
  return blocksOf(clusters.flatMap((c) => c.policies));
}

/** The distinct ipBlocks of these policies, each as [cidr, ...except]. */
function blocksOf(policies: Iterable<Policy>): Cidr[][] {
  const seen = new Map<string, Cidr[]>();
  {
    for (const p of policies) {
      for (const r of [...p.ingress, ...p.egress]) {
        for (const peer of r.peers ?? []) {
          if (peer.kind !== 'ipBlock') continue;
          const k = `${peer.cidr}|${peer.except.join(',')}`;
          if (seen.has(k)) continue;
          const cidr = parseCidr(peer.cidr);
          if (!cidr) continue;
          seen.set(k, [cidr, ...peer.except.map(parseCidr).filter((x): x is Cidr => x !== undefined)]);
        }
      }
    }
  }
  return [...seen.values()];
}

/** One address per stretch of address space that every ipBlock of both versions treats alike. */
function outsideSamples(blocks: readonly Cidr[][]): Array<{ ip: string; label: string }> {
  const cuts = new Map<number, Set<bigint>>([
    [4, new Set()],
    [6, new Set()],
  ]);
  for (const b of blocks) {
    for (const c of b) {
      cuts.get(c.family)!.add(c.start);
      cuts.get(c.family)!.add(c.end + 1n);
    }
  }
  const out: Array<{ ip: string; label: string }> = [];
  // Without ipBlocks every outside address is alike: one stands for them all (a documentation address).
  if (blocks.length === 0) return [{ ip: '203.0.113.1', label: 'any outside address' }];
  for (const [family, set] of cuts) {
    if (set.size === 0) continue;
    const max = family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
    const points = [...set, 0n].filter((x) => x <= max).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const uniq = points.filter((x, i) => i === 0 || x !== points[i - 1]);
    uniq.forEach((start, i) => {
      const end = i + 1 < uniq.length ? uniq[i + 1]! - 1n : max;
      const f = family as 4 | 6;
      out.push({ ip: formatIP({ family: f, value: start }), label: start === end ? formatIP({ family: f, value: start }) : `${formatIP({ family: f, value: start })}-${formatIP({ family: f, value: end })}` });
    });
  }
  return out;
}

/** Port columns that both versions' rules and pods tell apart. */
function mergedColumns(a: Cluster, b: Cluster): MatrixColumn[] {
  return defaultColumns({ ...b, policies: [...a.policies, ...b.policies], pods: [...a.pods, ...b.pods] });
}

interface Group {
  /** Common pods (same name in both versions) with the same shape in each. */
  oldIdx: number[];
  newIdx: number[];
  pods: Array<{ old: Pod; next: Pod }>;
  /** The pods look different to policies in the two versions (labels, ports, addresses). */
  moved: boolean;
  ip: string | undefined;
  label: string | undefined;
  /** Index among all groups (pods, then outside addresses), set once they are all known. */
  id: number;
  /** Its pods' workloads with how many pods each (an outside address: its range), once asked. */
  names: Array<{ name: string; n: number }> | undefined;
}

/** Every group with the same fields in the same order: the pair loop reads them millions of times. */
function newGroup(oldIdx: number[], newIdx: number[], moved: boolean, outside?: { ip: string; label: string }): Group {
  return { oldIdx, newIdx, pods: [], moved, ip: outside?.ip, label: outside?.label, id: -1, names: undefined };
}

/**
 * How connectivity changes from `old` to `next`: every pod pair (and outside address) present in both versions,
 * on every port class, compared; each changed flow attributed to the policy changes (or label changes) behind it.
 */
export function diffClusters(old: Cluster, next: Cluster): DiffReport {
  const notes: string[] = [];
  // Policies.
  const oldPolicies = new Map(old.policies.map((p) => [p.id, p]));
  const newPolicies = new Map(next.policies.map((p) => [p.id, p]));
  const firstById = (list: readonly Policy[]) => {
    const m = new Map<string, Policy>();
    for (const p of list) if (!m.has(p.id)) m.set(p.id, p);
    return m;
  };
  const policyAt: PolicyAt = { old: firstById(old.policies), next: firstById(next.policies) };
  const policyChange = new Map<string, PolicyChange>();
  for (const [id, p] of newPolicies) {
    const o = oldPolicies.get(id);
    if (!o) policyChange.set(id, 'added');
    else if (policyText(o) !== policyText(p)) policyChange.set(id, 'modified');
  }
  for (const id of oldPolicies.keys()) if (!newPolicies.has(id)) policyChange.set(id, 'removed');
  const tierChange = clusterPolicyChanges(old, next);
  const byChange = (c: PolicyChange) => [...[...policyChange].filter(([, v]) => v === c).map(([k]) => k).sort(), ...[...tierChange].filter(([, v]) => v.change === c).map(([k]) => k).sort()];

  // Workloads present in one version only.
  const oldWl = new Set(old.pods.map(workloadOf));
  const newWl = new Set(next.pods.map(workloadOf));
  const workloads = { added: [...newWl].filter((w) => !oldWl.has(w)).sort(), removed: [...oldWl].filter((w) => !newWl.has(w)).sort() };
  if (workloads.added.length || workloads.removed.length) notes.push('flows of workloads that exist in one version only are not listed: they appear or disappear with the workload');

  // Endpoint groups over the pods common to both versions.
  const blocks = [...allBlocks([old, next]), ...tierBlocks([old, next])];
  const oldIndex = new Map(old.pods.map((p, i) => [`${p.namespace}/${p.name}`, i]));
  const hostNodes = new Set<string>();
  for (const c of [old, next]) for (const p of c.pods) if (p.hostNetwork) for (const k of [p.nodeName, p.hostIP]) if (k !== undefined) hostNodes.add(k);
  const groups = new Map<string, Group>();
  next.pods.forEach((p, ni) => {
    const oi = oldIndex.get(`${p.namespace}/${p.name}`);
    if (oi === undefined) return;
    const o = old.pods[oi]!;
    const so = podShape(o, blocks, hostNodes);
    const sn = podShape(p, blocks, hostNodes);
    const key = `${so}\u0001${sn}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = newGroup([], [], so !== sn)));
    g.oldIdx.push(oi);
    g.newIdx.push(ni);
    g.pods.push({ old: o, next: p });
  });
  const podGroups = [...groups.values()];

  const columns = mergedColumns(old, next);
  const ports = columns.map((c) => ({ port: c.port, protocol: c.protocol }));

  // Only pairs that something touched can change: a changed policy selects one end (in either version), or one end's
  // labels (or its namespace's) differ between the versions.
  const changedPolicies = [...policyChange.keys()].map((id) => ({ old: oldPolicies.get(id), next: newPolicies.get(id) }));
  const nsLabelsChanged = new Set<string>();
  for (const n of next.namespaces) {
    const o = old.namespaces.find((x) => x.name === n.name);
    if (o && JSON.stringify(Object.entries(o.labels).sort()) !== JSON.stringify(Object.entries(n.labels).sort())) nsLabelsChanged.add(n.name);
  }
  // Per direction, the policies whose part for that direction changed (selector, isolation or rules).
  const dirText = (p: Policy | undefined, d: Direction) => (p ? JSON.stringify([selectorKey(p.podSelector), d === 'ingress' ? p.ingressIsolation : p.egressIsolation, JSON.parse(policyText(p))[d === 'ingress' ? 3 : 4]]) : '');
  const changedIn = (d: Direction) => {
    const o = new Set<Policy>();
    const n = new Set<Policy>();
    for (const c of changedPolicies) {
      if (dirText(c.old, d) === dirText(c.next, d)) continue;
      if (c.old) o.add(c.old);
      if (c.next) n.add(c.next);
    }
    return { o, n };
  };
  const changedBy = { ingress: changedIn('ingress'), egress: changedIn('egress') };
  // The pods those policies isolate, per version: the model's selections, read once instead of every pod's policies.
  const isolatedBy = (c: Cluster, policies: ReadonlySet<Policy>, d: Direction): Set<Pod> => {
    const model = clusterModel(c);
    const out = new Set<Pod>();
    for (const x of policies) if (d === 'ingress' ? x.ingressIsolation : x.egressIsolation) for (const p of model.selectedPods(x)) out.add(p);
    return out;
  };
  const isolatedByChanged = {
    ingress: { o: isolatedBy(old, changedBy.ingress.o, 'ingress'), n: isolatedBy(next, changedBy.ingress.n, 'ingress') },
    egress: { o: isolatedBy(old, changedBy.egress.o, 'egress'), n: isolatedBy(next, changedBy.egress.n, 'egress') },
  };
  const tierTouched = (g: Group, d: Direction): boolean => tierChange.size > 0 && g.pods[0] !== undefined && tierTouches(old, next, tierChange, g.pods[0], d);
  const touched = (g: Group, d: Direction): boolean => {
    const p = g.pods[0];
    if (!p) return false;
    if (g.moved || nsLabelsChanged.has(p.next.namespace)) return true;
    if (tierTouched(g, d)) return true;
    const { o, n } = isolatedByChanged[d];
    return o.has(p.old) || n.has(p.next);
  };
  // Label changes anywhere make peers of unchanged policies match differently: then every pair is compared.
  const labelsMoved = nsLabelsChanged.size > 0 || podGroups.some((g) => g.moved);
  const srcs = podGroups.filter((g) => labelsMoved || touched(g, 'egress'));
  const dsts = podGroups.filter((g) => labelsMoved || touched(g, 'ingress'));
  // Outside addresses: one per stretch that the ipBlocks of the policies isolating a touched end tell apart (the other
  // policies answer alike for both versions).
  const relevant = new Set<Policy>();
  if (labelsMoved) for (const c of [old, next]) for (const p of c.policies) relevant.add(p);
  else
    for (const [list, d] of [[srcs, 'egress'], [dsts, 'ingress']] as const)
      for (const g of list) for (const x of g.pods.slice(0, 1)) for (const p of [...isolatingPolicies(old, x.old, d), ...isolatingPolicies(next, x.next, d)]) relevant.add(p);
  const samples = outsideSamples([...blocksOf(relevant), ...(tierChange.size > 0 ? tierBlocks([old, next]) : [])]);
  const ipGroups: Group[] = samples.map((s, k) => newGroup([old.pods.length + k], [next.pods.length + k], false, s));
  const ips = samples.map((s) => s.ip);
  const all = [...podGroups, ...ipGroups];
  all.forEach((g, i) => (g.id = i));

  // Columns a change can flip for one end and direction (columns.ts).
  const allCols = columns.map((_, i) => i);
  const changedIds = new Set(policyChange.keys());
  const groupCols = (g: Group, d: Direction): number[] => {
    const p = g.pods[0];
    if (!p) return [];
    // A changed cluster policy can decide any port: every column.
    return tierTouched(g, d) ? allCols : flippableColumns({ old, next, pod: p, direction: d, changed: changedIds, columns, ruleText });
  };
  const egressCols = new Map(srcs.map((g) => [g, labelsMoved ? allCols : groupCols(g, 'egress')]));
  const ingressCols = new Map(dsts.map((g) => [g, labelsMoved ? allCols : groupCols(g, 'ingress')]));
  // Only the columns some pair can flip are computed.
  const needed = new Set<number>();
  for (const m of [egressCols, ingressCols]) for (const cols of m.values()) for (const c of cols) needed.add(c);
  const neededCols = [...needed].sort((x, y) => x - y);
  const slot = new Int32Array(columns.length).fill(-1);
  neededCols.forEach((c, i) => (slot[c] = i));
  const neededPorts = neededCols.map((c) => ports[c]!);
  const mOld = computeMatrix(old, { ports: neededPorts, ips });
  const mNew = computeMatrix(next, { ports: neededPorts, ips });
  const pairCols = (s: Group, d: Group): number[] => {
    const a = egressCols.get(s);
    const b = ingressCols.get(d);
    if (!a) return b ?? [];
    if (!b) return a;
    return [...new Set([...a, ...b])].sort((x, y) => x - y);
  };
  const table = new FlowTable(columns.length);
  const lists = new ColumnLists(columns);
  /** How one column changes for a pair: 0 not at all (or not comparable), 1 now allowed, 2 now denied. */
  const flip = (s: Group, d: Group, c: number): number => {
    if (s.ip !== undefined && d.ip !== undefined) return 0;
    // Within one group, compare two different members (a pod always reaches itself).
    const same = s === d;
    if (same && s.oldIdx.length < 2) return 0;
    const a = mOld.allowed(slot[c]!, s.oldIdx[0]!, same ? d.oldIdx[1]! : d.oldIdx[0]!);
    const b = mNew.allowed(slot[c]!, s.newIdx[0]!, same ? d.newIdx[1]! : d.newIdx[0]!);
    return a === b || a === undefined || b === undefined ? 0 : b ? 1 : 2;
  };
  const compare = (s: Group, d: Group, cols: readonly number[]) => {
    if (cols.length === 1) {
      const c = cols[0]!;
      const f = flip(s, d, c);
      if (f !== 0) record(s, d, lists.single(c), f === 1 ? 'allowed' : 'denied');
      return;
    }
    let allowedCols: number[] | undefined;
    let deniedCols: number[] | undefined;
    for (const c of cols) {
      const f = flip(s, d, c);
      if (f === 1) (allowedCols ??= []).push(c);
      else if (f === 2) (deniedCols ??= []).push(c);
    }
    if (allowedCols) record(s, d, lists.of(allowedCols), 'allowed');
    if (deniedCols) record(s, d, lists.of(deniedCols), 'denied');
  };
  const srcTouched = new Set(srcs);
  const dstTouched = new Set(dsts);
  /** Causes by the pair of ends (an untouched end counts as any) and the column list with its change. */
  const causeCache = new Map<number, Map<number, Cause[]>>();
  const names = (g: Group) => (g.names ??= g.ip !== undefined ? [{ name: g.label!, n: 1 }] : countBy(g.pods.map((p) => workloadOf(p.next))));
  const causesOf = (s: Group | undefined, d: Group | undefined, from: Group, to: Group, list: ColumnList, change: 'allowed' | 'denied'): Cause[] => {
    const pairKey = ((s ? s.id : -1) + 1) * (all.length + 1) + (d ? d.id : -1) + 1;
    let byList = causeCache.get(pairKey);
    if (!byList) causeCache.set(pairKey, (byList = new Map()));
    const key = list.id * 2 + (change === 'allowed' ? 0 : 1);
    let causes = byList.get(key);
    if (!causes) {
      const found: Cause[] = [];
      const cols = list.cols;
      // Causes read on a few of the changed columns: port-specific rules may differ between them.
      for (const c of [...new Set([cols[0]!, cols[Math.floor(cols.length / 2)]!, cols[cols.length - 1]!])]) {
        for (const cause of attribute(old, next, from, to, columns[c]!, policyChange, nsLabelsChanged, tierChange, policyAt)) if (!found.some((x) => causeKey(x) === causeKey(cause))) found.push(cause);
      }
      byList.set(key, (causes = found));
    }
    return causes;
  };
  // Pairs come destination by destination with one column list: what depends on the destination alone is kept.
  let last: { s: Group | undefined; d: Group; list: ColumnList; change: 'allowed' | 'denied'; causes: Cause[]; buckets: ReturnType<FlowTable['bucket']>[] } | undefined;
  const record = (s: Group, d: Group, list: ColumnList, change: 'allowed' | 'denied') => {
    // An end nothing touched keeps its own verdict in both versions: the flip is the other end's, and so are its
    // causes. One attribution then serves every partner of the touched end (a new rule admitting 10,000 sources).
    const sk = labelsMoved || srcTouched.has(s) ? s : undefined;
    if (!last || last.s !== sk || last.d !== d || last.list !== list || last.change !== change) {
      const dk = labelsMoved || dstTouched.has(d) ? d : undefined;
      const causes = causesOf(sk, dk, s, d, list, change);
      const buckets = last && last.d === d && last.list === list && last.change === change ? last.buckets : names(d).map((t) => table.bucket(change, list, t.name));
      last = { s: sk, d, list, change, causes, buckets };
    }
    const { causes, buckets } = last;
    const targets = names(d);
    for (const f of names(s)) {
      for (let ti = 0; ti < targets.length; ti++) {
        const t = targets[ti]!;
        const pairs = f.n * t.n - (s === d && f.name === t.name ? f.n : 0);
        if (pairs > 0) table.add(buckets[ti]!, change, list, f.name, t.name, pairs, causes);
      }
    }
  };
  for (const s of srcs) for (const d of all) compare(s, d, pairCols(s, d));
  // Pairs whose source was touched are compared above already.
  const untouchedSources = all.filter((s) => !srcTouched.has(s));
  // The source's columns do not count: it was not touched (pairCols with no egress entry). Destinations with one
  // column go in blocks: their cells are read source by source (along the matrices' rows, not down their columns),
  // then recorded destination by destination, in the order of the plain loop.
  const BLOCK = 64;
  const flips = new Uint8Array(BLOCK * untouchedSources.length);
  for (let b0 = 0; b0 < dsts.length; b0 += BLOCK) {
    const block = dsts.slice(b0, b0 + BLOCK);
    const single = block.map((d) => {
      const cols = ingressCols.get(d) ?? [];
      return cols.length === 1 ? cols[0]! : -1;
    });
    untouchedSources.forEach((s, si) => {
      for (let k = 0; k < block.length; k++) if (single[k]! >= 0) flips[k * untouchedSources.length + si] = flip(s, block[k]!, single[k]!);
    });
    block.forEach((d, k) => {
      const c = single[k]!;
      if (c < 0) {
        const cols = ingressCols.get(d) ?? [];
        if (cols.length > 0) for (const s of untouchedSources) compare(s, d, cols);
        return;
      }
      const off = k * untouchedSources.length;
      untouchedSources.forEach((s, si) => {
        const f = flips[off + si]!;
        if (f !== 0) record(s, d, lists.single(c), f === 1 ? 'allowed' : 'denied');
      });
    });
  }

  // Many workloads on one side with the same change, ports and other end: one line per namespace, or one for all.
  const universe = new Map<string, Set<string>>();
  for (const g of all) for (const name of g.ip !== undefined ? [g.label!] : g.pods.map((p) => workloadOf(p.next))) {
    const ns = g.ip !== undefined ? '' : name.split('/')[0]!;
    const set = universe.get(ns) ?? new Set<string>();
    set.add(name);
    universe.set(ns, set);
  }
  const collapsed = collapse(collapse(table.flows, 'from', universe), 'to', universe);
  const order = (f: FlowChange) => `${f.change === 'allowed' ? 0 : 1}\u0000${f.from}\u0000${f.to}\u0000${f.ports.join(',')}`;
  const changes = collapsed.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  return {
    policies: { added: byChange('added'), removed: byChange('removed'), modified: byChange('modified') },
    workloads,
    changes,
    summary: { allowed: changes.filter((c) => c.change === 'allowed').length, denied: changes.filter((c) => c.change === 'denied').length, flows: changes.length },
    notes,
  };
}

/** Namespace of a flow end name, '' for outside addresses. */
const nsOfEnd = (name: string): string => (name.includes('/') && !name.includes(' ') ? name.split('/')[0]! : '');

/**
 * Merges flows that differ only in one end: when that end covers every workload of a namespace it becomes `ns/*`,
 * when it covers every endpoint of the comparison it becomes `anywhere`.
 */
function collapse(flows: FlowChange[], side: 'from' | 'to', universe: ReadonlyMap<string, ReadonlySet<string>>): FlowChange[] {
  const other = side === 'from' ? 'to' : 'from';
  const buckets = new Map<string, FlowChange[]>();
  for (const f of flows) {
    const k = `${f.change}\u0000${f[other]}\u0000${f.ports.join(',')}`;
    const l = buckets.get(k);
    if (l) l.push(f);
    else buckets.set(k, [f]);
  }
  const total = [...universe.values()].reduce((n, s) => n + s.size, 0);
  const out: FlowChange[] = [];
  const merge = (group: FlowChange[], name: string): FlowChange => {
    const causes: Cause[] = [];
    for (const f of group) for (const c of f.causes) if (!causes.some((x) => causeKey(x) === causeKey(c))) causes.push(c);
    return { ...group[0]!, [side]: name, pairs: group.reduce((n, f) => n + f.pairs, 0), causes };
  };
  for (const group of buckets.values()) {
    if (group.length < 2) {
      out.push(...group);
      continue;
    }
    const names = new Set(group.map((f) => f[side]));
    if (names.size === total) {
      out.push(merge(group, 'anywhere'));
      continue;
    }
    const byNs = new Map<string, FlowChange[]>();
    for (const f of group) {
      const ns = nsOfEnd(f[side]);
      const l = byNs.get(ns);
      if (l) l.push(f);
      else byNs.set(ns, [f]);
    }
    for (const [ns, list] of byNs) {
      const all = universe.get(ns);
      if (ns !== '' && all && list.length > 1 && list.length === all.size) out.push(merge(list, `${ns}/*`));
      else out.push(...list);
    }
  }
  return out;
}

function countBy(items: readonly string[]): Array<{ name: string; n: number }> {
  const m = new Map<string, number>();
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m].map(([name, n]) => ({ name, n }));
}


/** Policies of each version by id (the first of an id, as `find` gives). */
interface PolicyAt {
  old: ReadonlyMap<string, Policy>;
  next: ReadonlyMap<string, Policy>;
}

function endpointOf(g: Group, which: 'old' | 'next', second: boolean): Endpoint {
  if (g.ip !== undefined) return { kind: 'ip', ip: g.ip };
  const p = g.pods[second && g.pods.length > 1 ? 1 : 0]!;
  return { kind: 'pod', pod: which === 'old' ? p.old : p.next };
}

/**
 * The policy changes behind one changed flow, read from the two verdicts: for a flow now allowed, the changed rules
 * that admit it and the changed policies that no longer isolate; for a flow now denied, the changed policies that now
 * isolate without admitting it and the changed rules that used to admit it.
 */
function attribute(old: Cluster, next: Cluster, s: Group, d: Group, col: MatrixColumn, policyChange: ReadonlyMap<string, PolicyChange>, nsChanged: ReadonlySet<string>, tierChange: ReturnType<typeof clusterPolicyChanges>, policyAt: PolicyAt): Cause[] {
  const same = s === d;
  const t = { port: col.port, protocol: col.protocol };
  const vo = evaluate(old, { from: endpointOf(s, 'old', false), to: endpointOf(d, 'old', same), ...t });
  const vn = evaluate(next, { from: endpointOf(s, 'next', false), to: endpointOf(d, 'next', same), ...t });
  const causes: Cause[] = [];
  const who = (g: Group, second: boolean) => (g.ip !== undefined ? g.label! : `${g.pods[second && g.pods.length > 1 ? 1 : 0]!.next.namespace}/${g.pods[second && g.pods.length > 1 ? 1 : 0]!.next.name}`);
  const locOf = (id: string, path: (string | number)[], before: boolean): Location | undefined => {
    const p = before ? policyAt.old.get(id) : (policyAt.next.get(id) ?? policyAt.old.get(id));
    return p?.locate ? p.locate(path) : p?.source;
  };
  const add = (id: string, effect: string, dir: Direction, rule?: number, before = false) => {
    const ch = policyChange.get(id);
    if (!ch) return;
    const c: Cause = { kind: 'policy', subject: id, change: ch, effect };
    if (rule !== undefined) c.rule = `spec.${dir}[${rule}]`;
    const loc = locOf(id, rule !== undefined ? ['spec', dir, rule] : ['metadata', 'name'], before);
    if (loc) c.location = loc;
    causes.push(c);
  };
  for (const dir of ['egress', 'ingress'] as const) {
    const o: DirectionVerdict = vo[dir];
    const n: DirectionVerdict = vn[dir];
    if (o.allowed === n.allowed) continue;
    const local = dir === 'egress' ? who(s, false) : who(d, same);
    if (n.tiers) {
      const t = tierCauses(o, n, local, tierChange);
      causes.push(...t.causes);
      if (!t.networkPolicyDecides) continue;
    }
    if (n.allowed) {
      for (const r of n.allowedBy) add(r.policy, `${describeRuleRef({ policy: r.policy, direction: dir, rule: r.rule })} admits it for ${local}`, dir, r.rule);
      if (!n.isolated) for (const id of o.selectedBy) add(id, `${local} is no longer isolated for ${dir} (${id} ${policyChange.get(id) === 'removed' ? 'removed' : 'no longer selects it'})`, dir, undefined, true);
    } else {
      for (const id of n.selectedBy) if (!o.selectedBy.includes(id)) add(id, `${id} now isolates ${local} for ${dir} and no rule admits the flow`, dir);
      for (const id of n.selectedBy) if (o.selectedBy.includes(id)) add(id, `${id} changed: its ${dir} rules no longer admit the flow for ${local}`, dir);
      for (const r of o.allowedBy) add(r.policy, `${describeRuleRef({ policy: r.policy, direction: dir, rule: r.rule })} admitted it before`, dir, r.rule, true);
    }
  }
  if (causes.length === 0) {
    // No policy changed on this flow: labels did.
    for (const g of [s, d]) {
      const p = g.pods[0];
      if (!p) continue;
      if (JSON.stringify(Object.entries(p.old.labels).sort()) !== JSON.stringify(Object.entries(p.next.labels).sort())) {
        causes.push({ kind: 'labels', subject: `${p.next.namespace}/${p.next.name}`, effect: `labels of ${workloadOf(p.next)} changed` });
      }
      if (nsChanged.has(p.next.namespace)) causes.push({ kind: 'labels', subject: p.next.namespace, effect: `labels of namespace ${p.next.namespace} changed` });
    }
    if (causes.length === 0) causes.push({ kind: 'labels', subject: '', effect: 'a change of labels or addresses elsewhere in the input' });
  }
  return causes;
}

