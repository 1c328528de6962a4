import { describe, expect, test } from 'vitest';
import { found, type Found } from './__fixtures__/run.js';

const e = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'error', path, line, column });
const w = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'warning', path, line, column });
const i = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'info', path, line, column });

describe('kinds kordon models: the fields it reads are type-checked', () => {
  test.each<[string, string, Found[]]>([
    [
      'a well-formed Pod',
      `apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: a, labels: {app: web}}
spec:
  hostNetwork: false
  nodeName: node-1
  containers:
    - name: web
      image: nginx
      ports: [{name: http, containerPort: 8080, protocol: TCP}]
  someFieldKordonIgnores: {x: 1}
status:
  phase: Running
  podIP: 10.0.0.5
  podIPs: [{ip: 10.0.0.5}, {ip: "fd00::5"}]
  hostIP: 192.168.1.10
  conditions: [{type: Ready, status: "True"}]
`,
      [],
    ],
    [
      'Pod fields of the wrong type',
      `apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: a, labels: {app: web, tier: 1}}
spec:
  hostNetwork: "true"
  containers:
    - name: web
      ports:
        containerPort: 8080
    - name: side
      ports: [{containerPort: http}, {containerPort: 80, name: 80}]
status:
  podIP: [10.0.0.5]
  podIPs: 10.0.0.5
`,
      [
        e('field-type', 'metadata.labels.tier', 3, 58),
        e('field-type', 'spec.hostNetwork', 5, 3),
        e('field-type', 'spec.containers[0].ports', 8, 7),
        e('field-type', 'spec.containers[1].ports[0].containerPort', 11, 16),
        e('field-type', 'spec.containers[1].ports[1].name', 11, 58),
        e('field-type', 'status.podIP', 13, 3),
        e('field-type', 'status.podIPs', 14, 3),
      ],
    ],
    [
      'YAML 1.1: `hostNetwork: yes` is true for kubectl (warning), a label `on` is a boolean (error)',
      `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: a
  labels:
    debug: on
spec:
  hostNetwork: yes
  containers: [{name: c}]
`,
      [e('yaml11-bool', 'metadata.labels.debug', 7, 5), w('yaml11-bool', 'spec.hostNetwork', 9, 3)],
    ],
    [
      'invalid label values on a Pod',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: a\n  labels: {app: "web server"}\n',
      [e('label-value-invalid', 'metadata.labels', 6, 12)],
    ],
    [
      'a Service',
      `apiVersion: v1
kind: Service
metadata: {name: web, namespace: a}
spec:
  selector: {app: web, "bad key": x}
  clusterIP: 10.96.0.10
  clusterIPs: 10.96.0.10
  ports:
    - {name: http, port: "80", targetPort: http}
    - {port: 443, targetPort: 8443, protocol: TCP}
    - {port: 53, targetPort: true}
`,
      [
        e('label-key-invalid', 'spec.selector', 5, 24),
        e('field-type', 'spec.clusterIPs', 7, 3),
        e('field-type', 'spec.ports[0].port', 9, 20),
        e('field-type', 'spec.ports[2].targetPort', 11, 18),
      ],
    ],
    [
      'a Deployment: replicas and pod template',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  replicas: two
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web, version: 1.0}
    spec:
      hostNetwork: 1
      containers: [{name: web, ports: [{containerPort: "8080"}]}]
`,
      [
        e('field-type', 'spec.replicas', 5, 3),
        e('field-type', 'spec.template.metadata.labels.version', 9, 26),
        e('field-type', 'spec.template.spec.hostNetwork', 11, 7),
        e('field-type', 'spec.template.spec.containers[0].ports[0].containerPort', 12, 41),
      ],
    ],
    [
      'a CronJob: the pod template is two levels down',
      `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: a}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels: {job: "-nightly"}
        spec:
          containers: [{name: c, ports: [{containerPort: 8080, protocol: 6}]}]
`,
      [
        e('label-value-invalid', 'spec.jobTemplate.spec.template.metadata.labels', 10, 20),
        e('field-type', 'spec.jobTemplate.spec.template.spec.containers[0].ports[0].protocol', 12, 64),
      ],
    ],
    [
      'StatefulSet, DaemonSet, ReplicaSet, Job: template labels are checked',
      ['StatefulSet', 'DaemonSet', 'ReplicaSet']
        .map((k) => `apiVersion: apps/v1\nkind: ${k}\nmetadata: {name: x, namespace: a}\nspec: {template: {metadata: {labels: {a: [b]}}}}\n`)
        .concat('apiVersion: batch/v1\nkind: Job\nmetadata: {name: x, namespace: a}\nspec: {template: {metadata: {labels: {a: [b]}}}}\n')
        .join('---\n'),
      [
        e('field-type', 'spec.template.metadata.labels.a', 4, 39),
        e('field-type', 'spec.template.metadata.labels.a', 9, 39),
        e('field-type', 'spec.template.metadata.labels.a', 14, 39),
        e('field-type', 'spec.template.metadata.labels.a', 19, 39),
      ],
    ],
    [
      'a Namespace has no namespace, and needs none',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels: {team: a}\n',
      [],
    ],
    ['a Namespace with a list for labels', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels: [team]\n', [e('field-type', 'metadata.labels', 5, 3)]],
    [
      'addresses kordon cannot read are warned about',
      `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
status:
  podIP: 10.0.0.256
  podIPs: [{ip: 10.0.0.5}, {ip: "fd00::g"}]
  hostIP: " 192.168.1.1"
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: a}
spec:
  clusterIP: None
  clusterIPs: [None, 10.96.0.300]
---
apiVersion: v1
kind: Service
metadata: {name: t, namespace: a}
spec: {clusterIP: "", clusterIPs: ["fd00::10"]}
`,
      [
        w('ip-invalid', 'status.podIP', 5, 3),
        w('ip-invalid', 'status.podIPs[1].ip', 6, 29),
        w('ip-invalid', 'status.hostIP', 7, 3),
        w('ip-invalid', 'spec.clusterIPs[1]', 14, 22),
      ],
    ],
    [
      'a namespaced object without a namespace: the same info as for policies',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec: {ports: [{port: 80}]}\n',
      [i('namespace-absent', 'metadata.namespace', 3, 1)],
    ],
    [
      'typos in the small structs that are complete are unknown fields, as kubectl apply reports them',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}, matchLabel: {x: y}}
  template:
    metadata: {lables: {app: web}}
    spec:
      containers:
        - name: web
          ports: [{containerport: 8080, name: http}]
`,
      [
        e('field-unknown', 'spec.selector.matchLabel', 5, 39),
        e('field-unknown', 'spec.template.metadata.lables', 7, 16),
        e('field-unknown', 'spec.template.spec.containers[0].ports[0].containerport', 11, 20),
      ],
    ],
    [
      'pod metadata from an older cluster dump (clusterName) passes; a near miss of a metadata field does not',
      `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a, clusterName: "", anotations: {x: y}}
spec: {containers: [{name: c, image: x}]}
`,
      [e('field-unknown', 'metadata.anotations', 3, 52)],
    ],
    [
      'in the large open structs, a near miss of a field kordon reads is a warning; other unknown keys pass',
      `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec:
  hostnetwork: true
  containers:
    - name: web
      port: [{containerPort: 80}]
      imagePullPolicy: Always
  schedulerName: custom
status: {podIp: 10.0.0.1, qosClass: BestEffort}
`,
      [
        w('field-unknown', 'spec.hostnetwork', 5, 3),
        w('field-unknown', 'spec.containers[0].port', 8, 7),
        w('field-unknown', 'status.podIp', 11, 10),
      ],
    ],
    [
      'duplicate keys in a Pod',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: a\n  namespace: b\n',
      [e('field-duplicate', 'metadata.namespace', 6, 3)],
    ],
  ])('%s', (_name, text, expected) => {
    expect(found(text)).toEqual(expected);
  });
});

describe('kinds kordon does not model get nothing here', () => {
  test.each([
    ['ConfigMap', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\ndata: {on: yes}\n'],
    ['a custom resource', 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {ports: nonsense}\n'],
    ['a Deployment of an unknown group', 'apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: w}\nspec: {replicas: many}\n'],
  ])('%s', (_name, text) => {
    expect(found(text)).toEqual([]);
  });
});
