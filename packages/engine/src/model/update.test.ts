// updateCluster against buildCluster: random clusters (some with a workload, whose pods then depend on it), then random
// batches of pod changes as an agent's informers deliver them (pods added, replaced or deleted, some owned through a
// ReplicaSet, some finished, some in undeclared namespaces or failing validation). After each batch the update, or
// the full build it asks for, must be exactly the build of the objects held, cluster and diagnostics.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clusterArb, labelsArb, manifestsOf, NAMESPACES, tieredClusterArb, tieredManifestsOf } from '../conformance/__fixtures__/random-cluster.js';
import { loadSource, type LoadedObject } from '../load/load.js';
import { BuildCache, builtWithoutWorkloads, buildCluster, type BuildResult } from './build.js';
import { clusterModel } from './compiled.js';
import type { Cluster } from './types.js';
import { updateCluster, type ObjectChange } from './update.js';

type Obj = Record<string, unknown>;

const keyOf = (o: Obj): string => {
  const m = o['metadata'] as Obj;
  return `${String(o['kind'])}/${String(m['namespace'] ?? '')}/${String(m['name'])}`;
};
const load = (o: Obj): LoadedObject => loadSource({ name: `cluster:${keyOf(o)}`, text: JSON.stringify(o) }).objects[0]!;

/** Holds `o` (loaded anew, as an informer's event is) in place of what its key held: the change it makes. */
function put(held: Map<string, LoadedObject>, o: Obj): ObjectChange {
  const before = held.get(keyOf(o));
  const after = load(o);
  held.set(keyOf(o), after);
  return before ? { before, after } : { after };
}

function remove(held: Map<string, LoadedObject>, key: string): ObjectChange {
  const before = held.get(key)!;
  held.delete(key);
  return { before };
}

/** The objects held, by key, the one cache of their builds, and the last build. */
interface Replay {
  held: Map<string, LoadedObject>;
  cache: BuildCache;
  last: BuildResult;
}

function replayFrom(first: readonly Obj[]): Replay {
  const held = new Map<string, LoadedObject>();
  for (const o of first) held.set(keyOf(o), load(o));
  const cache = new BuildCache();
  return { held, cache, last: buildCluster([...held.values()], { cache }) };
}

/**
 * The update of the last build by `changes` (given the cache, or not), and what becomes the last build: the update,
 * or the build over the cache it asks for; `want`: a fresh build of the objects held.
 */
function step(r: Replay, changes: readonly ObjectChange[], withCache: boolean): { up: BuildResult | undefined; got: BuildResult; want: BuildResult } {
  const up = updateCluster(r.last, changes, withCache ? { cache: r.cache } : {});
  const got = up ?? buildCluster([...r.held.values()], { cache: r.cache });
  r.last = got;
  return { up, got, want: buildCluster([...r.held.values()]) };
}

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
        const replay = replayFrom(first);
        const { held } = replay;
        for (const batch of batches) {
          const changes: ObjectChange[] = [];
          for (const ev of batch) {
            if ('put' in ev) {
              if (pool.length) changes.push(put(held, pool[ev.put % pool.length]!));
            } else {
              const pods = [...held.keys()].filter((k) => k.startsWith('Pod/')).sort();
              const k = pods[ev.del % Math.max(1, pods.length)];
              if (k !== undefined) changes.push(remove(held, k));
            }
          }
          const { up, got, want } = step(replay, changes, false);
          if (up) updated++;
          else built++;
          expect(JSON.stringify(got.cluster)).toBe(JSON.stringify(want.cluster));
          expect(got.diagnostics).toEqual(want.diagnostics);
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

// The same against random sequences of NetworkPolicy, cluster policy (all three kinds), node, namespace and pod events:
// policies replaced, added and deleted (some in undeclared namespaces, some failing validation or with a warning, one
// a second object for a policy held), namespaces relabelled, declared over an implied one and deleted under their
// objects, nodes relabelled. After each batch the update, or the full build it asks for, must be exactly the build of
// the objects held: the whole model compared field by field, the diagnostics, who each policy isolates, and the
// models a later build over the same cache hands on.

/** Objects that break the quiet path: a policy the schema refuses, one with a warning, duplicates of `pol-0` and `cnp-0`. */
const oddPolicies: Obj[] = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'ns-a', name: 'pol-1' }, spec: { podSelector: 'all' } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'ns-b', name: 'pol-2' }, spec: { podSelector: {} }, status: {} },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'default', name: 'pol-0' }, spec: { podSelector: {} } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'pol-0' }, spec: { podSelector: {}, policyTypes: ['Egress'] } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'ns-undeclared', name: 'pol-9' }, spec: { podSelector: { matchLabels: { app: 'a' } } } },
  // A second object for cnp-0 (held under another key), at another priority.
  { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { namespace: 'ns-a', name: 'cnp-0' }, spec: { tier: 'Admin', priority: 3, subject: { namespaces: {} } } },
];

