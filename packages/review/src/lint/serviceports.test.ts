import { describe, expect, it } from 'vitest';
import { lint } from '@kordon/review';
import { inline } from '../__fixtures__/support.js';

const app = (policyPort: string, targetPort: string, extra = '') => `
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, image: api, ports: [{name: https, containerPort: 8443}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: web}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 443, targetPort: ${targetPort}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: ${policyPort}}${extra}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-out, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{port: ${policyPort}}${extra}]
`;

const found = (text: string) => lint(inline(text).cluster).findings.filter((f) => f.rule === 'service-port-not-target');

describe('service-port-not-target', () => {
  it('reports a policy port that is the Service port, in ingress and egress, at the port field', () => {
    const fs = found(app('443', '8443'));
    expect(fs.map((f) => `${f.object?.name} ${f.path} ${f.location?.line}`)).toEqual(['api-in spec.ingress[0].ports[0].port 26', 'web-out spec.egress[0].ports[0].port 36']);
    expect(fs[0]!.severity).toBe('warning');
    expect(fs[0]!.message).toBe("port 443/TCP is Service shop/api's port; its pods receive on 8443");
    expect(fs[0]!.fix).toBe('write port: 8443 (the container port) instead of 443');
  });

  it('follows a named targetPort to the container port', () => {
    const fs = found(app('443', 'https'));
    expect(fs).toHaveLength(2);
    expect(fs[0]!.message).toContain('receive on 8443 (targetPort https)');
    expect(fs[0]!.fix).toBe("write port: https (the container port's name) instead of 443");
  });

  it('says nothing when the policy names the target, or also admits it, or the Service does not translate', () => {
    expect(found(app('8443', '8443'))).toEqual([]);
    expect(found(app('443', '443'))).toEqual([]);
    expect(found(app('443', '8443', ', {port: 8443}'))).toEqual([]);
    expect(found(app('https', '8443'))).toEqual([]);
  });

  it('reports a port field once, however many Services use that number, naming them', () => {
    const second = `
---
apiVersion: v1
kind: Service
metadata: {name: api-admin, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 443, targetPort: https}]
`;
    const fs = found(app('443', '8443') + second);
    expect(fs.map((f) => `${f.object?.name} ${f.path}`)).toEqual(['api-in spec.ingress[0].ports[0].port', 'web-out spec.egress[0].ports[0].port']);
    expect(fs[0]!.message).toBe('port 443/TCP is the port of 2 Services (shop/api, shop/api-admin); their pods receive on 8443');
    expect(fs[0]!.explanation).toContain('shop/api to 8443, shop/api-admin to 8443');
    expect(fs[0]!.fix).toBe('write the target ports (8443, https) instead of 443');
  });
});
