#!/usr/bin/env node
// The agent's event path in one process, phase by phase: the objects the agent follows (namespaces, pods,
// NetworkPolicies, nodes, cluster policies) of the realistic preset, held in the agent's own ObjectStore (each loaded
// once; a batch of pod changes updates the last build, anything else builds again over one cache; one compile cache);
// then events as informers deliver them: a pod of the node added, relabelled and deleted, a NetworkPolicy and a
// ClusterNetworkPolicy that govern a pod of the node edited. Each is timed in CPU (process.cpuUsage) per phase: load
// (the changed object parsed), build, compile (the node's ruleset, reusing what the change did not touch) and diff
// (the nft delta); medians over the rounds. No nft runs: the agent-api bench times the whole path through the API
// server and nft.
// Usage (after npm run build): node scripts/bench-agent-events.mjs [PODS] [POLICIES] [CLUSTER_POLICIES] [ROUNDS]
// KORDON_ROOT=DIR times another checkout's build with the same events (an A/B: run the two in turn).
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.KORDON_ROOT ?? resolve(fileURLToPath(new URL('..', import.meta.url)));
const { CompileCache, compileRuleset, diffRulesets } = await import(`${root}/packages/dataplane/dist/index.js`);
const { ObjectStore } = await import(`${root}/packages/dataplane/dist/agent/object-store.js`);
const { generate } = await import(`${root}/packages/bench/dist/index.js`);

const [PODS = 10_000, POLICIES = 2_000, CNPS = 200, ROUNDS = 5] = process.argv.slice(2).map(Number);
const FOLLOWED = ['Namespace', 'Pod', 'NetworkPolicy', 'Node', 'ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'];
const keyOf = (o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
// What the agent follows, in the order the API server lists it (by namespace and name within each resource).
const raw = generate({ preset: 'realistic', pods: PODS, policies: POLICIES, clusterPolicies: CNPS })
  .objects.filter((o) => FOLLOWED.includes(o.kind))
  .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));

const store = new ObjectStore();
const put = (o) => store.put(keyOf(o), o);
for (const o of raw) put(o);
const compileCache = new CompileCache();
const first = store.build().cluster;
const node = first.pods.find((p) => p.nodeName)?.nodeName;
let ruleset = compileRuleset(first, { node }, compileCache);

const comments = ruleset.chains.map((c) => c.comment).join('\n');
const governs = (id) => new RegExp(`\\b${id.replace('/', '\\/')}(,|$)`, 'm').test(comments);
const local = raw.filter((o) => o.kind === 'Pod' && o.spec?.nodeName === node);
const policies = raw.filter((o) => o.kind === 'NetworkPolicy' && governs(`${o.metadata.namespace}/${o.metadata.name}`));
const clusterPolicies = raw.filter((o) => o.kind === 'ClusterNetworkPolicy' && governs(`cnp/${o.metadata.name}`));

const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const rows = {};
function event(kind, change) {
  const w = performance.now();
  const c0 = cpu();
  change();
  const c1 = cpu();
  const built = store.build();
  const c2 = cpu();
  const next = compileRuleset(built.cluster, { node }, compileCache);
  const c3 = cpu();
  const d = diffRulesets(ruleset, next);
  const c4 = cpu();
  ruleset = next;
  (rows[kind] ??= []).push({ load: c1 - c0, build: c2 - c1, compile: c3 - c2, diff: c4 - c3, cpu: c4 - c0, wall: performance.now() - w, script: d.script.length });
}
for (let r = 0; r < ROUNDS; r++) {
  const pod = structuredClone(local[r % local.length]);
  pod.metadata.name = `bench-${r}`;
  pod.status = { ...pod.status, podIP: `10.250.0.${r + 1}`, podIPs: [{ ip: `10.250.0.${r + 1}` }] };
  event('pod added', () => put(pod));
  pod.metadata.labels = { ...pod.metadata.labels, app: `relabelled-${r}` };
  event('pod relabelled', () => put(pod));
  event('pod deleted', () => store.remove(keyOf(pod)));
  const p = structuredClone(policies[(r * 7) % policies.length]);
  const rules = p.spec.ingress ?? p.spec.egress;
  if (rules?.[0]?.ports?.[0]) rules[0].ports[0].port = 20000 + r;
  else p.metadata.labels = { ...(p.metadata.labels ?? {}), rev: String(r) };
  event('policy changed', () => put(p));
  if (clusterPolicies.length) {
    const c = structuredClone(clusterPolicies[(r * 7) % clusterPolicies.length]);
    const rule = (c.spec.ingress?.length ? c.spec.ingress : c.spec.egress)[0];
    rule.action = rule.action === 'Deny' ? 'Accept' : 'Deny';
    event('cluster policy changed', () => put(c));
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};
console.log(`${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}, ${root}`);
console.log(`${node}: ${ruleset.stats.localPods} local pods, ${ruleset.stats.rules} rules, ${ruleset.stats.elements} elements; medians of ${ROUNDS}, CPU ms`);
for (const [kind, xs] of Object.entries(rows))
  console.log(`${kind.padEnd(24)} ${['load', 'build', 'compile', 'diff', 'cpu', 'wall'].map((f) => `${f} ${median(xs.map((x) => x[f])).toFixed(1)}`).join('  ')}  (delta ${median(xs.map((x) => x.script))} chars)`);
