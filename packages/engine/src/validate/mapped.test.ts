import { describe, expect, test } from 'vitest';
import { found, type Found } from './__fixtures__/run.js';

const e = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'error', path, line, column });
const w = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'warning', path, line, column });

const policy = (block: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: d}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: ${block}\n`;

describe('ipBlock except in IPv4-mapped form, as the API server validates it (ParseCIDRSloppy, IPNet.Contains)', () => {
  test.each<[string, string, Found[]]>([
    ['a mapped except under an IPv4 cidr is accepted (with the mapped-form warning)', '{cidr: 10.0.0.0/8, except: ["::ffff:10.1.0.0/112"]}', [w('cidr-ipv4-mapped', 'spec.ingress[0].from[0].ipBlock.except[0]', 8, 44)]],
    ['the prefix lengths compared are the written ones: ::ffff:10.0.0.0/104 (all of 10.0.0.0/8) under 10.0.0.0/8 is accepted', '{cidr: 10.0.0.0/8, except: ["::ffff:10.0.0.0/104"]}', [w('cidr-ipv4-mapped', 'spec.ingress[0].from[0].ipBlock.except[0]', 8, 44)]],
    ['a mapped except outside the cidr is rejected', '{cidr: 10.0.0.0/8, except: ["::ffff:11.0.0.0/112"]}', [w('cidr-ipv4-mapped', 'spec.ingress[0].from[0].ipBlock.except[0]', 8, 44), e('cidr-except-outside', 'spec.ingress[0].from[0].ipBlock.except[0]', 8, 44)]],
    ['an IPv4 except under a mapped cidr with a longer written prefix is rejected', '{cidr: "::ffff:10.0.0.0/104", except: [10.1.0.0/16]}', [w('cidr-ipv4-mapped', 'spec.ingress[0].from[0].ipBlock.cidr', 8, 17), e('cidr-except-outside', 'spec.ingress[0].from[0].ipBlock.except[0]', 8, 55)]],
    ['an IPv6 except under an IPv4 cidr is still rejected', '{cidr: 10.0.0.0/8, except: ["fd00::/112"]}', [e('cidr-except-outside', 'spec.ingress[0].from[0].ipBlock.except[0]', 8, 44)]],
  ])('%s', (_name, block, want) => {
    expect(found(policy(block))).toEqual(want);
  });
});

describe('pod addresses no network plugin gives', () => {
  const pod = (ip: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: d}\nspec: {containers: [{name: c, image: x}]}\nstatus:\n  podIP: "${ip}"\n  podIPs: [{ip: "${ip}"}]\n`;
  test.each([['127.0.0.1'], ['::1'], ['224.0.0.1'], ['::ffff:10.0.0.1'], ['0.0.0.0']])('%s is warned about', (ip) => {
    expect(found(pod(ip)).map((f) => [f.code, f.severity, f.path])).toEqual([
      ['pod-ip-unusual', 'warning', 'status.podIP'],
      ['pod-ip-unusual', 'warning', 'status.podIPs[0].ip'],
    ]);
  });
  test('an ordinary pod address is not', () => {
    expect(found(pod('10.244.1.5'))).toEqual([]);
  });
});
