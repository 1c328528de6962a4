import { describe, expect, it } from 'vitest';
import { run, yaml } from './test-support.js';

// The shape of `kubectl get ns,pods,deploy,rs,svc,netpol -A -o yaml`: one List, each item with its kind, pods pointing
// at their ReplicaSet, the ReplicaSet at its Deployment.
const KUBECTL_GET = yaml`
  apiVersion: v1
  kind: List
  metadata:
    resourceVersion: ""
  items:
  - apiVersion: v1
    kind: Namespace
    metadata: {name: shop, labels: {kubernetes.io/metadata.name: shop}}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: web-5d4f8b9c7
      namespace: shop
      ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}]
    spec:
      selector: {matchLabels: {app: web, pod-template-hash: 5d4f8b9c7}}
      template:
        metadata: {labels: {app: web, pod-template-hash: 5d4f8b9c7}}
        spec: {containers: [{name: c, image: nginx}]}
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web-5d4f8b9c7-abcde
      namespace: shop
      labels: {app: web, pod-template-hash: 5d4f8b9c7}
      ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d4f8b9c7, uid: u2, controller: true}]
    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
    status: {phase: Running, podIP: 10.1.0.5, conditions: [{type: Ready, status: "True"}]}
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web-5d4f8b9c7-fghij
      namespace: shop
      labels: {app: web, pod-template-hash: 5d4f8b9c7}
      ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d4f8b9c7, uid: u2, controller: true}]
    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
    status: {phase: Running, podIP: 10.1.0.6, conditions: [{type: Ready, status: "True"}]}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: client, namespace: shop}
    spec:
      selector: {matchLabels: {app: client}}
      template:
        metadata: {labels: {app: client}}
        spec: {containers: [{name: c, image: curl}]}
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: web, namespace: shop}
    spec:
      podSelector: {matchLabels: {app: web}}
      ingress:
      - from: [{podSelector: {matchLabels: {app: client}}}]
        ports: [{port: 80}]
`;

describe('kubectl get -A -o yaml output', () => {
  it('a workload whose pods are in the input is those pods; one without pods is its template', async () => {
    const r = await run(['matrix', '-', '--port', '80', '-o', 'json'], { stdin: KUBECTL_GET });
    expect(r.code).toBe(0);
    const m = JSON.parse(r.out) as { endpoints: string[]; allowed: Record<string, string[]> };
    expect(m.endpoints).toEqual(['shop/client', 'shop/web-5d4f8b9c7-abcde', 'shop/web-5d4f8b9c7-fghij']);
    // web admits only the client; the client is not isolated, so both web pods reach it.
    expect(m.allowed['80/TCP']).toEqual(['111', '110', '101']);
  });

  it('check names a workload by its name and answers for each of its pods', async () => {
    const r = await run(['check', '-', '--from', 'shop/client', '--to', 'shop/web', '--port', '80', '-o', 'json'], { stdin: KUBECTL_GET });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { verdict: string; hops: { to: string; allowed: boolean }[] };
    expect(j.verdict).toBe('allowed');
    expect(j.hops.map((h) => h.to)).toEqual(['shop/web-5d4f8b9c7-abcde', 'shop/web-5d4f8b9c7-fghij']);
    const back = await run(['check', '-', '--from', 'shop/web', '--to', 'shop/client', '--port', '80'], { stdin: KUBECTL_GET });
    expect(back.code).toBe(0);
    const other = await run(['check', '-', '--from', 'shop/web-5d4f8b9c7-abcde', '--to', 'shop/web', '--port', '80', '-o', 'json'], { stdin: KUBECTL_GET });
    expect(other.code).toBe(1);
    expect((JSON.parse(other.out) as { partial: boolean }).partial).toBe(true);
  });
});
