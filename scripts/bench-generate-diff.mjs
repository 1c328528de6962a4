// `kordon generate --diff` at scale (after `npm run build`): the `realistic` preset with its own policies, 100,000
// flows synthesized from it as the generate benchmark makes them, and proposeChange timed (the whole proof: kordon diff
// of before and after, validation, lint). Usage: node scripts/bench-generate-diff.mjs [POLICIES=820] [PODS=4100]
import { generate, toYamlFiles } from '../packages/bench/dist/index.js';
import { synthesizeFlows } from '../packages/bench/dist/flows.js';
import { buildCluster, loadSources } from '../packages/engine/dist/index.js';
import { parseFlows, proposeChange } from '../packages/review/dist/index.js';

const policies = Number(process.argv[2] ?? 820);
const pods = Number(process.argv[3] ?? 4100);
const g = generate({ preset: 'realistic', pods, policies });
const objects = loadSources(toYamlFiles(g.objects).map((f) => ({ name: f.path, text: f.text }))).objects;
const cluster = buildCluster(objects.filter((o) => o.kind !== 'NetworkPolicy')).cluster;
const flows = parseFlows({ name: 'flows.csv', text: synthesizeFlows(cluster, 100_000) });
const t0 = performance.now();
const c0 = process.cpuUsage();
const r = proposeChange({ objects, expectations: [], flows: [flows] });
const c = process.cpuUsage(c0);
console.log(JSON.stringify({
  pods: cluster.pods.length,
  policies,
  wallSeconds: +((performance.now() - t0) / 1000).toFixed(2),
  cpuSeconds: +((c.user + c.system) / 1e6).toFixed(2),
  connections: r.inputs.connections,
  alreadyAllowed: r.inputs.alreadyAllowed,
  added: r.added.length,
  extended: r.extended.length,
  narrowed: r.narrowed.length,
  holds: r.proof.holds,
  lint: r.proof.lint.length,
  diffFlows: r.diff.changes.length,
  besides: r.besides.length,
}));
