import type { Core, ElementDefinition, StylesheetJson } from 'cytoscape';
import type { GraphData } from '../view/graph.js';
import { h } from './dom.js';

export interface GraphHandlers {
  /** An edge was chosen: explain source → target. */
  explainEdge(source: string, target: string): void;
  /** A namespace node was chosen: filter to it. */
  focusNamespace(ns: string): void;
}

/** Fill = ingress isolation, border = egress isolation: a wide-open pod stands out in orange, default-deny in slate. */
const STYLE: StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'font-size': 11,
      'font-family': 'system-ui, sans-serif',
      color: '#1f2328',
      'text-valign': 'bottom',
      'text-margin-y': 4,
      'text-wrap': 'ellipsis',
      'text-max-width': '110px',
      width: 26,
      height: 26,
      'background-color': '#ffffff',
      'border-width': 3,
      'border-color': '#8c959f',
    },
  },
  { selector: 'node[ingress = "open"]', style: { 'background-color': '#ffb77c' } },
  { selector: 'node[ingress = "restricted"]', style: { 'background-color': '#8fd19e' } },
  { selector: 'node[ingress = "deny"]', style: { 'background-color': '#57606a' } },
  { selector: 'node[ingress = "mixed"]', style: { 'background-color': '#d4a72c' } },
  { selector: 'node[egress = "open"]', style: { 'border-color': '#bc4c00', 'border-style': 'dashed' } },
  { selector: 'node[egress = "restricted"]', style: { 'border-color': '#1a7f37' } },
  { selector: 'node[egress = "deny"]', style: { 'border-color': '#24292f', 'border-width': 5 } },
  { selector: 'node[kind = "ip"]', style: { shape: 'round-rectangle', 'background-color': '#ddf4ff', 'border-color': '#0969da', 'border-style': 'solid', width: 34, height: 20 } },
  { selector: 'node[kind = "namespace"]', style: { shape: 'round-rectangle', width: 46, height: 32 } },
  {
    selector: ':parent',
    style: {
      label: 'data(label)',
      'text-valign': 'top',
      'text-halign': 'center',
      'font-size': 12,
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
  { selector: 'edge[state = "some"]', style: { 'line-style': 'dashed' } },
  { selector: 'edge[change = "added"]', style: { 'line-color': '#1a7f37', 'target-arrow-color': '#1a7f37', width: 3.5, opacity: 1 } },
  { selector: 'edge[change = "removed"]', style: { 'line-color': '#cf222e', 'target-arrow-color': '#cf222e', width: 3, 'line-style': 'dotted', opacity: 1 } },
  { selector: 'edge:selected', style: { 'line-color': '#0969da', 'target-arrow-color': '#0969da', width: 4, opacity: 1 } },
  { selector: 'node:selected', style: { 'overlay-color': '#0969da', 'overlay-opacity': 0.15 } },
];

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

  constructor(
    private readonly root: HTMLElement,
    private readonly handlers: GraphHandlers,
  ) {}

  async render(data: GraphData): Promise<void> {
    const cytoscape = await loadCytoscape();
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
    this.cy?.destroy();
    this.root.replaceChildren();
    const container = h('div', { class: 'graph-canvas' });
    this.root.append(container);
    const cy = cytoscape({
      container,
      elements,
      style: STYLE,
      minZoom: 0.1,
      maxZoom: 3,
      layout: { name: 'preset' },
    });
    this.cy = cy;
    // The panel changes size (the connection list opens, the window resizes): keep the whole graph in view.
    new ResizeObserver(() => {
      if (this.cy !== cy) return;
      cy.resize();
      cy.fit(undefined, 24);
      if (cy.zoom() > 1.5) {
        cy.zoom(1.5);
        cy.center();
      }
    }).observe(container);
    const layout = cy.layout({
      name: data.nodes.length > 1 ? 'fcose' : 'grid',
      animate: false,
      randomize: true,
      nodeRepulsion: () => 9000,
      idealEdgeLength: () => 90,
      nestingFactor: 0.6,
      packComponents: true,
      nodeDimensionsIncludeLabels: true,
      padding: 24,
    } as never);
    layout.run();
    cy.fit(undefined, 24);
    // A handful of nodes should not be blown up to fill the panel.
    if (cy.zoom() > 1.5) {
      cy.zoom(1.5);
      cy.center();
    }
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

  resize(): void {
    this.cy?.resize();
    this.cy?.fit(undefined, 24);
  }

  /** A PNG of the graph as drawn, for downloads. */
  png(): string | undefined {
    return this.cy?.png({ full: true, scale: 2, bg: '#ffffff' });
  }
}
