import type { Core, ElementDefinition, StylesheetJson } from 'cytoscape';
import type { GraphData, GraphNode } from '../view/graph.js';
import { MARKINGS, NODE_BORDER, selectorOf } from '../view/graph-style.js';
import { h } from './dom.js';

export interface GraphHandlers {
  /** An edge was chosen: explain source → target. */
  explainEdge(source: string, target: string): void;
  /** A namespace node was chosen: filter to it. */
  focusNamespace(ns: string): void;
}

/** Labels are drawn this large on screen at the first view. */
export const LABEL_PX = 12;

/**
 * The first view never zooms out further than this to fit: below, labels scaled up to LABEL_PX would crowd each other
 * (the layout spaced the nodes for labels of LABEL_PX), and labels left small could not be read.
 */
const MIN_ZOOM = 0.7;

const BASE: StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'font-size': LABEL_PX,
      'font-family': 'system-ui, sans-serif',
      color: '#1f2328',
      'text-valign': 'bottom',
      'text-margin-y': 4,
      'text-wrap': 'ellipsis',
      'text-max-width': '120px',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.8,
      'text-background-padding': '1px',
      width: 26,
      height: 26,
      'background-color': '#ffffff',
      'border-width': 3,
      'border-color': NODE_BORDER,
    },
  },
];

const AFTER: StylesheetJson = [
  {
    selector: ':parent',
    style: {
      label: 'data(label)',
      'text-valign': 'top',
      'text-halign': 'center',
      'font-size': LABEL_PX + 1,
      'font-weight': 'bold',
      color: '#24292f',
      'background-color': '#f6f8fa',
      'background-opacity': 1,
      'border-width': 1,
      'border-color': '#afb8c1',
      'border-style': 'solid',
      shape: 'round-rectangle',
      padding: '14px',
    },
  },
  {
    selector: 'edge',
    style: {
      width: 1.6,
      'line-color': '#6e7781',
      'target-arrow-color': '#6e7781',
      'target-arrow-shape': 'triangle',
      'arrow-scale': 0.9,
      'curve-style': 'bezier',
      opacity: 0.75,
    },
  },
  ...MARKINGS.filter((m) => m.on.element === 'edge').map((m) => ({ selector: selectorOf(m), style: m.style })),
  { selector: 'edge:selected', style: { 'line-color': '#0969da', 'target-arrow-color': '#0969da', width: 4, opacity: 1 } },
  { selector: 'node:selected', style: { 'overlay-color': '#0969da', 'overlay-opacity': 0.25, 'overlay-padding': 6 } },
];

const STYLE: StylesheetJson = [...BASE, ...MARKINGS.filter((m) => m.on.element === 'node').map((m) => ({ selector: selectorOf(m), style: m.style })), ...AFTER];

const GROUPS: { title: string; of: (m: (typeof MARKINGS)[number]) => boolean }[] = [
  { title: 'Fill, ingress:', of: (m) => m.on.field === 'ingress' },
  { title: 'Border, egress:', of: (m) => m.on.field === 'egress' },
  { title: 'Shapes:', of: (m) => m.on.field === 'kind' },
  { title: 'Lines:', of: (m) => m.on.element === 'edge' },
];

/** The legend, from the same table as the style: per group of markings, a sample and the words for each. */
export function renderLegend(root: HTMLElement): void {
  root.replaceChildren(
    ...GROUPS.map((g) =>
      h(
        'div',
        { class: 'legend-group', role: 'listitem' },
        h('span', { class: 'legend-title' }, g.title),
        ...MARKINGS.filter(g.of).map((m) => h('span', { class: 'legend-item', 'data-marking': selectorOf(m) }, h('i', { class: `swatch ${m.swatch}`, style: swatchStyle(m), 'aria-hidden': 'true' }), m.legend)),
      ),
    ),
  );
}

