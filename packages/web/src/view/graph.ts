import { CELL_ALL, CELL_NA, CELL_NONE, type Group, type Isolation, type MatrixView } from './analysis.js';

export type DirectionFilter = 'both' | 'out' | 'in';

export interface GraphNode {
  id: string;
  label: string;
  /** The namespace compound node, absent for outside addresses. */
  parent?: string;
  kind: Group['kind'];
  size: number;
  ingress: Isolation;
  egress: Isolation;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** Every pod pair allowed, or only some. */
  state: 'all' | 'some';
  /** Added or removed by the last edit. */
  change?: 'added' | 'removed';
}

export interface GraphData {
  namespaces: { id: string; label: string }[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Edges left out because the graph would be unreadable; the page says so. */
  hiddenEdges: number;
}

export interface GraphFilter {
  /** Only edges touching these namespaces (empty: all). */
  namespaces: readonly string[];
  direction: DirectionFilter;
  maxEdges?: number;
}

/** Graph elements of a matrix view: groups as nodes inside their namespace, allowed pairs between groups as edges. */
export function graphOf(view: MatrixView, filter: GraphFilter, previous?: MatrixView): GraphData {
  const n = view.groups.length;
  const nsSet = new Set(filter.namespaces);
  const inFilter = (g: Group) => nsSet.size === 0 || nsSet.has(g.namespace);
  const edgeWanted = (src: Group, dst: Group): boolean => {
    if (nsSet.size === 0) return true;
    if (filter.direction === 'out') return inFilter(src);
    if (filter.direction === 'in') return inFilter(dst);
    return inFilter(src) || inFilter(dst);
  };
  const maxEdges = filter.maxEdges ?? 2500;
  const edges: GraphEdge[] = [];
  let hidden = 0;
  const used = new Set<number>();
  for (let g = 0; g < n; g++) {
    const src = view.groups[g]!;
    for (let h = 0; h < n; h++) {
      if (g === h) continue;
      const c = view.cells[g * n + h]!;
      if (c === CELL_NONE || c === CELL_NA) continue;
      const dst = view.groups[h]!;
      if (!edgeWanted(src, dst)) continue;
      if (edges.length >= maxEdges) {
        hidden++;
        continue;
      }
      edges.push({ id: `${src.id}->${dst.id}`, source: src.id, target: dst.id, state: c === CELL_ALL ? 'all' : 'some' });
      used.add(g);
      used.add(h);
    }
  }
  if (previous && previous.level === view.level && previous.column.key === view.column.key) markChanges(view, previous, edges, edgeWanted);
  const nodes: GraphNode[] = [];
  const namespaces = new Map<string, { id: string; label: string }>();
  view.groups.forEach((g, k) => {
    // With a namespace filter, other namespaces appear only through their connections.
    if (!inFilter(g) && !used.has(k) && g.kind !== 'ip') return;
    if (nsSet.size > 0 && g.kind === 'ip' && !used.has(k)) return;
    const node: GraphNode = { id: g.id, label: g.kind === 'namespace' ? `${g.label} (${g.size})` : g.label, kind: g.kind, size: g.size, ingress: g.ingress, egress: g.egress };
    if (g.kind !== 'ip' && g.kind !== 'namespace') {
      node.parent = `nsbox:${g.namespace}`;
      if (!namespaces.has(g.namespace)) namespaces.set(g.namespace, { id: `nsbox:${g.namespace}`, label: g.namespace });
    }
    nodes.push(node);
  });
  return { namespaces: [...namespaces.values()], nodes, edges, hiddenEdges: hidden };
}

function markChanges(view: MatrixView, previous: MatrixView, edges: GraphEdge[], wanted: (a: Group, b: Group) => boolean): void {
  const n0 = previous.groups.length;
  const n = view.groups.length;
  // Index maps both ways, so that cells compare by number, not by id strings.
  const ids = new Map<string, number>();
  view.groups.forEach((g, k) => ids.set(g.id, k));
  const toNew = previous.groups.map((g) => ids.get(g.id) ?? -1);
  const before = new Map<string, number>();
  previous.groups.forEach((g, k) => before.set(g.id, k));
  for (const e of edges) {
    const a = before.get(e.source);
    const b = before.get(e.target);
    if (a === undefined || b === undefined) continue;
    if (previous.cells[a * n0 + b] === CELL_NONE) e.change = 'added';
  }
  // Edges that vanished stay drawn, marked, so the reader sees what the edit closed.
  for (let a = 0; a < n0; a++) {
    const na = toNew[a]!;
    if (na < 0) continue;
    for (let b = 0; b < n0; b++) {
      if (a === b) continue;
      const c = previous.cells[a * n0 + b]!;
      if (c === CELL_NONE || c === CELL_NA) continue;
      const nb = toNew[b]!;
      if (nb < 0 || view.cells[na * n + nb] !== CELL_NONE) continue;
      const src = view.groups[na]!;
      const dst = view.groups[nb]!;
      if (!wanted(src, dst)) continue;
      edges.push({ id: `${src.id}->${dst.id}`, source: src.id, target: dst.id, state: c === CELL_ALL ? 'all' : 'some', change: 'removed' });
    }
  }
}
