// Round trip: on random clusters, take the full matrix of a random policy set (as `kordon lab probe` prints it),
// generate policies from it, and compute the matrix again with the generated policies in place. Every allowed cell
// must stay allowed; a cell the generated set allows beyond the original must be one that labels cannot express (two
// pods no stable label tells apart, one of them allowed), and the report must name it among the extras.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCluster, computeMatrix, loadSources, type Pod } from '@kordon/engine';
import { generatePolicies, parseFlows } from '../index.js';
import { stableLabels } from './units.js';

const NAMESPACES = ['alpha', 'beta', 'gamma'];
const PORTS = [
  { port: 80, protocol: 'TCP' as const },
  { port: 443, protocol: 'TCP' as const },
  { port: 53, protocol: 'UDP' as const },
];
const OUTSIDE = ['203.0.113.1', '203.0.113.2'];

const labelsArb = fc.record({ app: fc.constantFrom('web', 'api', 'db'), tier: fc.constantFrom(undefined, 'front', 'back'), 'pod-template-hash': fc.constantFrom(undefined, 'h1', 'h2') });
const podsArb = fc.array(fc.record({ ns: fc.integer({ min: 0, max: 2 }), labels: labelsArb, named: fc.boolean() }), { minLength: 2, maxLength: 7 });

const selectorArb = fc.oneof(fc.constant('{}'), fc.constantFrom('web', 'api', 'db').map((a) => `{matchLabels: {app: ${a}}}`), fc.constantFrom('front', 'back').map((t) => `{matchLabels: {tier: ${t}}}`));
const peerArb = (podIps: string[]) =>
  fc.oneof(
    selectorArb.map((s) => `{podSelector: ${s}}`),
    fc.integer({ min: 0, max: 2 }).map((n) => `{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${NAMESPACES[n]}}}}`),
    fc.tuple(fc.integer({ min: 0, max: 2 }), selectorArb).map(([n, s]) => `{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${NAMESPACES[n]}}}, podSelector: ${s}}`),
    fc.constantFrom('203.0.113.0/31', '203.0.113.2/32', '10.1.0.0/16', ...podIps.map((ip) => `${ip}/32`)).map((c) => `{ipBlock: {cidr: ${c}}}`),
  );
const portsArb = fc.oneof(fc.constant(''), fc.subarray(['{port: 80}', '{port: 443}', '{port: 53, protocol: UDP}', '{port: http}'], { minLength: 1 }).map((p) => `, ports: [${p.join(', ')}]`));
const ruleArb = (podIps: string[], dir: 'from' | 'to') => fc.tuple(fc.oneof(fc.constant(''), fc.array(peerArb(podIps), { minLength: 1, maxLength: 2 }).map((ps) => `${dir}: [${ps.join(', ')}]`)), portsArb).map(([peers, ports]) => `{${peers}${peers === '' ? ports.replace(/^, /, '') : ports}}`);
const policiesArb = (podIps: string[]) =>
  fc.array(
    fc.record({
      ns: fc.integer({ min: 0, max: 2 }),
      selector: selectorArb,
      types: fc.constantFrom(['Ingress'], ['Egress'], ['Ingress', 'Egress']),
      ingress: fc.array(ruleArb(podIps, 'from'), { maxLength: 2 }),
      egress: fc.array(ruleArb(podIps, 'to'), { maxLength: 2 }),
    }),
    { maxLength: 4 },
  );

