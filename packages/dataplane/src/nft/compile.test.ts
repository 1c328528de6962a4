import { describe, expect, it } from 'vitest';
import { syntheticCluster } from '../bench/synthetic.js';
import { clusterOf } from '../conformance/upstream.js';
import { compileRuleset } from './compile.js';
import { renderRuleset } from './ruleset.js';

const FIXED_RULES = 14; // forward (9), two deny chains (3 each), less nothing: every other rule belongs to a class

describe('compileRuleset', () => {
  it('keeps the rule count within pods plus policies, never their product', () => {
    for (const [pods, policies] of [
      [100, 10],
      [100, 1000],
      [300, 1000],
    ] as const) {
      const rs = compileRuleset(syntheticCluster({ pods, policies, nodes: 1 }));
      const classes = rs.stats.ingressClasses + rs.stats.egressClasses;
      // A class chain holds at most six rules (ports, addresses v4/v6, peer·port v4/v6, the deny jump).
      expect(rs.stats.rules).toBeLessThanOrEqual(FIXED_RULES + 6 * classes);
      expect(classes).toBeLessThanOrEqual(2 * pods);
      expect(rs.stats.rules).toBeLessThan(pods * 6 + policies + FIXED_RULES);
    }
  });

  it('gives pods isolated by the same policies one shared chain', () => {
    const rs = compileRuleset(syntheticCluster({ pods: 200, policies: 50, nodes: 1 }));
    expect(rs.stats.localPods).toBe(200);
    expect(rs.stats.ingressClasses).toBeLessThan(200);
  });

  it('names the policy and rule behind each part, and compiles only the pods of the node', () => {
    const c = clusterOf([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'x', labels: { app: 'a' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] }, status: { podIP: '10.0.0.1', hostIP: '192.168.1.1' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'x', labels: { app: 'b' } }, spec: { nodeName: 'n2', containers: [{ name: 'c', image: 'i' }] }, status: { podIP: '10.0.0.2', hostIP: '192.168.1.2' } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'only-b', namespace: 'x' },
        spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }, { ipBlock: { cidr: '10.1.0.0/16', except: ['10.1.2.0/24'] } }], ports: [{ port: 80, endPort: 90 }, { protocol: 'SCTP', port: 7 }] }] },
      },
    ]).cluster;
    const text = renderRuleset(compileRuleset(c, { node: 'n1' }));
    expect(text).toMatch(/# x\/only-b ingress\[0\] from\[0\] namespace x and podSelector app=b/);
    expect(text).toMatch(/# x\/only-b ingress\[0\] from\[1\] ipBlock 10\.1\.0\.0\/16 except 10\.1\.2\.0\/24/);
    expect(text).toMatch(/comment "x\/only-b ingress\[0\] from\[0\]; x\/only-b ingress\[0\] from\[1\]"/);
    // Local pod a gets a chain; b runs on n2 and appears only as a peer address.
    expect(text).toMatch(/10\.0\.0\.1 : jump in_/);
    expect(text).not.toMatch(/10\.0\.0\.2 : jump/);
    expect(text).toMatch(/10\.0\.0\.2 \. sctp \. 7/);
    expect(text).toMatch(/10\.1\.0\.0\/23 \. tcp \. 80-90/);
    expect(text).toMatch(/10\.1\.3\.0-10\.1\.255\.255 \. tcp \. 80-90/);
    expect(text).toMatch(/elements = \{ 192\.168\.1\.1 \}/);
  });
});
