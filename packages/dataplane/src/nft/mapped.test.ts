import { evaluate, type Cluster } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { clusterOf } from '../conformance/upstream.js';
import { compileRuleset } from './compile.js';
import { renderRuleset } from './ruleset.js';

/** The engine, the nft compiler and validation read an IPv4-mapped block as the one IPv4 block Go reads it as. */
/** The rules and set elements, without the comments that quote the policy as written. */
const elements = (text: string): string => text.split('\n').filter((l) => !l.trim().startsWith('#') && !l.includes('comment')).join('\n');

describe('IPv4-mapped ipBlocks: the engine and the ruleset agree', () => {
  const build = (cidr: string, except: string[] = []): Cluster =>
    clusterOf([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'x', labels: { app: 'a' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] }, status: { podIP: '10.0.0.1', hostIP: '192.168.1.1' } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'x' }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr, except } }], ports: [{ port: 80 }] }] } },
    ]).cluster;
  const allowed = (c: Cluster, ip: string): boolean => {
    const pod = c.pods.find((p) => p.name === 'a')!;
    return evaluate(c, { from: { kind: 'ip', ip }, to: { kind: 'pod', pod }, port: 80, protocol: 'TCP' }).allowed;
  };

  it('a mapped except under an IPv4 cidr', () => {
    const c = build('10.0.0.0/8', ['::ffff:10.1.0.0/112']);
    expect([allowed(c, '10.2.0.1'), allowed(c, '10.1.2.3'), allowed(c, '::ffff:10.1.2.3'), allowed(c, '::ffff:10.2.0.1')]).toEqual([true, false, false, true]);
    const text = renderRuleset(compileRuleset(c, { node: 'n1' }));
    expect(text).toMatch(/10\.0\.0\.0\/16 \. tcp \. 80/);
    expect(text).toMatch(/10\.2\.0\.0-10\.255\.255\.255 \. tcp \. 80/);
    expect(elements(text)).not.toMatch(/ffff/);
  });

  it('a mapped cidr is an IPv4 block in the ipv4 sets', () => {
    const c = build('::ffff:10.1.0.0/112');
    expect([allowed(c, '10.1.0.9'), allowed(c, '10.2.0.9')]).toEqual([true, false]);
    const text = renderRuleset(compileRuleset(c, { node: 'n1' }));
    expect(text).toMatch(/10\.1\.0\.0\/16 \. tcp \. 80/);
    expect(elements(text)).not.toMatch(/ffff/);
  });
});
