// The ObjectStore as ApiSource feeds it: an object put again unchanged is no change; a changed policy or namespace
// updates the last build (each other model the very same object) to what a fresh build of the objects gives.
import { buildCluster, loadSource } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from './object-store.js';

type Obj = Record<string, unknown>;

const ns = (name: string, labels: Record<string, string>): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (name: string, ip: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'web', name, labels: { app: 'web' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
  status: { phase: 'Running', podIP: ip },
});
const policy = (port: number): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { namespace: 'web', name: 'allow' },
  spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }], ports: [{ port }] }] },
});

function filled(): { store: ObjectStore; objects: Map<string, Obj> } {
  const store = new ObjectStore();
  const objects = new Map<string, Obj>([
    ['namespaces//web', ns('web', { team: 'a' })],
    ['pods/web/a', pod('a', '10.0.0.1')],
    ['pods/web/b', pod('b', '10.0.0.2')],
    ['networkpolicies/web/allow', policy(80)],
  ]);
  for (const [k, o] of objects) store.put(k, o);
  return { store, objects };
}

/** What a build from scratch gives for these objects (loaded anew: compared as JSON, as their `locate` differs). */
const fresh = (objects: Map<string, Obj>) => buildCluster([...objects].map(([k, o]) => loadSource({ name: `cluster:${k}`, text: JSON.stringify(o) }).objects[0]!));

describe('ObjectStore', () => {
  it('takes an object put again unchanged as no change', () => {
    const { store } = filled();
    const first = store.build();
    expect(store.put('pods/web/a', structuredClone(pod('a', '10.0.0.1')))).toBe(false);
    // As an informer delivers it: with the resourceVersion of the write, which says nothing of the object.
    const versioned = pod('b', '10.0.0.2');
    (versioned['metadata'] as Obj)['resourceVersion'] = '4711';
    expect(store.put('pods/web/b', versioned)).toBe(false);
    expect(store.put('networkpolicies/web/allow', policy(80))).toBe(false);
    const same = store.build();
    expect(same.cluster.pods).toBe(first.cluster.pods);
    expect(same.cluster.policies).toBe(first.cluster.policies);
    // Compared with what is held now, not with what the last build read: changed and put back is two changes.
    expect(store.put('pods/web/a', pod('a', '10.0.0.9'))).toBe(true);
    expect(store.put('pods/web/a', pod('a', '10.0.0.1'))).toBe(true);
    expect(store.build().cluster.pods[1]).toBe(first.cluster.pods[1]);
  });

  it('updates the last build by a changed policy or namespace, reusing every other model', () => {
    const { store, objects } = filled();
    const first = store.build();
    objects.set('networkpolicies/web/allow', policy(8080));
    store.put('networkpolicies/web/allow', policy(8080));
    const second = store.build();
    expect(JSON.stringify(second.cluster)).toBe(JSON.stringify(fresh(objects).cluster));
    expect(second.cluster.pods).toBe(first.cluster.pods);
    expect(second.cluster.policies[0]).not.toBe(first.cluster.policies[0]);
    objects.set('namespaces//web', ns('web', { team: 'b' }));
    store.put('namespaces//web', ns('web', { team: 'b' }));
    const third = store.build();
    expect(JSON.stringify(third.cluster)).toBe(JSON.stringify(fresh(objects).cluster));
    expect(third.cluster.policies).toBe(second.cluster.policies);
    expect(third.cluster.namespaces[0]?.labels['team']).toBe('b');
  });
});
