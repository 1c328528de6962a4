// A question that names one address of a dual-stack pod is about that family's connection, as a kernel judges it.
import { describe, expect, it } from 'vitest';
import { buildCluster, checkConnection, loadSource } from '@kordon/engine';

const pod = (name: string, v4: string, v6: string) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: app, labels: { app: ${name} } }
spec: { containers: [{ name: c, image: x }] }
status: { podIP: ${v4}, podIPs: [{ ip: ${v4} }, { ip: "${v6}" }] }
`;

const cluster = buildCluster(
  loadSource({
    name: 'c.yaml',
    text: [
      pod('client', '10.0.0.1', 'fd00::1'),
      pod('web', '10.0.0.2', 'fd00::2'),
      pod('db', '10.0.0.3', 'fd00::3'),
      // web admits IPv4 addresses of the pod network only; client's egress reaches db over IPv6 only.
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web, namespace: app }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress: [{ from: [{ ipBlock: { cidr: 10.0.0.0/24 } }] }]`,
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: client, namespace: app }
spec:
  podSelector: { matchLabels: { app: client } }
  policyTypes: [Egress]
  egress: [{ to: [{ ipBlock: { cidr: "fd00::/64" } }, { podSelector: { matchLabels: { app: web } } }] }]`,
      `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: { name: v6-to-db }
spec:
  tier: Admin
  priority: 10
  subject: { namespaces: {} }
  egress:
  - { action: Deny, to: [{ networks: ["10.0.0.3/32"] }] }`,
    ].join('\n---\n'),
  }).objects,
).cluster;

const verdict = (from: string, to: string): string => checkConnection(cluster, { from, to, port: '80' }).verdict;

describe('check with one address of a dual-stack pod', () => {
  const cases: [from: string, to: string, expected: string, why: string][] = [
    ['10.0.0.1', 'app/web', 'allowed', 'the IPv4 source is in the ipBlock'],
    ['fd00::1', 'app/web', 'denied', 'the IPv6 source is not in the IPv4 ipBlock'],
    ['app/client', 'app/web', 'allowed', 'the pod as a whole: one of its addresses is in the block'],
    ['app/client', 'fd00::3', 'allowed', 'egress ipBlock fd00::/64 holds the IPv6 destination'],
    ['app/client', '10.0.0.3', 'denied', 'the Admin Deny for networks 10.0.0.3/32 comes first'],
    ['app/client', 'app/db', 'denied', 'the pod as a whole: the Admin Deny matches one of its addresses first'],
  ];
  for (const [from, to, expected, why] of cases) it(`${from} → ${to}: ${expected} (${why})`, () => expect(verdict(from, to)).toBe(expected));

  it('names the address in the answer', () => {
    const r = checkConnection(cluster, { from: 'fd00::1', to: 'app/web', port: '80' });
    expect(r.hops.map((h) => h.from)).toEqual(['app/client (fd00::1)']);
  });
});
