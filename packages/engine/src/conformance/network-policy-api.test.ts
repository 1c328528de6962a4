// The ClusterNetworkPolicy conformance suite of kubernetes-sigs/network-policy-api, as data
// (shared/conformance/network-policy-api/cases.json): each test starts from the base world and its policy files, then
// runs its steps in order, mutating the objects and checking every verdict through evaluate() and computeMatrix().
import { describe, expect, it } from 'vitest';
import { computeMatrix } from '../matrix/matrix.js';
import { clusterOfFiles, matrixVsEvaluate, podByName, podVerdict } from './__fixtures__/harness.js';
import { cases, mutate, world } from './__fixtures__/network-policy-api.js';

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
