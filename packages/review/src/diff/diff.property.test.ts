// diff on random clusters and random changes, against a plain reference: every ordered pair of distinct pods common
// to both versions, on every port column, evaluated one by one in each version with `evaluate`. The flows the report
// lists (with `ns/*` and `anywhere` read back as the workloads they stand for) must be exactly the pairs whose verdict
// flips, with the same direction of change and port column. This holds whatever the report prunes (ends no change
// touches, columns no changed rule admits) and however it groups pods.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCluster, defaultColumns, evaluate, loadSources, type Cluster, type Pod } from '@kordon/engine';
import { diffClusters, type DiffReport } from '../index.js';

const NAMESPACES = ['alpha', 'beta', 'gamma'];
const APPS = ['web', 'api', 'db'];

interface PodSpec {
  ns: number;
  app: number;
  tier: number;
  named: boolean;
}
interface PolicySpec {
  ns: number;
  selector: string;
  types: string[];
  ingress: string[];
  egress: string[];
}

const selectorArb = fc.oneof(fc.constant('{}'), fc.constantFrom(...APPS).map((a) => `{matchLabels: {app: ${a}}}`), fc.constantFrom('front', 'back').map((t) => `{matchLabels: {tier: ${t}}}`));
const podsArb = fc.array(fc.record({ ns: fc.integer({ min: 0, max: 2 }), app: fc.integer({ min: 0, max: 2 }), tier: fc.integer({ min: 0, max: 2 }), named: fc.boolean() }), { minLength: 2, maxLength: 7 });
const ipOf = (i: number, p: PodSpec) => `10.1.${p.ns}.${i + 10}`;
const peerArb = (podIps: string[]) =>
  fc.oneof(
    selectorArb.map((s) => `{podSelector: ${s}}`),
    fc.integer({ min: 0, max: 2 }).map((n) => `{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${NAMESPACES[n]}}}}`),
    fc.tuple(fc.integer({ min: 0, max: 2 }), selectorArb).map(([n, s]) => `{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${NAMESPACES[n]}}}, podSelector: ${s}}`),
    fc.constantFrom('10.1.0.0/16', '10.1.1.0/24', '203.0.113.0/24', ...podIps.map((ip) => `${ip}/32`)).map((c) => `{ipBlock: {cidr: ${c}}}`),
    fc.constant('{ipBlock: {cidr: 10.1.0.0/16, except: [10.1.2.0/24]}}'),
  );
const portsArb = fc.oneof(fc.constant(''), fc.subarray(['{port: 80}', '{port: 443}', '{port: 53, protocol: UDP}', '{port: http}', '{port: 8000, endPort: 8100}'], { minLength: 1 }).map((p) => `ports: [${p.join(', ')}]`));
const ruleArb = (podIps: string[], dir: 'from' | 'to') =>
  fc.tuple(fc.oneof(fc.constant(''), fc.array(peerArb(podIps), { minLength: 1, maxLength: 2 }).map((ps) => `${dir}: [${ps.join(', ')}]`)), portsArb).map(([peers, ports]) => `{${[peers, ports].filter(Boolean).join(', ')}}`);
const policyArb = (podIps: string[]): fc.Arbitrary<PolicySpec> =>
  fc.record({
    ns: fc.integer({ min: 0, max: 2 }),
    selector: selectorArb,
    types: fc.constantFrom(['Ingress'], ['Egress'], ['Ingress', 'Egress']),
    ingress: fc.array(ruleArb(podIps, 'from'), { maxLength: 2 }),
    egress: fc.array(ruleArb(podIps, 'to'), { maxLength: 2 }),
  });

/** One change between the versions: a rule added to or dropped from a policy, a policy added or removed, a pod relabelled. */
type Change = { kind: 'add-rule'; policy: number; dir: 'ingress' | 'egress'; rule: string } | { kind: 'drop-rule'; policy: number; dir: 'ingress' | 'egress' } | { kind: 'add-policy'; policy: PolicySpec } | { kind: 'remove-policy'; policy: number } | { kind: 'relabel'; pod: number; app: number } | { kind: 'selector'; policy: number; selector: string };

const changeArb = (podIps: string[]): fc.Arbitrary<Change> =>
  fc.oneof(
    fc.tuple(fc.nat(5), fc.constantFrom('ingress' as const, 'egress' as const)).chain(([policy, dir]) => ruleArb(podIps, dir === 'ingress' ? 'from' : 'to').map((rule) => ({ kind: 'add-rule' as const, policy, dir, rule }))),
    fc.record({ kind: fc.constant('drop-rule' as const), policy: fc.nat(5), dir: fc.constantFrom('ingress' as const, 'egress' as const) }),
    fc.record({ kind: fc.constant('add-policy' as const), policy: policyArb(podIps) }),
    fc.record({ kind: fc.constant('remove-policy' as const), policy: fc.nat(5) }),
    fc.record({ kind: fc.constant('relabel' as const), pod: fc.nat(6), app: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ kind: fc.constant('selector' as const), policy: fc.nat(5), selector: selectorArb }),
  );

