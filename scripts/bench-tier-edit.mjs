#!/usr/bin/env node
// One ClusterNetworkPolicy edit at a time, as the agent-api bench makes them (packages/dataplane/src/bench/agent-api.ts:
// an Admin policy's first ingress rule, its action flipped in even rounds, moved to another port in odd ones), on the
// same synthetic cluster (10,000 pods, 500 NetworkPolicies, 100 nodes, 20 ClusterNetworkPolicies), in one process
// the way the agent runs it: the build with one BuildCache, the compile of node-0's ruleset with one CompileCache, the
// nft delta, and that delta applied by `nft -f` to the node's table in a network namespace of its own. Per edit kind:
// medians of the CPU of build, compile and diff (process.cpuUsage), the script's size and the set elements it
// changes, and nft's wall time. No API server and no watch: agent-api times the whole path.
// Usage (root, after npm run build): node scripts/bench-tier-edit.mjs [ROUNDS]; KORDON_ROOT=DIR times another
// checkout's build with the same edits (an A/B: run the two in turn).
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventPath } from './agent-event-path.mjs';

const root = process.env.KORDON_ROOT ?? resolve(fileURLToPath(new URL('..', import.meta.url)));
const engine = await import(`${root}/packages/engine/dist/index.js`);
const dataplane = await import(`${root}/packages/dataplane/dist/index.js`);
const { loadSource } = engine;
const { syntheticObjects } = await import(`${root}/packages/dataplane/dist/bench/synthetic.js`);

const [ROUNDS = 12] = process.argv.slice(2).map(Number);
const keyOf = (o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const raw = syntheticObjects({ pods: 10_000, policies: 500, nodes: 100, clusterPolicies: 20 });
const held = new Map();
const put = (o) => held.set(keyOf(o), loadSource({ name: `cluster:${keyOf(o)}`, text: JSON.stringify(o) }).objects[0]);
for (const o of raw) put(o);
const node = 'node-0';
const path = eventPath(engine, dataplane, held, node);

const NS = `kordon-edit-${process.pid}`;
execFileSync('ip', ['netns', 'add', NS]);
const nft = (script) => {
  const t = performance.now();
  execFileSync('ip', ['netns', 'exec', NS, 'nft', '-f', '-'], { input: script });
  return performance.now() - t;
};
const rows = {};
try {
  nft(dataplane.renderRuleset(path.ruleset, { notes: false }));
  const cnps = raw.filter((o) => o.kind === 'ClusterNetworkPolicy');
  for (let r = 0; r < ROUNDS; r++) {
    const c = structuredClone(cnps[(2 * r) % cnps.length]);
    const rule = c.spec.ingress[0];
    const kind = r % 2 === 0 ? 'action flipped' : 'port moved';
    if (r % 2 === 0) rule.action = rule.action === 'Deny' ? 'Accept' : 'Deny';
    else rule.protocols = [{ tcp: { destinationPort: { number: 9000 + r } } }];
    put(c);
    const { build, compile, diff, delta } = path.step();
    const nftMs = delta.script ? nft(delta.script) : 0;
    (rows[kind] ??= []).push({ build, compile, diff, bytes: delta.script.length, elements: delta.addedElements + delta.deletedElements, nft: nftMs });
  }
} finally {
  execFileSync('ip', ['netns', 'del', NS]);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};
console.log(`${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()}, ${root}`);
const { stats } = path.ruleset;
console.log(`${node}: ${stats.localPods} local pods, ${stats.rules} rules, ${stats.elements} elements; medians of ${ROUNDS / 2} edits of each kind`);
for (const [kind, xs] of Object.entries(rows))
  console.log(`${kind.padEnd(15)} ${['build', 'compile', 'diff'].map((f) => `${f} ${median(xs.map((x) => x[f])).toFixed(1)}`).join('  ')} ms CPU; script ${median(xs.map((x) => x.bytes))} bytes, ${median(xs.map((x) => x.elements))} elements; nft ${median(xs.map((x) => x.nft)).toFixed(1)} ms`);
