// ipBlocks against stand-in pods (workload templates, no IP): judged against the pod network (--pod-cidr).
import { describe, expect, it } from 'vitest';
import { buildCluster, computeMatrix, evaluate, loadSources, parseCidr, standInInBlock, unknownPodIPNote, type Cluster } from '../index.js';

const block = (cidr: string, except: string[] = []) => ({ cidr: parseCidr(cidr)!, except: except.map((e) => parseCidr(e)!) });
const nets = (...c: string[]) => c.map((x) => parseCidr(x)!);

describe('standInInBlock', () => {
  const table: Array<[string, string, string[], string[], 'yes' | 'no' | 'depends']> = [
    ['v4 contained', '10.0.0.0/8', [], ['10.244.0.0/16'], 'yes'],
    ['v4 equal', '10.244.0.0/16', [], ['10.244.0.0/16'], 'yes'],
    ['v4 disjoint', '192.168.0.0/16', [], ['10.244.0.0/16'], 'no'],
    ['v4 straddling (block inside range)', '10.244.1.0/24', [], ['10.244.0.0/16'], 'depends'],
    ['v4 contained but an except cuts into the range', '10.0.0.0/8', ['10.244.5.0/24'], ['10.244.0.0/16'], 'depends'],
    ['v4 except covering the whole range', '10.0.0.0/8', ['10.244.0.0/16'], ['10.244.0.0/16'], 'no'],
    ['v4 except elsewhere', '10.0.0.0/8', ['10.96.0.0/12'], ['10.244.0.0/16'], 'yes'],
    ['two ranges, both inside', '10.0.0.0/8', [], ['10.244.0.0/16', '10.245.0.0/16'], 'yes'],
    ['two ranges, one inside one outside', '10.0.0.0/8', [], ['10.244.0.0/16', '172.16.0.0/16'], 'depends'],
    ['v6 contained', 'fd00::/8', [], ['fd00:10:244::/56'], 'yes'],
    ['v6 disjoint', '2001:db8::/32', [], ['fd00:10:244::/56'], 'no'],
    ['v6 straddling', 'fd00:10:244::/64', [], ['fd00:10:244::/56'], 'depends'],
    ['v6 except inside the range', '::/0', ['fd00:10:244:1::/64'], ['fd00:10:244::/56'], 'depends'],
    ['v4 block, v6 range', '0.0.0.0/0', [], ['fd00:10:244::/56'], 'no'],
    // A dual-stack pod has an address of each family: the v4 one is in the block.
    ['dual stack, v4 block covers the v4 range', '0.0.0.0/0', [], ['10.244.0.0/16', 'fd00:10:244::/56'], 'yes'],
    ['dual stack, v6 block straddles the v6 range', 'fd00:10:244::/64', [], ['10.244.0.0/16', 'fd00:10:244::/56'], 'depends'],
    ['dual stack, v4 block disjoint from the v4 range', '192.168.0.0/16', [], ['10.244.0.0/16', 'fd00:10:244::/56'], 'no'],
  ];
  it.each(table)('%s: %s except %j against %j', (_name, cidr, except, range, want) => {
    expect(standInInBlock(block(cidr, except), nets(...range))).toBe(want);
  });
  it('depends on the pod IP when no pod network is known', () => {
    expect(standInInBlock(block('0.0.0.0/0'), undefined)).toBe('depends');
    expect(standInInBlock(block('0.0.0.0/0'), [])).toBe('depends');
  });
});

const manifest = (cidr: string, except: string[] = []) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec: { containers: [{ name: api, image: x, ports: [{ containerPort: 8080 }] }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: x }] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-from-cidr, namespace: shop }
spec:
  podSelector: { matchLabels: { app: api } }
  policyTypes: [Ingress]
  ingress:
    - from: [{ ipBlock: { cidr: ${JSON.stringify(cidr)}${except.length ? `, except: ${JSON.stringify(except)}` : ''} } }]
      ports: [{ port: 8080 }]
`;

function clusterOf(text: string, podCidrs?: string[]): Cluster {
  const objects = loadSources([{ name: 'm.yaml', text }]).objects;
  return buildCluster(objects, podCidrs ? { network: { podCidrs, serviceCidrs: [] } } : {}).cluster;
}

const webToApi = (c: Cluster) => {
  const pod = (n: string) => ({ kind: 'pod' as const, pod: c.pods.find((p) => p.name.startsWith(n))! });
  return evaluate(c, { from: pod('web'), to: pod('api'), port: 8080, protocol: 'TCP' });
};

describe('evaluate and the matrix with a pod network', () => {
  const cases: Array<[string, string, string[], string[] | undefined, boolean, boolean]> = [
    // name, cidr, except, pod network, allowed, depends on the pod IP
    ['no pod network', '10.0.0.0/8', [], undefined, false, true],
    ['contained', '10.0.0.0/8', [], ['10.244.0.0/16'], true, false],
    ['disjoint', '192.168.0.0/16', [], ['10.244.0.0/16'], false, false],
    ['straddling', '10.244.1.0/24', [], ['10.244.0.0/16'], false, true],
    ['except cuts in', '10.0.0.0/8', ['10.244.7.0/24'], ['10.244.0.0/16'], false, true],
    ['except covers the range', '10.0.0.0/8', ['10.244.0.0/16'], ['10.244.0.0/16'], false, false],
    ['v6 contained', 'fd00::/8', [], ['fd00:10:244::/56'], true, false],
    ['v6 straddling', 'fd00:10:244::/64', [], ['fd00:10:244::/56'], false, true],
    ['dual stack, v4 block', '10.0.0.0/8', [], ['10.244.0.0/16', 'fd00:10:244::/56'], true, false],
  ];
  it.each(cases)('%s', (_name, cidr, except, net, allowed, depends) => {
    const c = clusterOf(manifest(cidr, except), net);
    const v = webToApi(c);
    expect(v.allowed).toBe(allowed);
    expect(v.ingress.dependsOnPodIP !== undefined).toBe(depends);
    expect(unknownPodIPNote(c) !== undefined).toBe(depends);
    if (depends) expect(unknownPodIPNote(c)).toMatch(/depend on the pod's IP/);
    // The matrix agrees with evaluate for every pair and port column.
    const m = computeMatrix(c);
    for (let col = 0; col < m.columns.length; col++) {
      const column = m.columns[col]!;
      for (let i = 0; i < m.endpoints.length; i++) {
        for (let j = 0; j < m.endpoints.length; j++) {
          if (i === j) continue;
          const from = { kind: 'pod' as const, pod: c.pods[i]! };
          const to = { kind: 'pod' as const, pod: c.pods[j]! };
          expect(m.allowed(col, i, j), `${m.endpoints[i]} -> ${m.endpoints[j]} column ${col}`).toBe(evaluate(c, { from, to, port: column.port, protocol: column.protocol }).allowed);
        }
      }
    }
  });
});
