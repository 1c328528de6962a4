import {
  clusterModel,
  computeMatrix,
  defaultColumns,
  endpointClasses,
  formatIP,
  ipBlockContains,
  isolatingPolicies,
  resolveNamedPort,
  type Cidr,
  type Cluster,
  type Matrix,
  type MatrixColumn,
  type Pod,
  type PortSpec,
} from '@kordon/engine';

/** How the page groups endpoints: one row per namespace, per workload, or per pod. */
export type Level = 'namespace' | 'workload' | 'pod';

/** Isolation of a pod in one direction. `deny`: isolated and no rule admits anything; `mixed`: pods of a group differ. */
export type Isolation = 'open' | 'restricted' | 'deny' | 'host' | 'mixed' | 'outside';

/** A row/column of the matrix and a node of the graph. */
export interface Group {
  /** Stable across edits: `ns:<name>`, `w:<ns>/<Kind>/<name>`, `p:<ns>/<pod>`, `ip:<addr>`. */
  id: string;
  kind: Level | 'ip';
  label: string;
  namespace: string;
  /** Number of pods (1 for an address). */
  size: number;
  /** The name `checkConnection` understands (`ns/pod`, `ns/Kind/name`, an address); namespaces have none. */
  ref?: string;
  ingress: Isolation;
  egress: Isolation;
  /** Policies that select pods of this group. */
  policies: string[];
}

/** One column choice: a port column of the engine, or `any` (allowed on at least one column). */
export interface ColumnChoice {
  key: string;
  label: string;
  /** Indices into the engine's default columns; `any` lists them all. */
  columns: number[];
}

export const CELL_NONE = 0;
export const CELL_SOME = 1;
export const CELL_ALL = 2;
export const CELL_NA = 3;

/** In a class matrix: address to address, where no answer applies. */
export const NA_COUNT = 0xffff;

/** Views up to this many groups say, per cell of a several-column choice, which columns are open. */
const PORT_SETS_MAX = 400;

/** Per cell of a view over several columns: which columns some pod pair of the cell is allowed on. */
export interface PortSets {
  /** Distinct lists of column labels. */
  sets: string[][];
  /** Per cell, an index into `sets` (meaningless for denied and not-applicable cells). */
  ofCell: Uint32Array;
  /** How many columns the choice has. */
  total: number;
}

export interface MatrixView {
  level: Level;
  column: ColumnChoice;
  groups: Group[];
  /** n×n, row-major: source row, destination column; CELL_* values. */
  cells: Uint8Array;
  /**
   * Allowed pod pairs per cell, each counted once per column of the choice (so with several columns a pair open on
   * one of them counts 1 of `columns`); absent when the view is too large to keep them.
   */
  allowed?: Uint32Array;
  /** Pod pairs per cell times the number of columns (size × size × columns). */
  pairs?: Uint32Array;
  /** A choice of several columns: the open columns of each cell (absent for large views). */
  ports?: PortSets;
}

/** Outside addresses to probe: one address inside each distinct ipBlock of the policies, outside its excepts. */
export function outsideAddresses(cluster: Cluster, limit = 24): string[] {
  const podIPs = new Set(cluster.pods.flatMap((p) => p.ips));
  const model = clusterModel(cluster);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const pol of cluster.policies) {
    for (const rule of [...pol.ingress, ...pol.egress]) {
      for (const peer of rule.peers ?? []) {
        if (peer.kind !== 'ipBlock') continue;
        const block = model.ipBlock(peer);
        if (!block) continue;
        const ip = pickAddress(block.cidr, block.except, podIPs);
        if (ip && !seen.has(ip)) {
          seen.add(ip);
          out.push(ip);
          if (out.length >= limit) return out;
        }
      }
    }
  }
  return out;
}

