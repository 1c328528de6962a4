import { describe, expect, it } from 'vitest';
import { buildCluster, CHECK_PROBLEM_CODES, checkConnection, checkProblemField, describeCheckProblem, loadSource, type CheckProblemCode, type CheckRequest } from '@kordon/engine';

const cluster = buildCluster(
  loadSource({
    name: 'c.yaml',
    text: `
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: app, labels: { app: web } }
spec: { containers: [{ name: c, image: x, ports: [{ name: http, containerPort: 8080 }] }] }
status: { podIP: 10.0.0.5, phase: Running, conditions: [{ type: Ready, status: "True" }] }
---
apiVersion: v1
kind: Pod
metadata: { name: db, namespace: app, labels: { app: db } }
spec: { containers: [{ name: c, image: x }] }
status: { podIP: 10.0.0.6, phase: Running, conditions: [{ type: Ready, status: "True" }] }
---
apiVersion: apps/v1
kind: Deployment # without a template: no stand-in pod, so no pods at all
metadata: { name: idle, namespace: app }
spec: { replicas: 0, selector: { matchLabels: { app: idle } } }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: app }
spec: { selector: { app: web }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: app }
spec: { selector: { app: db }, ports: [{ port: 5432, targetPort: pg }] }
---
apiVersion: v1
kind: Service
metadata: { name: manual, namespace: app }
spec: { ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: empty, namespace: app }
spec: { selector: { app: nobody }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: headless, namespace: app }
spec: { selector: { app: web }, clusterIP: None }
`,
  }).objects,
).cluster;

// One request per code, and the field `kordon test` reports it against.
const cases: Array<[CheckProblemCode, CheckRequest, 'from' | 'to' | 'port' | undefined]> = [
  ['source-unresolved', { from: 'app/nope', to: 'app/db', port: '80' }, 'from'],
  ['source-is-service', { from: 'web.app', to: 'app/db', port: '80' }, 'from'],
  ['destination-unresolved', { from: 'app/web', to: 'app/nope', port: '80' }, 'to'],
  ['workload-without-pods', { from: 'app/idle', to: 'app/db', port: '80' }, 'from'],
  ['port-invalid', { from: 'app/web', to: 'app/db', port: '80/XYZ' }, 'port'],
  ['port-required', { from: 'app/web', to: 'app/db' }, 'port'],
  ['service-port-missing', { from: 'app/db', to: 'web.app', port: '81' }, 'port'],
  ['service-without-ports', { from: 'app/db', to: 'headless.app' }, undefined],
  ['service-without-selector', { from: 'app/web', to: 'manual.app' }, undefined],
  ['service-without-endpoints', { from: 'app/web', to: 'empty.app' }, undefined],
  ['named-port-missing', { from: 'app/web', to: 'db.app' }, undefined],
  ['named-port-on-address', { from: 'app/web', to: '10.9.9.9', port: 'http' }, undefined],
];

describe('check problems are data', () => {
  it.each(cases)('%s: the code, its words in problems, and its field', (code, req, field) => {
    const r = checkConnection(cluster, req);
    expect(r.issues.map((p) => p.code)).toEqual([code]);
    expect(r.problems).toEqual(r.issues.map(describeCheckProblem));
    expect(checkProblemField(r.issues[0]!)).toBe(field);
  });

  it('the cases above cover every code of the union', () => {
    expect(new Set(cases.map(([c]) => c))).toEqual(new Set(CHECK_PROBLEM_CODES));
  });

  it('a connection that is decided has no problems', () => {
    const r = checkConnection(cluster, { from: 'app/web', to: 'web.app' });
    expect(r.issues).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe('allowed');
  });

  it('the workload on the destination side is reported against `to`', () => {
    const r = checkConnection(cluster, { from: 'app/web', to: 'app/idle', port: '80' });
    expect(r.issues).toEqual([{ code: 'workload-without-pods', side: 'to', name: 'app/idle' }]);
    expect(r.summary).toBe('workload app/idle has no pods in the input');
  });
});
