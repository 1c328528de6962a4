#!/usr/bin/env node
// Reading a cluster end to end: the stand-in API server (HTTPS, token auth, pages of 500) holds a generated cluster;
// `kordon matrix --count` runs as its own process against it, reads every list, builds the model and answers. The
// same objects as one JSON file are answered by the same command in turn (interleaved, so load hits both alike): the
// difference is what reading the API costs. The stand-in runs in this process; its CPU time per read is measured
// apart, so a slow server shows as such and not as a slow client.
// Usage: node scripts/bench-cluster.mjs [PODS] [POLICIES] [RUNS]   (after npm run build)
// KORDON_VS=LAUNCHER also reads the cluster with another build's launcher, in turn with this one (an A/B).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generate } from '../packages/bench/dist/index.js';
import { makePki, TestApiServer } from '../packages/source/dist/cluster/testing/index.js';

const [pods = 10_000, policies = 2_000, runs = 5] = process.argv.slice(2).map(Number);
const g = generate({ preset: 'realistic', pods, policies });
const api = new TestApiServer({ pki: makePki(), tokens: { t: 'bench' } });
await api.start();
for (const o of g.objects) api.store.put(o);
const dir = mkdtempSync(join(tmpdir(), 'kordon-bench-cluster-'));
const cfg = join(dir, 'kubeconfig');
writeFileSync(cfg, api.kubeconfig({ token: 't' }));
const file = join(dir, 'cluster.json');
writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: g.objects }));

/** One whole `kordon` process: wall time, its CPU (user + system, from GNU time), peak RSS, the server's CPU meanwhile. */
async function run(args, bin = 'bin/kordon.js') {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await promisify(execFile)('/usr/bin/time', ['-f', '%U %S %M', 'node', bin, ...args, 'matrix', '--count', ...(args.length ? [] : [file])], { maxBuffer: 1 << 26 }).catch((e) => e);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const [user, sys, kb] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall: wall / 1000, cpu: user + sys, rss: kb / 1024, server: (c.user + c.system) / 1e6, out: r.stdout };
}

const cluster = [];
const files = [];
const vs = [];
for (let i = 0; i < runs; i++) {
  cluster.push(await run(['--kubeconfig', cfg]));
  files.push(await run([]));
  if (process.env.KORDON_VS) vs.push(await run(['--kubeconfig', cfg], process.env.KORDON_VS));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const show = (name, rs, server) =>
  console.log(
    `${name}: median ${median(rs.map((r) => r.wall)).toFixed(2)} s wall (runs: ${rs.map((r) => r.wall.toFixed(2)).join(', ')}); ` +
      `kordon's CPU median ${median(rs.map((r) => r.cpu)).toFixed(2)} s; peak RSS ${Math.max(...rs.map((r) => r.rss)).toFixed(0)} MiB` +
      (server ? `; the stand-in's CPU per read median ${median(rs.map((r) => r.server)).toFixed(2)} s` : ''),
  );
console.log(`${g.counts.pods} pods, ${g.counts.policies} policies, ${g.counts.namespaces} namespaces, ${g.counts.services} services`);
show('kordon --kubeconfig K matrix --count (stand-in API server)', cluster, true);
show('kordon matrix --count FILE (the same objects)', files, false);
if (vs.length) show(`${process.env.KORDON_VS} --kubeconfig K matrix --count`, vs, true);
const same = cluster[0].out === files[0].out;
console.log(`answers ${same ? 'identical' : 'DIFFER'}`);
console.log(cluster[0].out.trim().split('\n').slice(0, 3).join('\n'));
await api.stop();
rmSync(dir, { recursive: true, force: true });
if (!same) process.exitCode = 1;
