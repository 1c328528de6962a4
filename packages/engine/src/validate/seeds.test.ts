/**
 * Manifests as published in tutorials and blog posts (the project's seed material), with the
 * mistakes their readers copy: each must be reported where it is written.
 */
import { describe, expect, test } from 'vitest';
import { found, load, validateText, type Found } from './__fixtures__/run.js';
import { validateObject } from './index.js';

const e = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'error', path, line, column });
const w = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'warning', path, line, column });
const i = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'info', path, line, column });

describe('seed 000: pod network policies blog post', () => {
  test('except entries with host bits set: accepted, each warned that it means 172.17.0.0/24', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: network-policy
  namespace: app
spec:
  podSelector: {}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - ipBlock:
            cidr: 172.17.0.0/16
            except:
              - 172.17.0.1/24
              - 172.17.0.2/24
              - 172.17.0.3/24
`;
    expect(found(text)).toEqual([
      w('cidr-host-bits', 'spec.ingress[0].from[0].ipBlock.except[0]', 15, 17),
      w('cidr-host-bits', 'spec.ingress[0].from[0].ipBlock.except[1]', 16, 17),
      w('cidr-host-bits', 'spec.ingress[0].from[0].ipBlock.except[2]', 17, 17),
    ]);
    expect(validateText(text)[0]?.message).toContain('172.17.0.0/24');
  });

  test('`ports` inside the peer: strict decoding rejects it, at its line', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: network-policy
  namespace: app
spec:
  podSelector: {}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - podSelector: {}
          ports:
            - protocol: TCP
              port: 443
`;
    expect(found(text)).toEqual([e('field-unknown', 'spec.ingress[0].from[0].ports', 13, 11)]);
    expect(validateText(text)[0]?.hint).toMatch(/did you mean to put `ports` at the rule level\? it is indented under a peer/);
  });

  test('the correct examples pass', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: network-policy
  namespace: database
spec:
  podSelector: {}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              application: demo-app
          podSelector:
            matchLabels:
              component: database
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: network-policy
  namespace: app
spec:
  podSelector: {}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    - {}
  egress:
    - {}
`;
    expect(found(text)).toEqual([]);
  });
});

describe('seed 001: a blog that lost all indentation', () => {
  const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
name: test-app-network-policy
namespace: meetup-service-mesh-raw-k8s
spec:
podSelector:
matchLabels:
app: test-app-op-plus
version: v1
policyTypes:
- Ingress
ingress:
- from:
- podSelector:
matchLabels:
role: test-app-bff
ports:
- protocol: TCP
port: 8080
`;
  test('every stray key is reported at its line; the policy has no name', () => {
    expect(found(text)).toEqual([
      e('name-required', 'metadata.name', 1, 1),
      i('namespace-absent', 'metadata.namespace', 1, 1),
      i('podselector-absent', 'spec.podSelector', 1, 1),
      e('field-unknown', 'name', 4, 1),
      e('field-unknown', 'namespace', 5, 1),
      e('field-unknown', 'podSelector', 7, 1),
      e('field-unknown', 'matchLabels', 8, 1),
      e('field-unknown', 'app', 9, 1),
      e('field-unknown', 'version', 10, 1),
      e('field-unknown', 'policyTypes', 11, 1),
      e('field-unknown', 'ingress', 13, 1),
      e('field-duplicate', 'matchLabels', 16, 1),
      e('field-unknown', 'role', 17, 1),
      e('field-unknown', 'ports', 18, 1),
      e('field-unknown', 'port', 20, 1),
    ]);
    const hints = new Map(validateText(text).map((d) => [d.path, d.hint ?? '']));
    expect(hints.get('name')).toMatch(/metadata/);
    expect(hints.get('podSelector')).toMatch(/spec/);
    expect(hints.get('app')).toMatch(/lost its indentation/);
  });

  test('the same policy, indented, passes; a dotted name is a valid subdomain', () => {
    const fixed = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default.balance
  namespace: default
spec:
  podSelector:
    matchLabels:
      app: balance
  egress:
  - to:
    - podSelector:
        matchLabels:
          app: postgres
  - to:
    ports:
    - protocol: UDP
      port: 53
  policyTypes:
  - Egress
`;
    expect(found(fixed)).toEqual([]);
  });
});

describe('seed 002: the demo with one-space indentation and OR-ed selectors', () => {
  test('valid as far as the API server is concerned', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
 name: deny
 namespace: frontend
spec:
 podSelector: {}
 policyTypes:
 - Egress
 - Ingress
 ingress:
 - from:
   - podSelector: {}
 egress:
 - to:
   - podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: backend
  namespace: backend
spec:
  podSelector:
    matchLabels:
      run: backend
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          ns: frontend
    - podSelector:
        matchLabels:
          run: frontend
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata:
  name: all-pods-egress-allow-dns
  namespace: frontend
spec:
  podSelector: {}
  policyTypes:
  - Egress
  egress:
    - to:
      - namespaceSelector:
          matchLabels:
            contains: coredns
        podSelector:
          matchLabels:
            k8s-app: kube-dns
`;
    expect(load(text).objects).toHaveLength(3);
    expect(found(text)).toEqual([]);
  });
});

