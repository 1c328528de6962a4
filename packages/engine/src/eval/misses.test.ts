import { describe, expect, it } from 'vitest';
import { buildCluster, describeNearMiss, evaluate, loadSource, type Cluster, type Endpoint, type PeerMissCode } from '@kordon/engine';

const objects = (network?: string) =>
  buildCluster(
    loadSource({
      name: 'c.yaml',
      text: `
apiVersion: v1
kind: Namespace
metadata: { name: app, labels: { team: a } }
---
apiVersion: v1
kind: Namespace
metadata: { name: other, labels: { team: b } }
---
apiVersion: v1
kind: Pod
metadata: { name: db, namespace: app, labels: { app: db } }
spec: { containers: [{ name: c, image: x, ports: [{ name: pg, containerPort: 5432 }] }] }
status: { podIP: 10.0.0.6, phase: Running }
---
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: app, labels: { app: web } }
spec: { containers: [{ name: c, image: x }] }
status: { podIP: 10.0.0.5, phase: Running }
---
apiVersion: v1
kind: Pod
metadata: { name: far, namespace: other, labels: { app: web } }
spec: { containers: [{ name: c, image: x }] }
status: { podIP: 10.0.1.5, phase: Running }
---
apiVersion: v1
kind: Pod
metadata: { name: node-agent, namespace: other, labels: { app: web } }
spec: { hostNetwork: true, containers: [{ name: c, image: x }] }
status: { podIP: 192.168.0.1, hostIP: 192.168.0.1, phase: Running }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: tpl, namespace: app }
spec:
  selector: { matchLabels: { app: tpl } }
  template: { metadata: { labels: { app: tpl } }, spec: { containers: [{ name: c, image: x }] } }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db, namespace: app }
spec:
  podSelector: { matchLabels: { app: db } }
  ingress:
    - from: [{ podSelector: { matchLabels: { app: api } } }, { namespaceSelector: { matchLabels: { team: c } } }, { ipBlock: { cidr: 10.0.0.0/30 } }, { ipBlock: { cidr: 10.0.0.0/24, except: [10.0.0.5/32] } }]
      ports: [{ port: pg }]
`,
    }).objects,
    network ? { network: { podCidrs: [network], serviceCidrs: [] } } : {},
  ).cluster;

function misses(cluster: Cluster, from: Endpoint, port = 5432) {
  const db = cluster.pods.find((p) => p.name === 'db')!;
  const v = evaluate(cluster, { from, to: { kind: 'pod', pod: db }, port, protocol: 'TCP' });
  return v.ingress.nearMisses;
}
const pod = (c: Cluster, name: string): Endpoint => ({ kind: 'pod', pod: c.pods.find((p) => p.name === name)! });

describe('near misses are data, and their words are rendered from it', () => {
  const c = objects();
  const table: Array<[string, Endpoint, PeerMissCode[]]> = [
    ['a pod of the namespace with other labels', pod(c, 'web'), ['pod-selector', 'namespace-selector', 'outside-ipblock', 'outside-ipblock']],
    ['a pod of another namespace', pod(c, 'far'), ['other-namespace', 'namespace-selector', 'outside-ipblock', 'outside-ipblock']],
    ['a hostNetwork pod', pod(c, 'node-agent'), ['host-network', 'host-network', 'outside-ipblock', 'outside-ipblock']],
    ['an address', { kind: 'ip', ip: '8.8.8.8' }, ['not-a-pod', 'not-a-pod', 'outside-ipblock', 'outside-ipblock']],
    ['a stand-in pod with no IP and no pod network', pod(c, 'tpl'), ['pod-selector', 'namespace-selector', 'no-ip-for-ipblock', 'no-ip-for-ipblock']],
  ];
  it.each(table)('%s', (_, from, codes) => {
    const [m] = misses(c, from);
    expect(m!.why.failed).toBe('peer');
    expect(m!.why.failed === 'peer' ? m!.why.peers.map((p) => p.code) : []).toEqual(codes);
    expect(m!.reason).toBe(describeNearMiss(m!.why));
  });

  it('a stand-in pod against the pod network: depends, or outside', () => {
    const straddles = objects('10.0.0.0/16');
    const [m] = misses(straddles, pod(straddles, 'tpl'));
    expect(m!.why.failed === 'peer' ? m!.why.peers.slice(2).map((p) => p.code) : []).toEqual(['ipblock-depends-on-pod-ip', 'ipblock-depends-on-pod-ip']);
    const apart = objects('10.9.0.0/16');
    const [n] = misses(apart, pod(apart, 'tpl'));
    expect(n!.why.failed === 'peer' ? n!.why.peers.slice(2) : []).toEqual([
      { code: 'pod-network-outside-ipblock', who: 'app/tpl', cidr: '10.0.0.0/30', except: [], podCidrs: ['10.9.0.0/16'] },
      { code: 'pod-network-outside-ipblock', who: 'app/tpl', cidr: '10.0.0.0/24', except: ['10.0.0.5/32'], podCidrs: ['10.9.0.0/16'] },
    ]);
  });

  it('a port miss carries the port, the rule ports, and whether named ports could not apply', () => {
    const [m] = misses(c, { kind: 'ip', ip: '10.0.0.1' }, 80);
    expect(m!.why).toMatchObject({ failed: 'port', port: 80, protocol: 'TCP', outsideNamedPorts: false });
    expect(m!.reason).toBe('80/TCP is not in pg/TCP');
  });
});
