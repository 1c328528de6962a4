#!/usr/bin/env node
// One cluster-policy change enforced end to end by the agent's compile path: the realistic preset (10,000 pods, 2,000
// NetworkPolicies, 200 ClusterNetworkPolicies of both tiers), one node's ruleset applied in a network namespace, then
// one ClusterNetworkPolicy edited at a time (a rule's action or port) and synced as one incremental nft transaction.
// Timed: Agent.sync, i.e. compile (with the cache carried from the last sync), diff, and `nft -f`. Not timed: building
// the engine's model of the changed object (the agent's BuildCache keeps every unchanged object's model, so the next
// cluster here is the last one with the one policy replaced).
// Usage (root, after npm run build): node scripts/bench-tiers-nft.mjs [PODS] [POLICIES] [CLUSTER_POLICIES] [ROUNDS]
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { generate, toJsonList } from '../packages/bench/dist/index.js';
import { buildCluster, loadSources } from '../packages/engine/dist/index.js';
import { Agent } from '../packages/dataplane/dist/index.js';

const [pods = 10_000, policies = 2_000, cnps = 200, rounds = 10] = process.argv.slice(2).map(Number);
const g = generate({ preset: 'realistic', pods, policies, clusterPolicies: cnps });
const build = (objects) => {
  const loaded = loadSources([{ name: 'bench.json', text: toJsonList(objects) }]);
  return buildCluster(loaded.objects, { trusted: true });
};
const built = build(g.objects);
const cluster = built.cluster;
if (built.diagnostics.some((d) => d.severity === 'error')) throw new Error('the generated cluster has errors');
const node = cluster.pods.find((p) => p.nodeName)?.nodeName;
const localPods = cluster.pods.filter((p) => p.nodeName === node).length;

/** A changed copy of one cluster policy's model, built by the engine from the edited manifest. */
function edited(policyIndex, round) {
  const raw = g.objects.filter((o) => o.kind === 'ClusterNetworkPolicy')[policyIndex];
  const copy = structuredClone(raw);
  const rules = copy.spec.ingress?.length ? copy.spec.ingress : copy.spec.egress;
  const r = rules[0];
  // Alternate the two edits people make most: the action, and the port.
  if (round % 2 === 0) r.action = r.action === 'Deny' ? 'Accept' : 'Deny';
  else r.protocols = [{ tcp: { destinationPort: { number: 9000 + round } } }];
  const one = buildCluster(loadSources([{ name: 'cnp.json', text: JSON.stringify(copy) }]).objects).cluster.clusterPolicies[0];
  if (!one) throw new Error('the edited policy did not build');
  return one;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const netns = `kd-${process.pid}-tiers-bench`;
execFileSync('ip', ['netns', 'add', netns]);
try {
  const agent = await Agent.create({ netns, node });
  const t0 = performance.now();
  const first = await agent.sync(cluster, { full: true });
  const firstMs = performance.now() - t0;
  const cnpModels = cluster.clusterPolicies;
  // Policies that govern a pod of this node, so that every edit changes its ruleset.
  const comments = first.ruleset.chains.map((c) => c.comment).join('\n');
  const governing = cnpModels.map((p, k) => [p, k]).filter(([p]) => new RegExp(`\\b${p.id}(,|$)`, 'm').test(comments)).map(([, k]) => k);
  const rows = [];
  for (let i = 0; i < rounds; i++) {
    const at = governing[(i * 7) % governing.length];
    const name = cnpModels[at].ref.name;
    const rawIndex = g.objects.filter((o) => o.kind === 'ClusterNetworkPolicy').findIndex((o) => o.metadata.name === name);
    const next = { ...cluster, clusterPolicies: cnpModels.map((p, k) => (k === at ? edited(rawIndex, i) : p)) };
    for (const [label, target] of [['edit', next], ['revert', cluster]]) {
      const u = process.cpuUsage();
      const w = performance.now();
      const r = await agent.sync(target);
      const wall = performance.now() - w;
      const c = process.cpuUsage(u);
      rows.push({ label, policy: name, mode: r.mode, wallMs: wall, cpuMs: (c.user + c.system) / 1000, compileMs: r.compileMs, applyMs: r.applyMs, chains: r.chains.length, elements: r.addedElements + r.deletedElements });
    }
  }
  const changed = rows.filter((r) => r.mode !== "unchanged");
  // Thrown, not exited: the finally below removes the namespace.
  if (!changed.length) throw new Error(`no edit changed the ruleset of ${node}: ${JSON.stringify(rows)}`);
  const out = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    loadavg: loadavg().map((x) => x.toFixed(2)).join(' '),
    uptime: execFileSync('uptime').toString().trim(),
    cluster: { pods, policies, clusterPolicies: cluster.clusterPolicies.length, node, localPods },
    firstSync: { ms: Math.round(firstMs), stats: first.ruleset.stats },
    changes: changed.length,
    modes: [...new Set(rows.map((r) => r.mode))],
    medianWallMs: +median(changed.map((r) => r.wallMs)).toFixed(1),
    maxWallMs: +Math.max(...changed.map((r) => r.wallMs)).toFixed(1),
    medianCpuMs: +median(changed.map((r) => r.cpuMs)).toFixed(1),
    medianCompileMs: +median(changed.map((r) => r.compileMs)).toFixed(1),
    medianNftMs: +median(changed.map((r) => r.applyMs)).toFixed(1),
    rows: rows.map((r) => ({ ...r, wallMs: +r.wallMs.toFixed(1), cpuMs: +r.cpuMs.toFixed(1), compileMs: +r.compileMs.toFixed(1), applyMs: +r.applyMs.toFixed(1) })),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  execFileSync('ip', ['netns', 'del', netns]);
}