describe('seed 003: labels that lost their indentation under matchLabels', () => {
  const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: backend-network-policy
spec:
  podSelector:
    matchLabels:
      name: backend
  policyTypes:
    - Ingress
    - Egress
  ingress:
    - from:
        - podSelector:
            matchLabels:
            name: frontend
      ports:
        - port: 8080
          protocol: TCP
  egress:
    - to:
        - podSelector:
            matchLabels:
            name: database
      ports:
        - port: 5432
          protocol: TCP
`;
  test('`name:` beside an empty matchLabels is an unknown field of the selector', () => {
    expect(found(text)).toEqual([
      i('namespace-absent', 'metadata.namespace', 3, 1),
      e('field-unknown', 'spec.ingress[0].from[0].podSelector.name', 16, 13),
      e('field-unknown', 'spec.egress[0].to[0].podSelector.name', 24, 13),
    ]);
    for (const d of validateText(text).filter((x) => x.code === 'field-unknown')) {
      expect(d.hint).toMatch(/lost its indentation under `matchLabels:`/);
    }
  });
});

describe('seed 004: a page of examples and a Deployment', () => {
  test('all valid', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: complex-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      app: complex-app
  ingress:
    - from:
      - namespaceSelector:
          matchLabels:
            environment: trusted
      - podSelector:
          matchLabels:
            app: trusted-peer
  egress:
    - to:
      - ipBlock:
          cidr: 192.168.0.0/16
          except:
          - 192.168.1.0/24
  policyTypes:
    - Ingress
    - Egress
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  namespace: nginx-example
spec:
  selector:
    matchLabels:
      app: nginx
  replicas: 1
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:latest
        ports:
        - containerPort: 80
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-nginx
  namespace: nginx-example
spec:
  podSelector:
    matchLabels:
      app: nginx
  policyTypes:
    - Ingress
  ingress:
  - from: []
    ports:
    - protocol: TCP
      port: 80
`;
    expect(load(text).objects.map((o) => o.kind)).toEqual(['NetworkPolicy', 'Deployment', 'NetworkPolicy']);
    expect(found(text)).toEqual([]);
  });
});

describe('`kubectl get -o yaml` output', () => {
  test('items of a List are located in the file, exported fields are accepted', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {"apiVersion":"networking.k8s.io/v1"}
    creationTimestamp: "2024-05-01T10:00:00Z"
    generation: 1
    name: db
    namespace: prod
    resourceVersion: "12345"
    uid: 0b0c2a4e-0000-4000-8000-000000000000
  spec:
    podSelector:
      matchLabels:
        app: db
    policyTypes:
    - Ingress
    ingress:
    - from:
      - podSelector:
          matchLabels:
            app: api
      ports:
      - port: 5432
        protocol: TCP
        endPort: 5431
metadata:
  resourceVersion: ""
`;
    expect(found(text)).toEqual([e('endport-invalid', 'spec.ingress[0].ports[0].endPort', 30, 9)]);
  });
});

describe('one bad document does not hide the others', () => {
  test('validation errors stay with their object', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: good, namespace: a}
spec: {podSelector: {}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: Bad_Name, namespace: a}
spec:
  podSelector: {}
  ingress: [{from: [{}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: a}
spec: {selector: {app: web}, ports: [{port: 80}]}
`;
    const { objects, loadDiagnostics } = load(text);
    expect(loadDiagnostics).toEqual([]);
    expect(objects.map((o) => o.name)).toEqual(['good', 'Bad_Name', 'web']);
    const perObject = objects.map((o) => validateObject(o).map((d) => d.code));
    expect(perObject).toEqual([[], ['name-invalid', 'peer-empty'], []]);
  });

  test('a document with a YAML syntax error is skipped, the rest are validated', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: first, namespace: a}
spec: {podSelector: {}, policyTypes: [Sideways]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: broken
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: last, namespace: a}
spec: {podSelector: {}}
`;
    const { objects, loadDiagnostics } = load(text);
    expect(loadDiagnostics.map((d) => d.code)).toContain('yaml-syntax');
    expect(objects.map((o) => o.name)).toEqual(['first', 'last']);
    expect(objects.flatMap((o) => validateObject(o)).map((d) => [d.object?.name, d.code, d.line])).toEqual([['first', 'policytype-unsupported', 4]]);
  });
});
