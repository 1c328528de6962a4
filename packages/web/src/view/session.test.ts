import { buildCluster, computeMatrix, loadSources, type Cluster } from '@kordon/engine';
import { generate, toYamlFiles } from '@kordon/bench';
import { describe, expect, it } from 'vitest';
import { Session } from './session.js';

const rows = (c: Cluster): string[] => {
  const m = computeMatrix(c);
  const out: string[] = [];
  for (let col = 0; col < m.columns.length; col++) for (let i = 0; i < m.endpoints.length; i++) out.push(`${m.columns[col]!.label} ${m.endpoints[i]} ${m.row(col, i)}`);
  return out;
};

const policyIds = (c: Cluster) => c.policies.map((p) => `${p.id} ${JSON.stringify({ ...p, locate: undefined, source: undefined })}`);

describe('Session', () => {
  const g = generate({ preset: 'realistic', pods: 200, workloads: true });
  const files = toYamlFiles(g.objects).map((f) => ({ name: f.path, text: f.text }));
  const policyFiles = files.filter((f) => f.name.startsWith('networkpolicies/'));

  it('builds what buildCluster builds, after policy-only edits too (incrementally)', () => {
    const s = new Session();
    s.setFiles(files);
    const first = s.evaluate();
    expect(first.incremental).toBe(false);
    const edited = files.map((f) => (f === policyFiles[0] ? { ...f, text: f.text.replace(/port: (\d+)/g, 'port: 1$1') } : f));
    const removed = policyFiles[1]!.name;
    s.setFile(policyFiles[0]!.name, edited.find((f) => f.name === policyFiles[0]!.name)!.text);
    s.removeFile(removed);
    const added = { name: 'extra.yaml', text: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: deny-all-extra, namespace: ' + first.cluster.namespaces[1]!.name + ' }\nspec: { podSelector: {} }\n' };
    s.setFile(added.name, added.text);
    const ev = s.evaluate();
    expect(ev.incremental).toBe(true);
    const want = buildCluster(loadSources([...edited.filter((f) => f.name !== removed), added]).objects).cluster;
    expect(policyIds(ev.cluster)).toEqual(policyIds(want));
    expect(ev.cluster.pods).toHaveLength(want.pods.length);
    expect(rows(ev.cluster)).toEqual(rows(want));
  });

  it('rebuilds from scratch when an edit touches other kinds, or a policy moves to a new namespace', () => {
    const s = new Session();
    s.setFiles(files);
    s.evaluate();
    const pod = files.find((f) => f.name.startsWith('pods/'))!;
    s.setFile(pod.name, pod.text.replace(/labels:/, 'labels:\n    extra: "yes"'));
    expect(s.evaluate().incremental).toBe(false);
    const pol = policyFiles[0]!;
    s.setFile(pol.name, pol.text.replace(/namespace: .*/, 'namespace: brand-new'));
    const ev = s.evaluate();
    expect(ev.incremental).toBe(false);
    expect(ev.cluster.namespaces.some((n) => n.name === 'brand-new')).toBe(true);
  });

  it('keeps invalid policies out and counts them as rejected, as buildCluster does', () => {
    const s = new Session();
    s.setFiles(files);
    s.evaluate();
    const pol = policyFiles[0]!;
    s.setFile(pol.name, pol.text.replace(/port: (\d+)/, 'port: 99999'));
    const ev = s.evaluate();
    const want = buildCluster(loadSources(files.map((f) => (f.name === pol.name ? { ...f, text: f.text.replace(/port: (\d+)/, 'port: 99999') } : f))).objects);
    expect(ev.cluster.rejectedPolicies.map((r) => `${r.namespace}/${r.name}`)).toEqual(want.cluster.rejectedPolicies.map((r) => `${r.namespace}/${r.name}`));
    expect(ev.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line}`)).toEqual(want.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line}`));
  });
});
