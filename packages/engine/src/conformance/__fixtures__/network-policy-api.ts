// The network-policy-api conformance suite (shared/conformance/network-policy-api/cases.json) as replayable data:
// each test's world (base files plus its policy files) and the mutations between its verdicts. The engine's
// conformance test and the dataplane's lab proof replay the same steps.
import { expect } from 'vitest';
import { loadSources } from '../../load/load.js';
import type { Protocol } from '../../model/types.js';
import { readJson, readText } from './harness.js';

export type Obj = Record<string, unknown>;
export interface Verdict {
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
export type Mutation =
  | { type: 'mutation'; op: 'swap-rules'; policy: string; direction: 'ingress' | 'egress'; i: number; j: number }
  | { type: 'mutation'; op: 'set'; policy: string; path: string; value: unknown }
  | { type: 'mutation'; op: 'prepend-rule'; policy: string; direction: 'ingress' | 'egress'; rule: Obj }
  | { type: 'mutation'; op: 'label-namespace'; namespace: string; labels: Record<string, string> }
  | { type: 'mutation'; op: 'delete'; kind: string; namespace?: string; name: string };
export interface Test {
  name: string;
  apply: string[];
  steps: (Verdict | Mutation)[];
}
export interface Cases {
  base: string[];
  tests: Test[];
}

const ROOT = 'network-policy-api';
export const cases = readJson<Cases>(`${ROOT}/cases.json`);
const fileOf = (rel: string) => ({ name: rel, text: readText(`${ROOT}/${rel}`) });

/** The objects of the base and the applied files, as plain data that the mutations edit. */
export function world(test: Test): Obj[] {
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

export function mutate(objs: Obj[], m: Mutation): Obj[] {
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

