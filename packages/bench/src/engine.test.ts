import { buildCluster, loadSources, validateNetworkPolicy, validateObject } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { generate, toJsonList, toYamlFiles } from './generate.js';
import { PRESET_NAMES, type PresetName, type SizeParams } from './presets.js';

// The engine's own API-server validation is the second opinion on the generator's output.

const SMALL: Record<PresetName, SizeParams> = {
  realistic: { pods: 400, policies: 300, namespaces: 6 },
  'realistic-diverse': { pods: 400, policies: 300, namespaces: 6 },
  kano: { pods: 100, policies: 50 },
  'antrea-small-ns': { pods: 40 },
  'antrea-large-ns': { namespaces: 1 },
  'antrea-one-ns': { pods: 50 },
  'antrea-netpol-per-pod': { pods: 50 },
  'antrea-cluster-scoped': { namespaces: 2 },
  'cilium-1000': { pods: 250, policies: 12 },
  cyclonus: { policies: 40 },
};

// Warnings count too: generated input should be clean, not merely accepted.
const errorsOf = (ds: readonly { severity: string; code: string; message: string }[]) => ds.filter((d) => d.severity !== 'info').map((d) => `${d.severity} ${d.code}: ${d.message}`);

describe('generated clusters pass the engine', () => {
  it('every NetworkPolicy of a realistic cluster validates with zero errors or warnings (YAML files, as a user would write them)', () => {
    const g = generate({ preset: 'realistic', pods: 150, policies: 300, namespaces: 4, seed: 3, workloads: true });
    const loaded = loadSources(toYamlFiles(g.objects).map((f) => ({ name: f.path, text: f.text })));
    expect(errorsOf(loaded.diagnostics)).toEqual([]);
    const policies = loaded.objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies).toHaveLength(300);
    for (const np of policies) expect(errorsOf(validateNetworkPolicy(np)), `${np.namespace}/${np.name}`).toEqual([]);
    for (const o of loaded.objects) expect(errorsOf(validateObject(o)), `${o.kind} ${o.namespace}/${o.name}`).toEqual([]);
  });

  it('cluster policies: every one validates and is kept, in both tiers with every action, and the rest of the cluster is unchanged', () => {
    const without = generate({ preset: 'realistic', pods: 600, policies: 120, seed: 5 });
    const g = generate({ preset: 'realistic', pods: 600, policies: 120, seed: 5, clusterPolicies: 80 });
    expect(g.counts.clusterPolicies).toBe(80);
    expect(g.objects.slice(0, without.objects.length)).toEqual(without.objects);
    const cnps = g.objects.slice(without.objects.length);
    expect(cnps.every((o) => o.kind === 'ClusterNetworkPolicy')).toBe(true);
    const loaded = loadSources([{ name: 'cnp.json', text: toJsonList(g.objects) }]);
    const built = buildCluster(loaded.objects);
    expect(errorsOf([...loaded.diagnostics, ...built.diagnostics])).toEqual([]);
    expect(built.cluster.rejectedClusterPolicies).toEqual([]);
    expect(built.cluster.clusterPolicies).toHaveLength(80);
    const rules = built.cluster.clusterPolicies.flatMap((p) => [...p.ingress, ...p.egress].map((r) => `${p.tier} ${r.action}`));
    expect(new Set(rules)).toEqual(new Set(['Admin Accept', 'Admin Deny', 'Admin Pass', 'Baseline Accept', 'Baseline Deny']));
  });

  it.each(PRESET_NAMES)('%s: the engine loads and builds it with no errors or warnings, every policy kept, every pod with its IP', (preset) => {
    const g = generate({ preset, ...SMALL[preset], workloads: true });
    const loaded = loadSources([{ name: `${preset}.json`, text: toJsonList(g.objects) }]);
    const built = buildCluster(loaded.objects);
    expect(errorsOf([...loaded.diagnostics, ...built.diagnostics])).toEqual([]);
    expect(built.cluster.rejectedPolicies).toEqual([]);
    expect(built.cluster.policies).toHaveLength(g.counts.policies);
    expect(built.cluster.pods).toHaveLength(g.counts.pods);
    expect(built.cluster.namespaces).toHaveLength(g.counts.namespaces);
    for (const p of built.cluster.pods) expect(p.ips).toHaveLength(1);
  });
});
