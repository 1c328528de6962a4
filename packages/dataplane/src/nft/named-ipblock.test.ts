// Egress to an ipBlock on a named port: the port name resolves on the destination pods, so the compiler needs the pods
// inside the block. Which addresses of a pod the block holds (excepts, families) is the model's answer.
import { describe, expect, it } from 'vitest';
import { clusterOf } from '../conformance/upstream.js';
import { compileRuleset } from './compile.js';
import { renderRuleset } from './ruleset.js';

const pod = (name: string, ip: string, ports: { name: string; containerPort: number }[] = [], ip6?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'x', labels: { app: name } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i', ports }] },
  status: { podIP: ip, podIPs: [{ ip }, ...(ip6 ? [{ ip: ip6 }] : [])], hostIP: '192.168.1.1' },
});

describe('egress named ports to an ipBlock', () => {
  it('opens the named port on the pods inside the block only, excepts and the other family left out', () => {
    const c = clusterOf([
      pod('client', '10.0.0.1'),
      pod('inside', '10.1.0.5', [{ name: 'http', containerPort: 8080 }], 'fd00::5'),
      pod('excepted', '10.1.2.5', [{ name: 'http', containerPort: 8081 }]),
      pod('outside', '10.2.0.5', [{ name: 'http', containerPort: 8082 }]),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'out', namespace: 'x' },
        spec: { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.1.0.0/16', except: ['10.1.2.0/24'] } }], ports: [{ port: 'http' }] }] },
      },
    ]).cluster;
    const text = renderRuleset(compileRuleset(c, { node: 'n1' }));
    expect(text).toMatch(/10\.1\.0\.5 \. tcp \. 8080/);
    expect(text).not.toMatch(/fd00::5 \. tcp/);
    expect(text).not.toMatch(/\. tcp \. 8081/);
    expect(text).not.toMatch(/\. tcp \. 8082/);
  });
});
