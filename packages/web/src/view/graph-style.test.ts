import { buildCluster, loadSources } from '@kordon/engine';
import { generate, toYamlFiles } from '@kordon/bench';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Analysis, type Level } from './analysis.js';
import { graphOf } from './graph.js';
import { ISOLATIONS, MARKINGS, markingsOf, selectorOf } from './graph-style.js';

const demo = readFileSync(new URL('../../demo/online-shop.yaml', import.meta.url), 'utf8');

describe('the graph legend', () => {
  it('has a marking for every isolation in each direction, every node kind and every edge state', () => {
    for (const field of ['ingress', 'egress'] as const) {
      for (const value of ISOLATIONS) {
        // Outside addresses carry `outside`: their marking is their kind (a blue box), not a fill or border.
        if (value === 'outside') continue;
        expect(MARKINGS.filter((m) => m.on.field === field && m.on.value === value), `${field} ${value}`).toHaveLength(1);
      }
    }
    for (const kind of ['pod', 'workload', 'namespace', 'ip', 'nsbox']) expect(MARKINGS.some((m) => m.on.field === 'kind' && m.on.value === kind), kind).toBe(true);
    for (const v of ['all', 'some']) expect(MARKINGS.some((m) => m.on.field === 'state' && m.on.value === v)).toBe(true);
    for (const v of ['added', 'removed']) expect(MARKINGS.some((m) => m.on.field === 'change' && m.on.value === v)).toBe(true);
    expect(new Set(MARKINGS.map(selectorOf)).size).toBe(MARKINGS.length);
  });

  it('explains the shape, fill and border of every node drawn, at every level', () => {
    const clusters = [
      buildCluster(loadSources([{ name: 'shop.yaml', text: demo }]).objects).cluster,
      ...(['realistic', 'kano'] as const).map((preset) => {
        const g = generate({ preset, pods: 300, workloads: true });
        return buildCluster(loadSources(toYamlFiles(g.objects).map((f) => ({ name: f.path, text: f.text }))).objects).cluster;
      }),
    ];
    const seen = new Set<string>();
    for (const cluster of clusters) {
      const a = new Analysis(cluster);
      for (const level of ['pod', 'workload', 'namespace'] as Level[]) {
        const g = graphOf(a.view(level, a.choice(undefined), false), { namespaces: [], direction: 'both' });
        for (const n of g.nodes) {
          const fields = new Set(markingsOf(n).map((m) => m.on.field));
          const want = n.kind === 'ip' ? ['kind'] : ['kind', 'ingress', 'egress'];
          expect([...fields].sort(), `${n.id} ${n.kind} ${n.ingress} ${n.egress}`).toEqual(want.sort());
          for (const m of markingsOf(n)) seen.add(selectorOf(m));
        }
      }
    }
    // Generated clusters do use mixed groups; the legend says what they look like.
    expect(seen).toContain('node[ingress = "mixed"]');
  });
});
