#!/usr/bin/env node
// Reading a cluster end to end: the stand-in API server (HTTPS, token auth, pages of 500) holds a generated cluster;
// `kordon matrix --count` runs as its own process against it, reads every list, builds the model and answers.
// Usage: node scripts/bench-cluster.mjs [PODS] [POLICIES] [RUNS]   (after npm run build)
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
const times = [];
const cpu = [];
const rss = [];
let out = '';
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  // GNU time gives the child's CPU time and peak memory beside the wall time.
  const r = await promisify(execFile)('/usr/bin/time', ['-f', '%U %S %M', 'node', 'bin/kordon.js', '--kubeconfig', cfg, 'matrix', '--count'], { maxBuffer: 1 << 26 }).catch((e) => e);
  times.push(performance.now() - t0);
  const [user, sys, kb] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  cpu.push(user + sys);
  rss.push(kb / 1024);
  out = r.stdout;
}
times.sort((a, b) => a - b);
console.log(`${g.counts.pods} pods, ${g.counts.policies} policies, ${g.counts.namespaces} namespaces, ${g.counts.services} services`);
console.log(`kordon matrix --count from the stand-in API server: median ${(times[times.length >> 1] / 1000).toFixed(2)} s wall (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
cpu.sort((a, b) => a - b);
console.log(`kordon's CPU time (user + system): median ${cpu[cpu.length >> 1].toFixed(2)} s; peak RSS ${Math.max(...rss).toFixed(0)} MiB`);
console.log(out.trim().split('\n').slice(0, 3).join('\n'));
await api.stop();
rmSync(dir, { recursive: true, force: true });