function swatchStyle(m: (typeof MARKINGS)[number]): string {
  const st = m.style;
  if (m.swatch === 'fill') return `background:${st['background-color']};border:2px solid ${NODE_BORDER};border-radius:50%`;
  if (m.swatch === 'border') return `border:${Math.min(Number(st['border-width'] ?? 2), 4)}px ${st['border-style'] ?? 'solid'} ${st['border-color']};border-radius:50%`;
  if (m.swatch === 'line') return `border-top:${Math.min(Number(st['width'] ?? 2), 3)}px ${st['line-style'] ?? 'solid'} ${st['line-color'] ?? '#6e7781'}`;
  if (m.on.value === 'nsbox') return 'background:#f6f8fa;border:1px solid #afb8c1;width:20px;border-radius:3px';
  return `background:${st['background-color'] ?? '#fff'};border:2px solid ${st['border-color'] ?? NODE_BORDER};border-radius:${st['shape'] === 'ellipse' ? '50%' : '3px'}`;
}

type Cytoscape = typeof import('cytoscape');

let loading: Promise<Cytoscape> | undefined;

/** cytoscape and its layout load with the graph tab, not with the page. */
function loadCytoscape(): Promise<Cytoscape> {
  loading ??= (async () => {
    const [{ default: cytoscape }, { default: fcose }] = await Promise.all([import('cytoscape'), import('cytoscape-fcose')]);
    cytoscape.use(fcose as never);
    return cytoscape as unknown as Cytoscape;
  })();
  return loading;
}

export class GraphPanel {
  private cy: Core | undefined;
  private lastKey = '';
  private data: GraphData | undefined;
  /** The node the keyboard is on (index into the nodes in reading order). */
  private cursor = -1;
  private readonly hint = h('p', { class: 'graph-hint', hidden: true }, 'Larger than the panel at a readable size: drag to pan, scroll to zoom, or filter by namespace.');

  constructor(
    private readonly root: HTMLElement,
    private readonly handlers: GraphHandlers,
    private readonly status: HTMLElement,
  ) {
    root.addEventListener('keydown', (e) => this.onKey(e));
    root.append(this.hint);
  }

  async render(data: GraphData): Promise<void> {
    const cytoscape = await loadCytoscape();
    this.data = data;
    const elements: ElementDefinition[] = [
      ...data.namespaces.map((n) => ({ group: 'nodes' as const, data: { id: n.id, label: n.label, kind: 'nsbox' } })),
      ...data.nodes.map((n) => ({ group: 'nodes' as const, data: { ...n } })),
      ...data.edges.map((e) => ({ group: 'edges' as const, data: { ...e } })),
    ];
    // Same nodes as before: keep positions, swap edges (an edit should not reshuffle the picture).
    const key = [...data.namespaces.map((n) => n.id), ...data.nodes.map((n) => n.id)].join('|');
    if (this.cy && key === this.lastKey) {
      this.cy.batch(() => {
        this.cy!.edges().remove();
        this.cy!.add(elements.filter((e) => e.group === 'edges'));
        for (const n of data.nodes) this.cy!.getElementById(n.id).data({ ...n });
      });
      return;
    }
    this.lastKey = key;
    this.cursor = -1;
    this.cy?.destroy();
    this.root.querySelector('.graph-canvas')?.remove();
    const container = h('div', { class: 'graph-canvas' });
    this.root.prepend(container);
    const cy = cytoscape({ container, elements, style: STYLE, minZoom: 0.1, maxZoom: 3, layout: { name: 'preset' } });
    this.cy = cy;
    // The panel changes size (the connection list opens, the window resizes): keep the whole graph in view.
    new ResizeObserver(() => {
      if (this.cy === cy) this.fit();
    }).observe(container);
    this.layout(data);
    cy.on('zoom', () => this.noteLabelSize());
    cy.on('tap', 'edge', (e) => {
      const d = e.target.data() as { source: string; target: string };
      this.handlers.explainEdge(d.source, d.target);
    });
    cy.on('tap', 'node', (e) => {
      const d = e.target.data() as { id: string; kind?: string; label: string };
      if (d.kind === 'nsbox') this.handlers.focusNamespace(d.label);
      else if (d.kind === 'namespace') this.handlers.focusNamespace(d.id.slice(3));
    });
  }

  private layout(data: GraphData): void {
    this.cy!
      .layout({
        name: data.nodes.length > 1 ? 'fcose' : 'grid',
        animate: false,
        randomize: true,
        nodeRepulsion: () => 9000,
        idealEdgeLength: () => 90,
        nestingFactor: 0.6,
        packComponents: true,
        nodeDimensionsIncludeLabels: true,
        padding: 24,
      } as never)
      .run();
    this.fit();
  }

