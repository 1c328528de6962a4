// The lint model's indexes answer as the plain definitions they stand for, on every example scenario.
import { describe, expect, it } from 'vitest';
import { isolatingPolicies, selectorMatches } from '@kordon/engine';
import { scenario, scenarioDirs } from '../__fixtures__/support.js';
import { lintModel } from './model.js';

describe('lint model indexes', () => {
  const dirs = scenarioDirs();
  it('has example scenarios to read', () => expect(dirs.length).toBeGreaterThan(10));
  it.each(dirs)('%s: isolating policies per pod and Service pods as the plain scans find them', (dir) => {
    const { cluster } = scenario(dir);
    const m = lintModel(cluster);
    for (const pod of cluster.pods) for (const d of ['ingress', 'egress'] as const) expect(m.isolating(pod, d).map((p) => p.id)).toEqual(isolatingPolicies(cluster, pod, d).map((p) => p.id));
    for (const svc of cluster.services) {
      const sel = { matchLabels: svc.selector ?? {}, matchExpressions: [] };
      const plain = svc.selector ? cluster.pods.filter((p) => p.namespace === svc.namespace && selectorMatches(sel, p.labels)) : [];
      expect(m.servicePods(svc)).toEqual(plain);
    }
  });
});
