#!/usr/bin/env node
// The agent's event path in one process, phase by phase: the objects the agent follows (namespaces, pods,
// NetworkPolicies, nodes, cluster policies) of the realistic preset, held as ApiSource holds them (each loaded once,
// one build cache, one compile cache); then events as informers deliver them: a pod of the node added, relabelled and
// deleted, a NetworkPolicy and a ClusterNetworkPolicy that govern a pod of the node edited (a rule's action, then,
// where the rule has a port number, that port), the namespace of a pod of the node relabelled. Each is timed in CPU
// (process.cpuUsage) per phase: build (buildCluster over every object, reusing unchanged models), compile (the
// node's ruleset, reusing what the change did not touch) and diff (the nft delta); medians over the rounds. No nft
// runs: the agent-api bench times the whole path through the API server and nft.
// Usage (after npm run build): node scripts/bench-agent-events.mjs [PODS] [POLICIES] [CLUSTER_POLICIES] [ROUNDS]
// KORDON_ROOT=DIR times another checkout's build with the same events (an A/B: run the two in turn).
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventPath } from './agent-event-path.mjs';

const root = process.env.KORDON_ROOT ?? resolve(fileURLToPath(new URL('..', import.meta.url)));
const engine = await import(`${root}/packages/engine/dist/index.js`);
const dataplane = await import(`${root}/packages/dataplane/dist/index.js`);
const { loadSource } = engine;
const { generate } = await import(`${root}/packages/bench/dist/index.js`);

const [PODS = 10_000, POLICIES = 2_000, CNPS = 200, ROUNDS = 5] = process.argv.slice(2).map(Number);
const FOLLOWED = ['Namespace', 'Pod', 'NetworkPolicy', 'Node', 'ClusterNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'];
const keyOf = (o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
// What the agent follows, in the order the API server lists it (by namespace and name within each resource).
const raw = generate({ preset: 'realistic', pods: PODS, policies: POLICIES, clusterPolicies: CNPS })
  .objects.filter((o) => FOLLOWED.includes(o.kind))
  .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));

const held = new Map();
const put = (o) => held.set(keyOf(o), loadSource({ name: `cluster:${keyOf(o)}`, text: JSON.stringify(o) }).objects[0]);
for (const o of raw) put(o);
const path = eventPath(engine, dataplane, held);
const node = path.node;
let ruleset = path.ruleset;

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
  const { build, compile, diff, delta } = path.step();
  ruleset = path.ruleset;
  (rows[kind] ??= []).push({ build, compile, diff, cpu: cpu() - c0, wall: performance.now() - w, script: delta.script.length });
}
for (let r = 0; r < ROUNDS; r++) {
  const pod = structuredClone(local[r % local.length]);
  pod.metadata.name = `bench-${r}`;
  pod.status = { ...pod.status, podIP: `10.250.0.${r + 1}`, podIPs: [{ ip: `10.250.0.${r + 1}` }] };
  event('pod added', () => put(pod));
  pod.metadata.labels = { ...pod.metadata.labels, app: `relabelled-${r}` };
  event('pod relabelled', () => put(pod));
  event('pod deleted', () => held.delete(keyOf(pod)));
  const p = structuredClone(policies[(r * 7) % policies.length]);
  const rules = p.spec.ingress ?? p.spec.egress;
  if (rules?.[0]?.ports?.[0]) rules[0].ports[0].port = 20000 + r;
  else p.metadata.labels = { ...(p.metadata.labels ?? {}), rev: String(r) };
  event('policy changed', () => put(p));
  // The namespace of a local pod relabelled: every selector that reads namespace labels asks again.
  const ns = structuredClone(raw.find((o) => o.kind === 'Namespace' && o.metadata.name === local[r % local.length].metadata.namespace));
  if (ns) {
    ns.metadata.labels = { ...(ns.metadata.labels ?? {}), rev: String(r) };
    event('namespace relabelled', () => put(ns));
  }
  if (clusterPolicies.length) {
    const c = structuredClone(clusterPolicies[(r * 7) % clusterPolicies.length]);
    const rule = (c.spec.ingress?.length ? c.spec.ingress : c.spec.egress)[0];
    rule.action = rule.action === 'Deny' ? 'Accept' : 'Deny';
    event('cluster policy changed', () => put(c));
    // The same policy's rule moved to another port (v1alpha2 `protocols`, v1alpha1 `ports`), where it has one.
    const q = structuredClone(c);
    const moved = (q.spec.ingress?.length ? q.spec.ingress : q.spec.egress)[0];
    const entry = (moved.protocols ?? moved.ports ?? []).find((e) => Object.values(e).some((v) => v?.destinationPort?.number !== undefined || v?.port !== undefined));
    const holder = entry && Object.values(entry).find((v) => v?.destinationPort?.number !== undefined || v?.port !== undefined);
    if (holder) {
      if (holder.destinationPort) holder.destinationPort.number = 30000 + r;
      else holder.port = 30000 + r;
      event('cluster policy port moved', () => put(q));
    }
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};
console.log(`${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}, ${root}`);
console.log(`${node}: ${ruleset.stats.localPods} local pods, ${ruleset.stats.rules} rules, ${ruleset.stats.elements} elements; medians of ${ROUNDS}, CPU ms`);
for (const [kind, xs] of Object.entries(rows))
  console.log(`${kind.padEnd(24)} ${['build', 'compile', 'diff', 'cpu', 'wall'].map((f) => `${f} ${median(xs.map((x) => x[f])).toFixed(1)}`).join('  ')}  (delta ${median(xs.map((x) => x.script))} chars)`);