function manifests(pods: PodSpec[], policies: PolicySpec[]): string {
  const docs = NAMESPACES.map((n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}}`);
  pods.forEach((p, i) => {
    const tier = ['', ', tier: front', ', tier: back'][p.tier];
    const ports = p.named ? '[{name: http, containerPort: 80}, {containerPort: 443}]' : '[{containerPort: 80}]';
    docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: ${NAMESPACES[p.ns]}, labels: {app: ${APPS[p.app]}${tier}}}\nspec: {containers: [{name: c, image: x, ports: ${ports}}]}\nstatus: {phase: Running, podIP: ${ipOf(i, p)}}`);
  });
  policies.forEach((p, k) => {
    const spec = [`  podSelector: ${p.selector}`, `  policyTypes: [${p.types.join(', ')}]`];
    if (p.ingress.length) spec.push(`  ingress: [${p.ingress.join(', ')}]`);
    if (p.egress.length) spec.push(`  egress: [${p.egress.join(', ')}]`);
    docs.push(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np${k}, namespace: ${NAMESPACES[p.ns]}}\nspec:\n${spec.join('\n')}`);
  });
  return docs.join('\n---\n');
}

function applyChange(pods: PodSpec[], policies: PolicySpec[], c: Change): [PodSpec[], PolicySpec[]] {
  const ps = pods.map((p) => ({ ...p }));
  const pol = policies.map((p) => ({ ...p, ingress: [...p.ingress], egress: [...p.egress] }));
  const at = (i: number) => (pol.length ? pol[i % pol.length]! : undefined);
  if (c.kind === 'add-rule') at(c.policy)?.[c.dir].push(c.rule);
  else if (c.kind === 'drop-rule') at(c.policy)?.[c.dir].shift();
  else if (c.kind === 'add-policy') pol.push(c.policy);
  else if (c.kind === 'remove-policy' && pol.length) pol.splice(c.policy % pol.length, 1);
  else if (c.kind === 'relabel') ps[c.pod % ps.length]!.app = c.app;
  else if (c.kind === 'selector' && at(c.policy)) at(c.policy)!.selector = c.selector;
  return [ps, pol];
}

function built(text: string): Cluster {
  const b = buildCluster(loadSources([{ name: 'c.yaml', text }]).objects);
  expect(b.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return b.cluster;
}

const ref = (p: Pod) => `${p.namespace}/${p.name}`;

/** The plain answer: every common pod pair on every column, one `evaluate` per version. */
function flipsByEvaluate(old: Cluster, next: Cluster): Set<string> {
  const columns = defaultColumns({ ...next, policies: [...old.policies, ...next.policies], pods: [...old.pods, ...next.pods] });
  const before = new Map(old.pods.map((p) => [ref(p), p]));
  const common = next.pods.filter((p) => before.has(ref(p)));
  const out = new Set<string>();
  for (const a of common) {
    for (const b of common) {
      if (a === b) continue;
      for (const col of columns) {
        const t = { port: col.port, protocol: col.protocol };
        const vo = evaluate(old, { from: { kind: 'pod', pod: before.get(ref(a))! }, to: { kind: 'pod', pod: before.get(ref(b))! }, ...t }).allowed;
        const vn = evaluate(next, { from: { kind: 'pod', pod: a }, to: { kind: 'pod', pod: b }, ...t }).allowed;
        if (vo !== vn) out.add(`${vn ? 'allowed' : 'denied'} ${ref(a)} -> ${ref(b)} ${col.label}`);
      }
    }
  }
  return out;
}

/** The report's flows between pods, one entry per pod pair and port column (each pod is its own workload here). */
function flipsOfReport(r: DiffReport, next: Cluster, old: Cluster): Set<string> {
  const before = new Set(old.pods.map(ref));
  const workloads = next.pods.map(ref).filter((w) => before.has(w));
  const ends = (name: string): string[] => {
    if (name === 'anywhere') return workloads;
    if (name.endsWith('/*')) return workloads.filter((w) => w.startsWith(name.slice(0, -1)));
    return workloads.includes(name) ? [name] : []; // an outside address range
  };
  const out = new Set<string>();
  for (const f of r.changes) {
    for (const a of ends(f.from)) for (const b of ends(f.to)) for (const port of f.ports) if (a !== b) out.add(`${f.change} ${a} -> ${b} ${port}`);
    if (ends(f.from).length === 1 && ends(f.to).length === 1 && f.from === ends(f.from)[0] && f.to === ends(f.to)[0]) expect(f.pairs).toBe(1);
  }
  return out;
}

describe('diff on random clusters and changes', () => {
  it('lists exactly the pod pairs whose verdict flips, per port column, as a pair-by-pair evaluation finds them', () => {
    fc.assert(
      fc.property(
        podsArb.chain((pods) => {
          const ips = pods.map((p, i) => ipOf(i, p));
          return fc.tuple(fc.constant(pods), fc.array(policyArb(ips), { maxLength: 5 }), fc.array(changeArb(ips), { minLength: 1, maxLength: 2 }));
        }),
        ([pods, policies, changes]) => {
          let [ps, pol] = [pods, policies];
          for (const c of changes) [ps, pol] = applyChange(ps, pol, c);
          const old = built(manifests(pods, policies));
          const next = built(manifests(ps, pol));
          const report = diffClusters(old, next);
          expect([...flipsOfReport(report, next, old)].sort()).toEqual([...flipsByEvaluate(old, next)].sort());
        },
      ),
      { numRuns: 150 },
    );
  });
});
