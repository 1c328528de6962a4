import { buildCluster, loadSources } from '@kordon/engine';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Analysis } from './analysis.js';
import { graphOf } from './graph.js';

const demo = readFileSync(new URL('../../demo/online-shop.yaml', import.meta.url), 'utf8');
const view = (level: 'pod' | 'namespace', port: string) => {
  const a = new Analysis(buildCluster(loadSources([{ name: 'shop.yaml', text: demo }]).objects).cluster);
  return a.view(level, a.choice(port));
};

describe('graphOf', () => {
  it('draws an edge per allowed pair, pods inside their namespace, addresses outside any', () => {
    const g = graphOf(view('pod', '8080/TCP'), { namespaces: [], direction: 'both' });
    expect(g.edges.map((e) => e.id)).toContain('p:shop/frontend->p:shop/api');
    expect(g.edges.map((e) => e.id)).not.toContain('p:shop/frontend->p:shop/db');
    expect(g.nodes.find((n) => n.id === 'p:shop/api')).toMatchObject({ parent: 'nsbox:shop', ingress: 'restricted', egress: 'restricted' });
    expect(g.nodes.find((n) => n.id === 'p:legacy/batch')).toMatchObject({ ingress: 'open', egress: 'open' });
    expect(g.nodes.find((n) => n.kind === 'ip')?.parent).toBeUndefined();
    expect(g.namespaces.map((n) => n.label).sort()).toEqual(['kube-system', 'legacy', 'monitoring', 'shop']);
  });

  it('filters by namespace and direction', () => {
    const v = view('pod', '8080/TCP');
    const out = graphOf(v, { namespaces: ['shop'], direction: 'out' });
    expect(out.edges.length).toBeGreaterThan(0);
    expect(out.edges.every((e) => e.source.startsWith('p:shop/'))).toBe(true);
    const into = graphOf(v, { namespaces: ['shop'], direction: 'in' });
    expect(into.edges.every((e) => e.target.startsWith('p:shop/'))).toBe(true);
    expect(into.edges.map((e) => e.id)).toContain('p:monitoring/prometheus->p:shop/api');
    // Other namespaces appear only through their connections.
    expect(into.nodes.some((n) => n.id === 'p:legacy/batch')).toBe(false);
  });

  it('caps the edges it draws and says how many it left out', () => {
    const g = graphOf(view('pod', '80/TCP'), { namespaces: [], direction: 'both', maxEdges: 3 });
    expect(g.edges).toHaveLength(3);
    expect(g.hiddenEdges).toBeGreaterThan(0);
  });
});
