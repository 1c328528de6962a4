// The ClusterNetworkPolicy conformance suite of kubernetes-sigs/network-policy-api, as data
// (shared/conformance/network-policy-api/cases.json): each test starts from the base world and its policy files, then
// runs its steps in order, mutating the objects and checking every verdict through evaluate() and computeMatrix().
import { describe, expect, it } from 'vitest';
import { loadSources } from '../load/load.js';
import type { Protocol } from '../model/types.js';
import { computeMatrix } from '../matrix/matrix.js';
import { clusterOfFiles, matrixVsEvaluate, podByName, podVerdict, readJson, readText } from './__fixtures__/harness.js';

type Obj = Record<string, unknown>;
interface Verdict {
  type: 'verdict';
  id: string;
  client: string;
  server: string;
  protocol: Protocol;
  port: number;
  connect: boolean;
  file: string;
  line: number;
  subtest: string;
}
type Mutation =
  | { type: 'mutation'; op: 'swap-rules'; policy: string; direction: 'ingress' | 'egress'; i: number; j: number }
  | { type: 'mutation'; op: 'set'; policy: string; path: string; value: unknown }
  | { type: 'mutation'; op: 'prepend-rule'; policy: string; direction: 'ingress' | 'egress'; rule: Obj }
  | { type: 'mutation'; op: 'label-namespace'; namespace: string; labels: Record<string, string> }
  | { type: 'mutation'; op: 'delete'; kind: string; namespace?: string; name: string };
interface Test {
  name: string;
  apply: string[];
  steps: (Verdict | Mutation)[];
}
interface Cases {
  base: string[];
  tests: Test[];
}

const ROOT = 'network-policy-api';
const cases = readJson<Cases>(`${ROOT}/cases.json`);
const fileOf = (rel: string) => ({ name: rel, text: readText(`${ROOT}/${rel}`) });

/** The objects of the base and the applied files, as plain data that the mutations edit. */
function world(test: Test): Obj[] {
  const loaded = loadSources([...cases.base, ...test.apply].map(fileOf));
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return loaded.objects.map((o) => structuredClone(o.raw));
}

const meta = (o: Obj): Obj => o['metadata'] as Obj;
const isClusterPolicy = (o: Obj) => o['kind'] === 'ClusterNetworkPolicy';

function policyNamed(objs: Obj[], name: string): Obj {
  const p = objs.find((o) => isClusterPolicy(o) && meta(o)['name'] === name);
  if (!p) throw new Error(`no ClusterNetworkPolicy ${name}`);
  return p;
}

/** Sets `spec.egress[5].protocols` and the like. */
function setPath(root: Obj, path: string, value: unknown): void {
  const segs = path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== '').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  let cur: Record<string | number, unknown> = root;
  segs.slice(0, -1).forEach((s) => (cur = cur[s] as Record<string | number, unknown>));
  cur[segs[segs.length - 1]!] = structuredClone(value);
}

function mutate(objs: Obj[], m: Mutation): Obj[] {
  switch (m.op) {
    case 'swap-rules': {
      const rules = (policyNamed(objs, m.policy)['spec'] as Obj)[m.direction] as unknown[];
      [rules[m.i], rules[m.j]] = [rules[m.j], rules[m.i]];
      return objs;
    }
    case 'set':
      setPath(policyNamed(objs, m.policy), m.path, m.value);
      return objs;
    case 'prepend-rule': {
      const spec = policyNamed(objs, m.policy)['spec'] as Obj;
      spec[m.direction] = [structuredClone(m.rule), ...((spec[m.direction] as unknown[]) ?? [])];
      return objs;
    }
    case 'label-namespace': {
      const ns = objs.find((o) => o['kind'] === 'Namespace' && meta(o)['name'] === m.namespace)!;
      meta(ns)['labels'] = { ...m.labels, 'kubernetes.io/metadata.name': m.namespace };
      return objs;
    }
    case 'delete':
      return objs.filter((o) => !(o['kind'] === m.kind && meta(o)['name'] === m.name && (m.namespace === undefined || meta(o)['namespace'] === m.namespace)));
  }
}

describe('network-policy-api conformance (ClusterNetworkPolicy v1alpha2)', () => {
  it('holds the 24 tests and 301 verdicts the README counts', () => {
    expect(cases.tests).toHaveLength(24);
    expect(cases.tests.flatMap((t) => t.steps).filter((s) => s.type === 'verdict')).toHaveLength(301);
  });

  for (const test of cases.tests) {
    it(`${test.name}: every verdict through evaluate and computeMatrix`, () => {
      let objs = world(test);
      const failures: string[] = [];
      let checked = 0;
      for (const step of test.steps) {
        if (step.type === 'mutation') {
          objs = mutate(objs, step);
          continue;
        }
        const { cluster, diagnostics } = clusterOfFiles([{ name: `${test.name}.json`, text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }) }]);
        const errors = diagnostics.filter((d) => d.severity === 'error');
        expect(errors, errors.map((d) => `${d.path}: ${d.message}`).join('\n')).toEqual([]);
        expect(cluster.clusterPolicies.length).toBeGreaterThan(0);
        const from = podByName(cluster, step.client);
        const to = podByName(cluster, step.server);
        const byEvaluate = podVerdict(cluster, from, to, step.port, step.protocol);
        const m = computeMatrix(cluster, { ports: [{ port: step.port, protocol: step.protocol }] });
        const byMatrix = m.allowed(0, m.endpoints.indexOf(step.client), m.endpoints.indexOf(step.server));
        const where = `${step.id} (${step.file}:${step.line}) ${step.client} -> ${step.server} ${step.port}/${step.protocol}`;
        if (byEvaluate !== step.connect) failures.push(`${where}: evaluate says ${byEvaluate}, upstream ${step.connect}`);
        if (byMatrix !== step.connect) failures.push(`${where}: matrix says ${byMatrix}, upstream ${step.connect}`);
        checked++;
      }
      expect(failures).toEqual([]);
      expect(checked).toBe(test.steps.filter((s) => s.type === 'verdict').length);
    });
  }

  it('the matrix agrees with evaluate on every cell of every test state, in default columns', () => {
    for (const test of cases.tests) {
      let objs = world(test);
      const states = [objs];
      for (const step of test.steps) if (step.type === 'mutation') states.push((objs = mutate(objs.map((o) => structuredClone(o)), step)));
      for (const s of states) {
        const { cluster } = clusterOfFiles([{ name: `${test.name}.json`, text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: s }) }]);
        expect(matrixVsEvaluate(cluster, { ips: ['172.18.0.2', '8.8.8.8'] }), test.name).toEqual([]);
      }
    }
  });
});