function manifests(pods: Array<{ ns: number; labels: Record<string, string | undefined>; named: boolean }>): string[] {
  const docs = NAMESPACES.map((n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}}`);
  pods.forEach((p, i) => {
    const labels = Object.entries(p.labels).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`).join(', ');
    const ports = p.named ? '[{name: http, containerPort: 80}, {containerPort: 443}]' : '[{containerPort: 80}]';
    docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: ${NAMESPACES[p.ns]}, labels: {${labels}}}\nspec: {containers: [{name: c, image: x, ports: ${ports}}]}\nstatus: {phase: Running, podIP: 10.1.${p.ns}.${i + 10}}`);
  });
  return docs;
}

describe('generate round trip on random clusters', () => {
  it('allows exactly the matrix where labels can express it, and names every other pair', () => {
    fc.assert(
      fc.property(
        podsArb.chain((pods) => fc.tuple(fc.constant(pods), policiesArb(pods.map((p, i) => `10.1.${p.ns}.${i + 10}`)))),
        ([pods, policies]) => {
          const workloads = manifests(pods);
          const policyDocs = policies.map((p, k) => {
            const spec = [`  podSelector: ${p.selector}`, `  policyTypes: [${p.types.join(', ')}]`];
            if (p.ingress.length) spec.push(`  ingress: [${p.ingress.join(', ')}]`);
            if (p.egress.length) spec.push(`  egress: [${p.egress.join(', ')}]`);
            return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p${k}, namespace: ${NAMESPACES[p.ns]}}\nspec:\n${spec.join('\n')}`;
          });
          const original = buildCluster(loadSources([{ name: 'c.yaml', text: [...workloads, ...policyDocs].join('\n---\n') }]).objects);
          expect(original.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
          const m0 = computeMatrix(original.cluster, { ports: PORTS, ips: OUTSIDE });
          const probe = { endpoints: m0.endpoints, ports: m0.columns.map((c) => c.label), allowed: Object.fromEntries(m0.columns.map((c, k) => [c.label, m0.endpoints.map((_, i) => m0.row(k, i))])) };

          const objects = loadSources([{ name: 'c.yaml', text: workloads.join('\n---\n') }]).objects;
          const r = generatePolicies({ objects, expectations: [], flows: [parseFlows({ name: 'probe.json', text: JSON.stringify(probe) })] });
          expect(r.proof.validation).toEqual([]);
          expect(r.proof.allowed.failures).toEqual([]);
          const m1 = computeMatrix(r.cluster, { ports: PORTS, ips: OUTSIDE });
          expect(m1.endpoints).toEqual(m0.endpoints);

          const listed = new Map(r.proof.extras.flatMap((e) => e.pairList.map((p) => [p, e] as const)));
          const podOf = new Map(original.cluster.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
          // Endpoints no stable label tells apart from endpoint i: itself, and pods of its namespace with its labels.
          const twins = (i: number): number[] => {
            const p = podOf.get(m0.endpoints[i]!);
            if (!p) return [i];
            const key = twinKey(p);
            return m0.endpoints.map((e, k) => k).filter((k) => {
              const q = podOf.get(m0.endpoints[k]!);
              return q !== undefined && twinKey(q) === key;
            });
          };
          const n = m0.endpoints.length;
          for (let col = 0; col < PORTS.length; col++) {
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < n; j++) {
                const before = m0.allowed(col, i, j);
                const after = m1.allowed(col, i, j);
                if (before === undefined || i === j) continue;
                const pair = `${m0.endpoints[i]} -> ${m0.endpoints[j]} ${m0.columns[col]!.label}`;
                if (before) {
                  expect(after, `${pair} was allowed`).toBe(true);
                  continue;
                }
                if (!after) continue;
                // Allowed now, not before: labels cannot tell it from a pair that was allowed, and the report says so.
                const justified = twins(i).some((a) => twins(j).some((b) => a !== b && m0.allowed(col, a, b) === true));
                expect(justified, `${pair} is newly allowed, though labels tell it apart`).toBe(true);
                expect(listed.has(pair), `${pair} is newly allowed and not named in the report`).toBe(true);
              }
            }
          }
          // And nothing is named that is not allowed beyond the matrix.
          for (const [pair] of listed) {
            const [from, , to, port] = pair.split(' ');
            const col = m0.columns.findIndex((c) => c.label === port);
            if (col < 0) continue;
            const i = m0.endpoints.indexOf(from!);
            const j = m0.endpoints.indexOf(to!);
            expect(m0.allowed(col, i, j), pair).toBe(false);
            expect(m1.allowed(col, i, j), pair).toBe(true);
          }
        },
      ),
      { seed: 1414, numRuns: 100 },
    );
    // Each run builds two clusters and generates a policy set: minutes on a shared machine, never seconds.
  }, 300_000);
});

function twinKey(p: Pod): string {
  return `${p.namespace}\u0000${JSON.stringify(stableLabels(p.labels))}`;
}
