import type { Group, Isolation } from './analysis.js';
import type { GraphEdge } from './graph.js';

/**
 * Every marking the graph draws, once: the cytoscape style and the legend are both made from this table, so the legend
 * cannot miss a marking the nodes use. Fill = ingress isolation, border = egress isolation: a wide-open pod stands out
 * in orange, default-deny in slate.
 */
export interface Marking {
  /** What the marking is keyed on: a node's ingress or egress isolation, its kind, an edge's state or change. */
  on: { element: 'node'; field: 'ingress' | 'egress'; value: Isolation } | { element: 'node'; field: 'kind'; value: Group['kind'] | 'nsbox' } | { element: 'edge'; field: 'state'; value: GraphEdge['state'] } | { element: 'edge'; field: 'change'; value: NonNullable<GraphEdge['change']> };
  style: Record<string, string | number>;
  legend: string;
  /** How the legend draws its sample. */
  swatch: 'fill' | 'border' | 'shape' | 'line';
}

export const NODE_BORDER = '#8c959f';

/** Every isolation value a node can carry; the type check below fails when Isolation gains one. */
export const ISOLATIONS = ['open', 'restricted', 'deny', 'mixed', 'host', 'outside'] as const;
type Missing = Exclude<Isolation, (typeof ISOLATIONS)[number]>;
export const isolationsComplete: [Missing] extends [never] ? true : never = true;

export const MARKINGS: readonly Marking[] = [
  { on: { element: 'node', field: 'ingress', value: 'open' }, style: { 'background-color': '#ffb77c' }, legend: 'wide open', swatch: 'fill' },
  { on: { element: 'node', field: 'ingress', value: 'restricted' }, style: { 'background-color': '#8fd19e' }, legend: 'restricted', swatch: 'fill' },
  { on: { element: 'node', field: 'ingress', value: 'deny' }, style: { 'background-color': '#57606a' }, legend: 'default-deny', swatch: 'fill' },
  { on: { element: 'node', field: 'ingress', value: 'mixed' }, style: { 'background-color': '#d4a72c' }, legend: 'differs between its pods', swatch: 'fill' },
  { on: { element: 'node', field: 'ingress', value: 'host' }, style: { 'background-color': '#ffffff' }, legend: 'hostNetwork', swatch: 'fill' },
  { on: { element: 'node', field: 'egress', value: 'open' }, style: { 'border-color': '#bc4c00', 'border-style': 'dashed' }, legend: 'open', swatch: 'border' },
  { on: { element: 'node', field: 'egress', value: 'restricted' }, style: { 'border-color': '#1a7f37' }, legend: 'restricted', swatch: 'border' },
  { on: { element: 'node', field: 'egress', value: 'deny' }, style: { 'border-color': '#24292f', 'border-width': 5 }, legend: 'default-deny', swatch: 'border' },
  { on: { element: 'node', field: 'egress', value: 'mixed' }, style: { 'border-color': '#9a6700', 'border-style': 'dotted' }, legend: 'differs between its pods', swatch: 'border' },
  { on: { element: 'node', field: 'egress', value: 'host' }, style: { 'border-color': NODE_BORDER }, legend: 'hostNetwork', swatch: 'border' },
  { on: { element: 'node', field: 'kind', value: 'pod' }, style: { shape: 'ellipse' }, legend: 'pod', swatch: 'shape' },
  { on: { element: 'node', field: 'kind', value: 'workload' }, style: { shape: 'ellipse' }, legend: 'workload', swatch: 'shape' },
  { on: { element: 'node', field: 'kind', value: 'ip' }, style: { shape: 'round-rectangle', 'background-color': '#ddf4ff', 'border-color': '#0969da', 'border-style': 'solid', width: 34, height: 20 }, legend: 'outside address', swatch: 'shape' },
  { on: { element: 'node', field: 'kind', value: 'namespace' }, style: { shape: 'round-rectangle', width: 46, height: 32 }, legend: 'namespace', swatch: 'shape' },
  { on: { element: 'node', field: 'kind', value: 'nsbox' }, style: {}, legend: 'namespace box', swatch: 'shape' },
  { on: { element: 'edge', field: 'state', value: 'all' }, style: {}, legend: 'allowed', swatch: 'line' },
  { on: { element: 'edge', field: 'state', value: 'some' }, style: { 'line-style': 'dashed' }, legend: 'some pods or ports', swatch: 'line' },
  { on: { element: 'edge', field: 'change', value: 'added' }, style: { 'line-color': '#1a7f37', 'target-arrow-color': '#1a7f37', width: 3.5, opacity: 1 }, legend: 'opened by the edit', swatch: 'line' },
  { on: { element: 'edge', field: 'change', value: 'removed' }, style: { 'line-color': '#cf222e', 'target-arrow-color': '#cf222e', width: 3, 'line-style': 'dotted', opacity: 1 }, legend: 'closed by the edit', swatch: 'line' },
];

export function selectorOf(m: Marking): string {
  return `${m.on.element}[${m.on.field} = "${m.on.value}"]`;
}

/** The markings a node carries: one per field it has a value for. */
export function markingsOf(node: { kind: string; ingress: Isolation; egress: Isolation }): Marking[] {
  return MARKINGS.filter((m) => m.on.element === 'node' && (m.on.field === 'kind' ? node.kind === m.on.value : node[m.on.field] === m.on.value));
}
