// updateCluster against buildCluster: random clusters (some with a workload, whose pods then depend on it), then random
// batches of pod changes as an agent's informers deliver them (pods added, replaced or deleted, some owned through a
// ReplicaSet, some finished, some in undeclared namespaces or failing validation). After each batch the update, or
// the full build it asks for, must be exactly the build of the objects held, cluster and diagnostics.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clusterArb, manifestsOf } from '../conformance/__fixtures__/random-cluster.js';
import { loadSource, type LoadedObject } from '../load/load.js';
import { BuildCache, buildCluster, type BuildResult } from './build.js';
import { updateCluster, type ObjectChange } from './update.js';

type Obj = Record<string, unknown>;

const keyOf = (o: Obj): string => {
  const m = o['metadata'] as Obj;
  return `${String(o['kind'])}/${String(m['namespace'] ?? '')}/${String(m['name'])}`;
};
const load = (o: Obj): LoadedObject => loadSource({ name: `cluster:${keyOf(o)}`, text: JSON.stringify(o) }).objects[0]!;

/**
 * Some pods made by a Deployment's ReplicaSet (the pod-template-hash names it), some the cluster's DNS, some with a
 * field the schema refuses.
 */
function varied(objects: Obj[], salt: number): Obj[] {
  return objects.map((o, i) => {
    if (o['kind'] !== 'Pod') return o;
    const meta = o['metadata'] as Obj;
    if ((i + salt) % 3 === 0) {
      const labels = { ...(meta['labels'] as Obj), 'pod-template-hash': 'abc12' };
      return { ...o, metadata: { ...meta, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc12', uid: 'u1', controller: true }] } };
    }
    if ((i + salt) % 7 === 3) return { ...o, metadata: { ...meta, namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } } };
    if ((i + salt) % 11 === 5) return { ...o, spec: { ...(o['spec'] as Obj), hostNetwork: 'sometimes' } };
    return o;
  });
}

const deployment: Obj = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { namespace: 'ns-a', name: 'web' },
  spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
};

const kubeSystem: Obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } };

const batchArb = fc.array(fc.oneof(fc.record({ put: fc.nat() }), fc.record({ del: fc.nat() })), { minLength: 1, maxLength: 3 });

describe('updateCluster', () => {
  it('gives exactly the build of the objects after each batch of pod changes', () => {
    let updated = 0;
    let built = 0;
    fc.assert(
      fc.property(clusterArb, clusterArb, fc.array(batchArb, { minLength: 1, maxLength: 8 }), fc.boolean(), (start, other, batches, withWorkload) => {
        const first = [kubeSystem, ...varied(manifestsOf(start), 0), ...(withWorkload ? [deployment] : [])];
        // The other cluster's pods share names with the start's (p0, p1...): putting one replaces a pod.
        const pool = varied(manifestsOf(other), 1).filter((o) => o['kind'] === 'Pod');
        const held = new Map<string, LoadedObject>();
        for (const o of first) held.set(keyOf(o), load(o));
        const cache = new BuildCache();
        let last: BuildResult = buildCluster([...held.values()], { cache });
        for (const batch of batches) {
          const changes: ObjectChange[] = [];
          for (const ev of batch) {
            if ('put' in ev) {
              if (!pool.length) continue;
              const o = pool[ev.put % pool.length]!;
              const before = held.get(keyOf(o));
              const after = load(o);
              held.set(keyOf(o), after);
              changes.push(before ? { before, after } : { after });
            } else {
              const pods = [...held.keys()].filter((k) => k.startsWith('Pod/')).sort();
              const k = pods[ev.del % Math.max(1, pods.length)];
              if (k === undefined) continue;
              changes.push({ before: held.get(k)! });
              held.delete(k);
            }
          }
          const up = updateCluster(last, changes);
          if (up) updated++;
          else built++;
          const got = up ?? buildCluster([...held.values()], { cache });
          const want = buildCluster([...held.values()]);
          expect(JSON.stringify(got.cluster)).toBe(JSON.stringify(want.cluster));
          expect(got.diagnostics).toEqual(want.diagnostics);
          last = got;
        }
      }),
      { numRuns: 400, seed: 20261202 },
    );
    // Both ways are taken often: the property checks the update, not only the builds it asks for.
    expect(updated).toBeGreaterThan(60);
    expect(built).toBeGreaterThan(200);
  });

  it('keeps every unchanged pod the very same object', () => {
    const pod = (name: string, app: string): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns-a', name, labels: { app } }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Running', podIP: '10.0.0.1' } });
    const objs = [load({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns-a' } }), load(pod('a', 'x')), load(pod('b', 'x')), load(pod('c', 'x'))];
    const before = buildCluster(objs);
    const after = updateCluster(before, [{ before: objs[2]!, after: load(pod('b', 'y')) }])!;
    expect(after.cluster.pods.map((p) => `${p.name}=${p.labels['app']}`)).toEqual(['a=x', 'b=y', 'c=x']);
    expect(after.cluster.pods[0]).toBe(before.cluster.pods[0]);
    expect(after.cluster.pods[2]).toBe(before.cluster.pods[2]);
    // A second object for a pod held is a duplicate, which only a build reports.
    expect(updateCluster(before, [{ after: load(pod('c', 'z')) }])).toBeUndefined();
  });
});
