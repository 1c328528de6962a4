import { describe, expect, it } from 'vitest';
import { syntheticCluster } from '../bench/synthetic.js';
import { clusterOf } from '../conformance/upstream.js';
import { syntheticObjects } from '../bench/synthetic.js';
import { CompileCache, compileRuleset } from './compile.js';
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
      // A class chain holds at most ten rules (ports, pod addresses and ranges v4/v6, peer·port points and ranges
      // v4/v6, the deny jump).
      expect(rs.stats.rules).toBeLessThanOrEqual(FIXED_RULES + 10 * classes);
      expect(classes).toBeLessThanOrEqual(2 * pods);
      expect(rs.stats.rules).toBeLessThan(pods * 8 + policies + FIXED_RULES);
    }
  });

  it('keeps pod addresses out of one-field interval sets, which nft reads whole before any element change', () => {
    const rs = compileRuleset(syntheticCluster({ pods: 300, policies: 200, nodes: 1 }));
    const podIPs = new Set(rs.sets.filter((s) => s.kind === 'map').flatMap((s) => s.elements.map((e) => e.split(' : ')[0])));
    const oneField = rs.sets.filter((s) => s.flags.includes('interval') && !s.type.includes(' . '));
    const pointSets = rs.sets.filter((s) => /_ip[46]$/.test(s.name));
    // The synthetic policies have every-port pod peers (egress to namespaces labelled env=prod).
    expect(pointSets.length).toBeGreaterThan(0);
    expect(pointSets.every((s) => !s.flags.includes('interval') && s.elements.every((e) => !e.includes('-') && !e.includes('/')))).toBe(true);
    expect(oneField.flatMap((s) => s.elements).filter((e) => podIPs.has(e))).toEqual([]);
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

  it('compiles the same with a cache carried across changes as from scratch', () => {
    type Obj = Record<string, unknown>;
    const base = syntheticObjects({ pods: 120, policies: 80, namespaces: 6, nodes: 2, podsOnNode0: 70 });
    const pods = base.filter((o) => o['kind'] === 'Pod');
    const meta = (o: Obj): Obj => o['metadata'] as Obj;
    const relabel = (o: Obj, labels: Record<string, string>): Obj => ({ ...o, metadata: { ...meta(o), labels } });
    const steps: Obj[][] = [
      base,
      // a pod gets other labels, so other peers match it
      base.map((o) => (o === pods[3] ? relabel(o, { app: 'app7', tier: 'db' }) : o)),
      // a pod goes away, another arrives on the node
      base.filter((o) => o !== pods[5]).concat({ ...pods[6]!, metadata: { ...meta(pods[6]!), name: 'newcomer' }, status: { phase: 'Running', podIP: '10.250.0.9' } }),
      // a policy changes its ports, another disappears
      base.map((o) => (o['kind'] === 'NetworkPolicy' && meta(o)['name'] === 'pol4' ? { ...o, spec: { ...(o['spec'] as Obj), ingress: [{ ports: [{ port: 9999 }] }] } } : o)).filter((o) => meta(o)['name'] !== 'pol9'),
      // a namespace label changes
      base.map((o) => (o['kind'] === 'Namespace' && meta(o)['name'] === 'ns2' ? { ...o, metadata: { ...meta(o), labels: { team: 't0', env: 'prod' } } } : o)),
      base,
    ];
    const cache = new CompileCache();
    for (const [i, objs] of steps.entries()) {
      const c = clusterOf(objs).cluster;
      const cached = renderRuleset(compileRuleset(c, { node: 'node-0' }, cache));
      expect(cached, `step ${i}`).toBe(renderRuleset(compileRuleset(c, { node: 'node-0' })));
    }
  });
});
