// What a CompileCache hands from one compile to the next must not hold the compiles before it: an agent compiles at
// every event for as long as it runs. Asked through weak references to each compile's cluster, after a collection.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildCluster, loadSources } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { CompileCache, compileRuleset } from './compile.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const pod = (name: string, ip: string, app: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns-a', labels: { app } },
  spec: { nodeName: 'node-0', containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: 8080 }] }] },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
});
// Every kind of peer a pod event patches: a pod selector, an ipBlock (its pods, for the named port), every pod.
const policy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'p', namespace: 'ns-a' },
  spec: {
    podSelector: { matchLabels: { app: 'client' } },
    policyTypes: ['Egress', 'Ingress'],
    egress: [{ to: [{ podSelector: { matchLabels: { app: 'server' } } }, { ipBlock: { cidr: '10.9.0.0/16' } }], ports: [{ port: 'http' }, { port: 443 }] }, { ports: [{ port: 'http' }] }],
    ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 80 }, { port: 8000, endPort: 8100 }] }],
  },
};
const clusterOf = (i: number) => {
  const objects = [policy, pod('client', '10.9.0.1', 'client'), pod('server', '10.9.0.2', 'server'), pod(`s-${i}`, `10.9.1.${(i % 200) + 1}`, i % 2 ? 'server' : 'other')];
  return buildCluster(loadSources([{ name: 'all.json', text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) }]).objects).cluster;
};

describe('compile cache', () => {
  it('does not keep the clusters of earlier compiles alive', async () => {
    const cache = new CompileCache();
    const refs: Array<WeakRef<object>> = [];
    let last;
    for (let i = 0; i < 12; i++) {
      const cluster = clusterOf(i);
      refs.push(new WeakRef(cluster));
      last = compileRuleset(cluster, { node: 'node-0' }, cache);
    }
    expect(last?.stats.rules).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 0));
    gc();
    // The last compile's cluster may stay with the cache; the ten before the last two must be gone.
    expect(refs.slice(0, 10).filter((r) => r.deref() !== undefined).length).toBe(0);
  });
});