const KINDS = ['NetworkPolicy', 'Namespace', 'Cluster', 'Node', 'Pod'] as const;
type Kind = (typeof KINDS)[number];
const kindOf = (o: Obj): Kind => (['ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'].includes(String(o['kind'])) ? 'Cluster' : (o['kind'] as Kind));

const eventArb = fc.record({ op: fc.constantFrom('put', 'put', 'del'), kind: fc.constantFrom(...KINDS), at: fc.nat() });
const namespacePutsArb = fc.array(fc.record({ name: fc.constantFrom(...NAMESPACES, 'ns-undeclared', 'kube-system'), labels: labelsArb }), { minLength: 1, maxLength: 6 });

/** For every pod, the policies that select it: which pods are isolated, and by what. */
function isolation(cluster: Cluster): string[] {
  const model = clusterModel(cluster);
  return cluster.pods.map((pod) => `${pod.namespace}/${pod.name}: ${cluster.policies.filter((p) => model.policySelects(p, pod)).map((p) => p.id).join(',')}`);
}

/** The pod, policy, cluster policy and node models of `a` and `b` are the very same objects (a workload's stand-ins are made anew by each build). */
function sameModels(a: Cluster, b: Cluster): boolean {
  const same = <T>(xs: readonly T[], ys: readonly T[]): boolean => xs.length === ys.length && xs.every((x, i) => x === ys[i]);
  const real = (c: Cluster) => c.pods.filter((p) => !p.fromTemplate);
  return same(real(a), real(b)) && same(a.policies, b.policies) && same(a.clusterPolicies, b.clusterPolicies) && same(a.nodes, b.nodes);
}

describe('updateCluster, policy and namespace events', () => {
  it('gives exactly the build of the objects after each batch', () => {
    const taken: Record<string, number> = {};
    let built = 0;
    fc.assert(
      fc.property(tieredClusterArb, tieredClusterArb, namespacePutsArb, fc.array(fc.array(eventArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }), fc.boolean(), (start, other, nsPuts, batches, withWorkload) => {
        const first = [kubeSystem, ...varied(tieredManifestsOf(start), 0), ...(withWorkload ? [deployment] : [])];
        const pool = new Map<Kind, Obj[]>(KINDS.map((k) => [k, []]));
        for (const o of [...varied(tieredManifestsOf(other), 1), ...oddPolicies]) if (o['kind'] !== 'Namespace') pool.get(kindOf(o))!.push(o);
        pool.get('Namespace')!.push(...nsPuts.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.name, labels: n.labels } })));
        const replay = replayFrom(first);
        const { held } = replay;
        for (const batch of batches) {
          const changes: ObjectChange[] = [];
          for (const ev of batch) {
            if (ev.op === 'put') {
              const from = pool.get(ev.kind)!;
              if (from.length) changes.push(put(held, from[ev.at % from.length]!));
            } else {
              const keys = [...held.keys()].filter((k) => kindOf({ kind: k.slice(0, k.indexOf('/')) }) === ev.kind).sort();
              const k = keys[ev.at % Math.max(1, keys.length)];
              if (k !== undefined) changes.push(remove(held, k));
            }
          }
          const { up, got, want } = step(replay, changes, true);
          if (up) for (const ev of new Set(batch.map((e) => `${e.op} ${e.kind}`))) taken[ev] = (taken[ev] ?? 0) + 1;
          else built++;
          expect(got.cluster).toEqual(want.cluster);
          expect(JSON.stringify(got.cluster)).toBe(JSON.stringify(want.cluster));
          expect(got.diagnostics).toEqual(want.diagnostics);
          expect(builtWithoutWorkloads(got.cluster)).toBe(builtWithoutWorkloads(want.cluster));
          expect(isolation(got.cluster)).toEqual(isolation(want.cluster));
          // The cache holds the update's models: a build over it now hands on the very same objects.
          if (up) expect(sameModels(buildCluster([...held.values()], { cache: replay.cache }).cluster, up.cluster)).toBe(true);
        }
      }),
      { numRuns: 300, seed: 20261202 },
    );
    // Each kind of event is taken by the update many times, not only by the builds it asks for.
    for (const op of ['put', 'del']) for (const kind of KINDS) expect(taken[`${op} ${kind}`] ?? 0, `${op} ${kind}`).toBeGreaterThan(30);
    expect(built).toBeGreaterThan(300);
  });
});