/** An address of the block, avoiding its excepts and the pods' own addresses, preferring a "round" one. */
function pickAddress(cidr: Cidr, except: readonly Cidr[], taken: ReadonlySet<string>): string | undefined {
  const candidates: bigint[] = [];
  const span = cidr.end - cidr.start;
  // The network address itself reads badly as a host; one past it is what people write in examples.
  candidates.push(span >= 2n ? cidr.start + 1n : cidr.start);
  for (const e of except) if (e.end < cidr.end) candidates.push(e.end + 1n);
  for (const e of except) if (e.start > cidr.start) candidates.push(e.start - 1n);
  // 0.0.0.0/0 style blocks: a public-looking address reads better than 0.0.0.1.
  if (cidr.prefix === 0) candidates.unshift(cidr.family === 4 ? 0x08080808n : 0x20014860486000000000000000008888n);
  for (const v of candidates) {
    if (v < cidr.start || v > cidr.end) continue;
    const ip = { family: cidr.family, value: v };
    if (!ipBlockContains({ cidr, except }, ip)) continue;
    const text = formatIP(ip);
    if (!taken.has(text)) return text;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

/**
 * Everything the page derives from one cluster: endpoint classes, isolation, and per-column matrices.
 * Pods that no policy can tell apart share a class; aggregated views sum over classes, not pods, so 10,000 pods cost
 * as much as their distinct classes.
 */
export class Analysis {
  readonly cluster: Cluster;
  readonly ips: string[];
  readonly columns: MatrixColumn[];
  /** Endpoint index (pods, then addresses) -> behaviour class. */
  readonly classOf: Int32Array;
  /** Per class: one member, and a second member when there is one (distinct-pod pairs inside a class). */
  readonly rep: number[];
  readonly rep2: number[];
  readonly podIsolation: { ingress: Isolation; egress: Isolation; policies: string[] }[];
  private readonly matrices = new Map<number, Matrix>();
  private readonly classAllowed = new Map<string, Uint16Array>();

  constructor(cluster: Cluster, options: { ips?: string[] } = {}) {
    this.cluster = cluster;
    this.ips = options.ips ?? outsideAddresses(cluster);
    this.columns = defaultColumns(cluster);
    const { classOf, rep, rep2 } = behaviourClasses(cluster, this.ips);
    this.classOf = classOf;
    this.rep = rep;
    this.rep2 = rep2;
    const isoCache = new Map<number, { ingress: Isolation; egress: Isolation; policies: string[] }>();
    this.podIsolation = cluster.pods.map((pod, i) => {
      const c = classOf[i]!;
      let iso = isoCache.get(c);
      if (!iso) {
        iso = isolationOf(cluster, pod);
        isoCache.set(c, iso);
      }
      return iso;
    });
  }

  get endpointCount(): number {
    return this.cluster.pods.length + this.ips.length;
  }

  get classCount(): number {
    return this.rep.length;
  }

  columnChoices(): ColumnChoice[] {
    const out: ColumnChoice[] = this.columns.map((c, k) => ({ key: c.label, label: c.label === '*' ? 'any other port' : c.label, columns: [k] }));
    if (this.columns.length > 1) out.push({ key: 'any', label: 'any port', columns: this.columns.map((_, k) => k) });
    return out;
  }

  choice(key: string | undefined): ColumnChoice {
    const all = this.columnChoices();
    return all.find((c) => c.key === key) ?? all[this.busiestColumn()] ?? all[0] ?? { key: 'none', label: 'no ports', columns: [] };
  }

  /**
   * The first column worth showing: the port on which the policies decide the traffic of the most pods. Each rule's
   * port entry counts the pods its policy selects (a rule for fifty pods says more than one for a single pod), and a
   * named port counts on the ports it resolves to (on the selected pods for ingress, on any pod for egress). DNS (53)
   * and the catch-all columns are left out: they read the same for nearly every pod. Ties go to the lower port.
   */
  private busiestColumn(): number {
    // Who a policy selects and what a port name resolves to are the model's answers, as everywhere else.
    const model = clusterModel(this.cluster);
    const ranges = this.columns.map(columnRange);
    const score = this.columns.map(() => 0);
    for (const p of this.cluster.policies) {
      const mine = model.selectedPods(p);
      if (mine.length === 0) continue;
      for (const r of [...p.ingress, ...p.egress]) {
        for (const spec of r.ports ?? []) {
          const numbers = typeof spec.port === 'string' ? namedPortRanges(r.direction === 'ingress' ? namedOn(mine, spec.port, spec.protocol) : model.namedPortNumbers(spec.port, spec.protocol)) : portsOf(spec);
          ranges.forEach((range, k) => {
            if (range && this.columns[k]!.protocol === spec.protocol && numbers.some(([lo, hi]) => lo <= range[1] && range[0] <= hi)) score[k]! += mine.length;
          });
        }
      }
    }
    let best = 0;
    score.forEach((u, k) => {
      if (u > score[best]!) best = k;
    });
    return best;
  }

  /** The engine's matrix for one column, computed on first use. */
  matrix(col: number): Matrix {
    let m = this.matrices.get(col);
    if (!m) {
      const c = this.columns[col]!;
      m = computeMatrix(this.cluster, { ports: [{ port: c.port, protocol: c.protocol }], ips: this.ips });
      this.matrices.set(col, m);
    }
    return m;
  }

  /**
   * Class × class answers for a column choice: for each (r, s), on how many of the choice's columns some member of r
   * reaches a different member of s (0 to the number of columns), or NA_COUNT for address to address. For r = s the
   * answer is for two distinct members; a class of one member only meets itself, which is always allowed.
   */
  classMatrix(choice: ColumnChoice): Uint16Array {
    const hit = this.classAllowed.get(choice.key);
    if (hit) return hit;
    const K = this.rep.length;
    const out = new Uint16Array(K * K);
    if (choice.columns.length > 1) {
      for (const col of choice.columns) {
        const one = this.classMatrix(this.single(col));
        for (let k = 0; k < one.length; k++) out[k] = one[k] === NA_COUNT ? NA_COUNT : out[k]! + one[k]!;
      }
    } else if (choice.columns.length === 1) this.fillColumn(this.matrix(choice.columns[0]!), out);
    this.classAllowed.set(choice.key, out);
    return out;
  }

  /** The choice of one column alone (its class matrix is cached under the column's own key). */
  private single(col: number): ColumnChoice {
    return this.columnChoices()[col]!;
  }

  private fillColumn(m: Matrix, out: Uint16Array): void {
    const K = this.rep.length;
    const podCount = this.cluster.pods.length;
    for (let r = 0; r < K; r++) {
      const i = this.rep[r]!;
      for (let s = 0; s < K; s++) {
        let j = this.rep[s]!;
        if (r === s) {
          const j2 = this.rep2[s]!;
          if (j2 < 0) {
            out[r * K + s] = i >= podCount ? NA_COUNT : 1;
            continue;
          }
          j = j2;
        }
        const a = m.allowed(0, i, j);
        out[r * K + s] = a === undefined ? NA_COUNT : a ? 1 : 0;
      }
    }
  }

  private readonly groupCache = new Map<Level, { groups: Group[]; members: number[][] }>();

  /** Endpoint groups at a level, ordered by namespace (addresses last). Callers must not change them. */
  groups(level: Level): { groups: Group[]; members: number[][] } {
    let hit = this.groupCache.get(level);
    if (!hit) {
      hit = this.makeGroups(level);
      this.groupCache.set(level, hit);
    }
    return hit;
  }

  private makeGroups(level: Level): { groups: Group[]; members: number[][] } {
    const pods = this.cluster.pods;
    const byId = new Map<string, { group: Group; members: number[] }>();
    const order: string[] = [];
    const add = (id: string, make: () => Group, i: number) => {
      let g = byId.get(id);
      if (!g) {
        g = { group: make(), members: [] };
        byId.set(id, g);
        order.push(id);
      }
      g.members.push(i);
    };
    pods.forEach((pod, i) => {
      const iso = this.podIsolation[i]!;
      if (level === 'namespace') {
        add(`ns:${pod.namespace}`, () => ({ id: `ns:${pod.namespace}`, kind: 'namespace', label: pod.namespace, namespace: pod.namespace, size: 0, ingress: iso.ingress, egress: iso.egress, policies: [] }), i);
      } else if (level === 'workload' && pod.owner) {
        const ref = `${pod.namespace}/${pod.owner.kind}/${pod.owner.name}`;
        add(`w:${ref}`, () => ({ id: `w:${ref}`, kind: 'workload', label: pod.owner!.name, namespace: pod.namespace, size: 0, ref, ingress: iso.ingress, egress: iso.egress, policies: [] }), i);
      } else {
        const ref = `${pod.namespace}/${pod.name}`;
        add(`p:${ref}`, () => ({ id: `p:${ref}`, kind: 'pod', label: pod.name, namespace: pod.namespace, size: 0, ref, ingress: iso.ingress, egress: iso.egress, policies: [] }), i);
      }
    });
    this.ips.forEach((ip, k) => {
      add(`ip:${ip}`, () => ({ id: `ip:${ip}`, kind: 'ip', label: ip, namespace: '', size: 0, ref: ip, ingress: 'outside', egress: 'outside', policies: [] }), pods.length + k);
    });
    const groups: Group[] = [];
    const members: number[][] = [];
    // Pods come sorted by namespace then name; namespace groups keep that order, addresses stay last.
    const sorted = order.slice().sort((a, b) => {
      const ga = byId.get(a)!.group;
      const gb = byId.get(b)!.group;
      if ((ga.kind === 'ip') !== (gb.kind === 'ip')) return ga.kind === 'ip' ? 1 : -1;
      if (ga.kind === 'ip') return 0;
      return ga.namespace < gb.namespace ? -1 : ga.namespace > gb.namespace ? 1 : ga.label < gb.label ? -1 : ga.label > gb.label ? 1 : 0;
    });
    for (const id of sorted) {
      const { group, members: m } = byId.get(id)!;
      group.size = m.length;
      if (group.kind !== 'ip') {
        const pols = new Set<string>();
        for (const i of m) {
          const iso = this.podIsolation[i]!;
          if (iso.ingress !== group.ingress) group.ingress = 'mixed';
          if (iso.egress !== group.egress) group.egress = 'mixed';
          for (const p of iso.policies) pols.add(p);
        }
        group.policies = [...pols].sort();
      }
      groups.push(group);
      members.push(m);
    }
    return { groups, members };
  }

  /**
   * The aggregated matrix: for groups g, h the number of allowed pod pairs out of all pairs, on each column of the
   * choice (so a pair open on 1 of 10 columns counts 1 of 10, and its cell is partial, not allowed).
   */
  view(level: Level, choice: ColumnChoice, keepCounts = true): MatrixView {
    const { groups, members } = this.groups(level);
    const n = groups.length;
    const K = this.rep.length;
    const C = Math.max(1, choice.columns.length);
    const cm = this.classMatrix(choice);
    const comp = members.map((m) => this.composition(m));
    const cells = new Uint8Array(n * n);
    const allowed = keepCounts ? new Uint32Array(n * n) : undefined;
    const pairs = keepCounts ? new Uint32Array(n * n) : undefined;
    const isIp = groups.map((g) => g.kind === 'ip');
    for (let g = 0; g < n; g++) {
      const a = comp[g]!;
      for (let h = 0; h < n; h++) {
        const idx = g * n + h;
        if (isIp[g] && isIp[h]) {
          cells[idx] = CELL_NA;
          continue;
        }
        const b = comp[h]!;
        let yes = 0;
        let total = 0;
        for (let x = 0; x < a.cls.length; x++) {
          const r = a.cls[x]!;
          const nr = a.cnt[x]!;
          const row = r * K;
          for (let y = 0; y < b.cls.length; y++) {
            const s = b.cls[y]!;
            const ns = b.cnt[y]!;
            const open = cm[row + s]!;
            total += nr * ns * C;
            // Inside one group the class's pods pair with themselves (always allowed) and with each other.
            if (r === s && g === h) yes += nr * C + nr * (nr - 1) * open;
            else yes += nr * ns * open;
          }
        }
        cells[idx] = yes === 0 ? CELL_NONE : yes === total ? CELL_ALL : CELL_SOME;
        if (allowed && pairs) {
          allowed[idx] = yes;
          pairs[idx] = total;
        }
      }
    }
    const v: MatrixView = { level, column: choice, groups, cells };
    if (allowed && pairs) {
      v.allowed = allowed;
      v.pairs = pairs;
    }
    if (choice.columns.length > 1 && n <= PORT_SETS_MAX) v.ports = this.openColumns(choice, comp, cells, isIp);
    return v;
  }

  /** A group as (class, count) pairs. */
  private composition(m: readonly number[]): { cls: Int32Array; cnt: Float64Array } {
    const counts = new Map<number, number>();
    for (const i of m) {
      const c = this.classOf[i]!;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    return { cls: Int32Array.from(counts.keys()), cnt: Float64Array.from(counts.values()) };
  }

  /** For a choice of several columns: per cell, the columns on which some pod pair of the cell is allowed. */
  private openColumns(choice: ColumnChoice, comp: { cls: Int32Array }[], cells: Uint8Array, isIp: boolean[]): PortSets {
    const n = comp.length;
    const K = this.rep.length;
    const perColumn = choice.columns.map((col) => this.classMatrix(this.single(col)));
    const labels = this.columnChoices();
    const sets: string[][] = [];
    const index = new Map<string, number>();
    const ofCell = new Uint32Array(n * n);
    for (let g = 0; g < n; g++) {
      for (let h = 0; h < n; h++) {
        const idx = g * n + h;
        if (cells[idx] === CELL_NA || cells[idx] === CELL_NONE || (isIp[g] && isIp[h])) continue;
        const open: string[] = [];
        perColumn.forEach((cm, k) => {
          let any = false;
          for (const r of comp[g]!.cls) for (const s of comp[h]!.cls) if (cm[r * K + s] === 1) any = true;
          if (any) open.push(labels[choice.columns[k]!]!.label);
        });
        const key = open.join(' ');
        let at = index.get(key);
        if (at === undefined) {
          at = sets.length;
          index.set(key, at);
          sets.push(open);
        }
        ofCell[idx] = at;
      }
    }
    return { sets, ofCell, total: choice.columns.length };
  }
}

/** The ports a column stands for; undefined for the catch-all columns and for DNS, which are never the first view. */
function columnRange(c: MatrixColumn): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?\//.exec(c.label);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  return lo === 53 && hi === 53 ? undefined : [lo, hi];
}

/** The port range a numbered `ports` entry names (a port name: see `namedOn`); an entry without a port: none. */
function portsOf(spec: PortSpec): [number, number][] {
  return typeof spec.port === 'number' ? [[spec.port, spec.endPort ?? spec.port]] : [];
}

/** The numbers a container port name resolves to on these pods (the engine's resolution, pod by pod). */
function namedOn(pods: readonly Pod[], name: string, protocol: PortSpec['protocol']): Set<number> {
  const nums = new Set<number>();
  for (const pod of pods) for (const n of resolveNamedPort(pod, name, protocol)) nums.add(n);
  return nums;
}

const namedPortRanges = (nums: ReadonlySet<number>): [number, number][] => [...nums].map((n) => [n, n]);

function isolationOf(cluster: Cluster, pod: Pod): { ingress: Isolation; egress: Isolation; policies: string[] } {
  if (pod.hostNetwork) return { ingress: 'host', egress: 'host', policies: [] };
  const dir = (d: 'ingress' | 'egress'): { iso: Isolation; ids: string[] } => {
    const pols = isolatingPolicies(cluster, pod, d);
    if (pols.length === 0) return { iso: 'open', ids: [] };
    const anyRule = pols.some((p) => (d === 'ingress' ? p.ingress : p.egress).length > 0);
    return { iso: anyRule ? 'restricted' : 'deny', ids: pols.map((p) => p.id) };
  };
  const i = dir('ingress');
  const e = dir('egress');
  return { ingress: i.iso, egress: e.iso, policies: [...new Set([...i.ids, ...e.ids])].sort() };
}

/**
 * The engine's endpoint classes, split by node for pods that share a node with a hostNetwork pod or a probed address
 * (own-node traffic is always allowed, whatever the policies say).
 */
function behaviourClasses(cluster: Cluster, ips: readonly string[]): { classOf: Int32Array; rep: number[]; rep2: number[] } {
  const pods = cluster.pods;
  const engine = endpointClasses(cluster, ips).classOf;
  const nodeKeys = new Set<string>();
  for (const p of pods) {
    if (!p.hostNetwork) continue;
    if (p.nodeName) nodeKeys.add(`n:${p.nodeName}`);
    if (p.hostIP) nodeKeys.add(`ip:${p.hostIP}`);
  }
  for (const ip of ips) nodeKeys.add(`ip:${ip}`);
  const classOf = new Int32Array(pods.length + ips.length);
  const rep: number[] = [];
  const rep2: number[] = [];
  const byKey = new Map<string, number>();
  pods.forEach((pod, i) => {
    const node = [pod.nodeName && nodeKeys.has(`n:${pod.nodeName}`) ? pod.nodeName : '', pod.hostIP && nodeKeys.has(`ip:${pod.hostIP}`) ? pod.hostIP : ''].join('|');
    const key = `${engine[i]}\u0000${node}`;
    let c = byKey.get(key);
    if (c === undefined) {
      c = rep.length;
      byKey.set(key, c);
      rep.push(i);
      rep2.push(-1);
    } else if (rep2[c] === -1) rep2[c] = i;
    classOf[i] = c;
  });
  ips.forEach((_, k) => {
    classOf[pods.length + k] = rep.length;
    rep.push(pods.length + k);
    rep2.push(-1);
  });
  return { classOf, rep, rep2 };
}

/** Cells whose state differs between two views, matched by group ids (groups may come and go). */
export function diffViews(before: MatrixView | undefined, after: MatrixView): { changed: number[]; opened: number; closed: number } {
  if (!before || before.column.key !== after.column.key || before.level !== after.level) return { changed: [], opened: 0, closed: 0 };
  const pos = new Map<string, number>();
  before.groups.forEach((g, k) => pos.set(g.id, k));
  const n0 = before.groups.length;
  const n = after.groups.length;
  const changed: number[] = [];
  let opened = 0;
  let closed = 0;
  for (let g = 0; g < n; g++) {
    const pg = pos.get(after.groups[g]!.id);
    if (pg === undefined) continue;
    for (let h = 0; h < n; h++) {
      const ph = pos.get(after.groups[h]!.id);
      if (ph === undefined) continue;
      const a = before.cells[pg * n0 + ph]!;
      const b = after.cells[g * n + h]!;
      if (a === b) continue;
      changed.push(g * n + h);
      if (rank(b) > rank(a)) opened++;
      else closed++;
    }
  }
  return { changed, opened, closed };
}

const rank = (c: number): number => (c === CELL_ALL ? 2 : c === CELL_SOME ? 1 : 0);

export type { MatrixColumn };
