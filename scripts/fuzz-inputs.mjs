// Bounded fuzzing of the input path: mutated manifests through load, validation, the model and lint, in process.
// Every input must end in diagnostics, never in an exception. Usage: node scripts/fuzz-inputs.mjs [COUNT] [SEED]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildCluster, decodeSource, loadSources } from '@kordon/engine';
import { lint } from '@kordon/review';

const count = Number(process.argv[2] ?? 3200);
let seed = Number(process.argv[3] ?? 1) >>> 0;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const pick = (a) => a[Math.floor(rand() * a.length)];

const files = [];
const walk = (d) => { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else if (/\.(ya?ml|json)$/.test(n)) files.push(p); } };
walk('examples');
const seeds = files.map((f) => readFileSync(f));

const enc = new TextEncoder();
const INSERTS = ['&x [*x]', '*x', '&a ', '---\n', '"', "'", '\u0000', '{', '[', ']', '}', ': ', '\n  ', '\t', '- ', '<<: *a\n', '!!binary ', '%YAML 1.2\n', '[' .repeat(3000), '{"a":'.repeat(2000), '::ffff:10.0.0.1', '0x1F', 'y', '~', '\\', '#'];
function mutate(bytes) {
  let b = Array.from(bytes);
  const ops = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(rand() * (b.length + 1));
    const r = rand();
    if (r < 0.25) b[at] = Math.floor(rand() * 256);
    else if (r < 0.4) b.splice(at, 1 + Math.floor(rand() * 20));
    else if (r < 0.55) b.splice(at, 0, 0xe9);
    else if (r < 0.65) b = b.concat(Array.from(pick(seeds)));
    else b.splice(at, 0, ...enc.encode(pick(INSERTS)));
  }
  return new Uint8Array(b);
}

let crashes = 0;
let diagnostics = 0;
let objects = 0;
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
for (let i = 0; i < count; i++) {
  const good = decodeSource('good.yaml', pick(seeds));
  const input = [decodeSource(`fuzz-${i}.yaml`, mutate(pick(seeds))), good];
  try {
    const loaded = loadSources(input);
    const built = buildCluster(loaded.objects);
    const r = lint(built.cluster, { diagnostics: [...loaded.diagnostics, ...built.diagnostics] });
    objects += loaded.objects.length;
    diagnostics += r.findings.length;
    const alone = loadSources([good]).objects.length;
    if (loaded.objects.filter((o) => o.file === 'good.yaml').length !== alone) throw new Error('objects of the other file were lost');
  } catch (err) {
    crashes++;
    if (crashes <= 5) console.error(`input ${i}: ${err instanceof Error ? err.stack?.split('\n').slice(0, 3).join(' | ') : err}`);
  }
}
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(c0);
console.log(JSON.stringify({ inputs: count, seedFiles: seeds.length, crashes, objects, findings: diagnostics, wallSeconds: +wall.toFixed(1), cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(1) }));
process.exitCode = crashes > 0 ? 1 : 0;