  /**
   * The whole graph when its labels stay readable (LABEL_PX on screen); otherwise a readable part of it, centred, with
   * a hint to pan and zoom: a picture of every pod with 5-pixel names helps nobody.
   */
  private fit(): void {
    const cy = this.cy;
    if (!cy) return;
    cy.resize();
    cy.fit(undefined, 24);
    const z = cy.zoom();
    if (z > 1.5) {
      // A handful of nodes should not be blown up to fill the panel.
      cy.zoom(1.5);
      cy.center();
    } else if (z < MIN_ZOOM) {
      // Start where most pods are: the largest namespace box (or the node with most connections when there are none).
      cy.zoom(MIN_ZOOM);
      const boxes = cy.nodes(':parent');
      const start = boxes.length > 0 ? boxes.max((n) => n.children().length).ele : cy.nodes().max((n) => n.degree(false)).ele;
      cy.center(start);
    }
    this.hint.hidden = z >= MIN_ZOOM;
    // Between MIN_ZOOM and 1 the labels are made larger in the graph, so that they come out at LABEL_PX on screen.
    const scale = 1 / Math.min(1, cy.zoom());
    cy.batch(() => {
      cy.nodes().not(':parent').style({ 'font-size': LABEL_PX * scale, 'text-max-width': `${120 * scale}px` });
      cy.nodes(':parent').style({ 'font-size': (LABEL_PX + 1) * scale });
    });
    this.noteLabelSize();
  }

  /** The smallest label on screen, in pixels (read by the browser tests). */
  private noteLabelSize(): void {
    const cy = this.cy!;
    let smallest = Infinity;
    cy.nodes().forEach((n) => {
      if (n.data('label')) smallest = Math.min(smallest, n.numericStyle('font-size') * cy.zoom());
    });
    this.root.dataset['labelPx'] = Number.isFinite(smallest) ? smallest.toFixed(1) : '';
  }

  /** Arrow keys walk the nodes in reading order (namespace, then name); Enter on a namespace filters to it. */
  private onKey(e: KeyboardEvent): void {
    const cy = this.cy;
    const nodes = this.order();
    if (!cy || nodes.length === 0) return;
    let k = this.cursor;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') k = Math.min(nodes.length - 1, k + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') k = Math.max(0, k - 1);
    else if (e.key === 'Home') k = 0;
    else if (e.key === 'End') k = nodes.length - 1;
    else if (e.key === 'Enter' && k >= 0) {
      const n = nodes[k]!;
      if (n.kind === 'namespace') this.handlers.focusNamespace(n.id.slice(3));
      else if (n.parent) this.handlers.focusNamespace(n.parent.slice('nsbox:'.length));
      e.preventDefault();
      return;
    } else return;
    e.preventDefault();
    this.cursor = k;
    const n = nodes[k]!;
    cy.elements().unselect();
    const el = cy.getElementById(n.id);
    el.select();
    el.connectedEdges().select();
    this.root.dataset['current'] = n.id;
    this.status.textContent = this.describe(n);
  }

  private order(): GraphNode[] {
    return [...(this.data?.nodes ?? [])].sort((a, b) => (a.parent ?? '~').localeCompare(b.parent ?? '~') || a.label.localeCompare(b.label));
  }

  /** What the keyboard reads on a node: its name, its isolation, and whom it reaches and is reached by. */
  private describe(n: GraphNode): string {
    const edges = this.data?.edges ?? [];
    const name = (id: string) => id.replace(/^(p|w|ns|ip):/, '');
    const out = edges.filter((e) => e.source === n.id && e.change !== 'removed').map((e) => name(e.target));
    const inc = edges.filter((e) => e.target === n.id && e.change !== 'removed').map((e) => name(e.source));
    const list = (xs: string[]) => (xs.length === 0 ? 'none' : xs.length > 8 ? `${xs.slice(0, 8).join(', ')} and ${xs.length - 8} more` : xs.join(', '));
    const iso = n.kind === 'ip' ? 'an address outside the cluster' : `ingress ${n.ingress}, egress ${n.egress}`;
    return `${name(n.id)}: ${iso}. Reaches ${list(out)}. Reached by ${list(inc)}.`;
  }

  resize(): void {
    this.fit();
  }

  /** A PNG of the graph as drawn, for downloads. */
  png(): string | undefined {
    return this.cy?.png({ full: true, scale: 2, bg: '#ffffff' });
  }
}
