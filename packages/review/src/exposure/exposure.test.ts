import { describe, expect, it } from 'vitest';
import { inline } from '../__fixtures__/support.js';
import { exposure, exposureMarkdown, exposureText } from './exposure.js';

const APP = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: api}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: batch, namespace: shop}
spec:
  selector: {matchLabels: {app: batch}}
  template:
    metadata: {labels: {app: batch}}
    spec: {containers: [{name: c, image: batch}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: x}}}]
    ports: [{port: 8080}]
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]
`;

describe('exposure', () => {
  const r = exposure(inline(APP).cluster);
  it('describes each way in and out by the selectors and CIDRs of the rules, whether or not such pods exist', () => {
    const api = r.entries.find((e) => e.name === 'shop/api[Deployment]')!;
    // No namespace labelled team=x is in the input: the answer still says who would get in.
    expect(api.ingress).toMatchObject({ isolated: true, policies: ['shop/api'], peers: [{ peer: 'all pods in namespaces with team=x', ports: '8080/TCP', rule: 'shop/api ingress rule 0' }] });
    expect(api.egress.peers).toMatchObject([{ peer: 'addresses in 10.0.0.0/8', ports: 'every port' }]);
    expect(api.ingress.peers[0]!.location?.line).toBe(28);
  });
  it('lists the workloads no policy protects, per direction', () => {
    expect(r.unprotected).toEqual({ ingress: ['shop/batch[Deployment]'], egress: ['shop/batch[Deployment]'] });
    expect(exposureText(r)).toContain('Not protected by any policy:\n  ingress: shop/batch[Deployment]\n  egress: shop/batch[Deployment]\n');
    expect(exposureMarkdown(r)).toContain('| shop/api[Deployment] | ingress | all pods in namespaces with team=x | 8080/TCP | shop/api ingress rule 0 |');
  });
});
