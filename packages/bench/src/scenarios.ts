import type { PresetName } from './presets.js';

/**
 * What a scenario measures, once the input is generated (generation is never timed):
 *  - matrix:  read + parse + build + full matrix over every port class + allowed-pair count of each class;
 *  - summary: read + parse + build + every pod's isolation and allowed peers (engine's per-pod summary);
 *  - check-cli: wall time of `node bin/kordon.js check FILE --from ns/pod --to ns/pod`, Node start-up included;
 *  - lint / diff: read + parse + build + `@kordon/review` lint, or diff against a changed copy;
 *  - parse: read + parse alone (the input formats' own cost);
 *  - generate: read + parse + build, then (timed as compute) reading 100,000 observed flows as CSV and
 *    `@kordon/review` generatePolicies with its proof; the flows are made from the built cluster, untimed.
 */
export type Task = 'matrix' | 'summary' | 'check-cli' | 'lint' | 'diff' | 'parse' | 'generate';

export interface Target {
  /** Upper bound on the timed phases together (wall, seconds). */
  seconds: number;
  /** Upper bound on peak RSS (MiB). */
  rssMiB?: number;
}

export interface Scenario {
  name: string;
  preset: PresetName;
  pods?: number;
  policies?: number;
  task: Task;
  /** The project's target, when this scenario has one. */
  target?: Target;
  /** A published or peer figure for the same workload shape (performance.md §0–§2). */
  anchor?: string;
  /**
   * How the input is written: one JSON List (default), JSON documents separated by `---`, one multi-document YAML
   * file, or one YAML file per object, read as a directory.
   */
  format?: 'json' | 'json-stream' | 'yaml' | 'yaml-dir';
  /** Give up after this many seconds (default: 10× the target, at least 60 s; else the runner's --timeout). */
  timeoutSeconds?: number;
  /** check-cli: run `node bin/kordon.js` (default) or the installed command, `node_modules/.bin/kordon`. */
  cli?: 'node' | 'installed';
  /** ClusterNetworkPolicies added over the preset's cluster (the rest of the input is the same as without them). */
  clusterPolicies?: number;
  /** Sizes for `--quick`. */
  quick: { pods?: number; policies?: number };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'realistic-10k-matrix',
    preset: 'realistic',
    pods: 10_000,
    policies: 2_000,
    task: 'matrix',
    target: { seconds: 1, rssMiB: 1024 },
    quick: { pods: 1_000, policies: 200 },
  },
  {
    name: 'realistic-10k-matrix-yaml',
    preset: 'realistic',
    pods: 10_000,
    policies: 2_000,
    task: 'matrix',
    format: 'yaml-dir',
    anchor: 'the same cluster as realistic-10k-matrix, as 14,030 YAML files in a directory',
    quick: { pods: 1_000, policies: 200 },
  },
  {
    name: 'kano-10k-5k-matrix',
    preset: 'kano',
    pods: 10_000,
    policies: 5_000,
    task: 'matrix',
    target: { seconds: 2 },
    anchor: 'Kano-py 42.7 s build (52 s wall), 187 MB; faithful JS port of Kano 2.42 s',
    quick: { pods: 1_000, policies: 500 },
  },
  {
    name: 'kano-10k-1k-matrix',
    preset: 'kano',
    pods: 10_000,
    policies: 1_000,
    task: 'matrix',
    anchor: 'Kano-py 10.57 s build, 132 MB; faithful JS port 0.69 s',
    quick: { pods: 1_000, policies: 100 },
  },
  {
    name: 'antrea-small-ns-summary',
    preset: 'antrea-small-ns',
    task: 'summary',
    target: { seconds: 10, rssMiB: 4096 },
    anchor: 'Antrea controller (Go, groups only, no matrix) 5.8–6.4 s, 1.5–1.7 GB heap',
    quick: { pods: 10_000 },
  },
  {
    name: 'antrea-small-ns-matrix',
    preset: 'antrea-small-ns',
    task: 'matrix',
    target: { seconds: 30 },
    anchor: 'NPV abstract: Kano and Verikube need > 10 s beyond 100k pods',
    quick: { pods: 10_000 },
  },
  {
    name: 'check-1k-cli',
    preset: 'realistic',
    pods: 1_000,
    policies: 200,
    task: 'check-cli',
    target: { seconds: 0.3 },
    quick: { pods: 1_000, policies: 200 },
  },
  {
    name: 'check-1k-installed',
    preset: 'realistic',
    pods: 1_000,
    policies: 200,
    task: 'check-cli',
    cli: 'installed',
    target: { seconds: 0.3 },
    anchor: 'the command npm ci links, node_modules/.bin/kordon',
    quick: { pods: 1_000, policies: 200 },
  },
  {
    name: 'lint-10k',
    preset: 'realistic',
    pods: 10_000,
    policies: 2_000,
    task: 'lint',
    target: { seconds: 5 },
    quick: { pods: 1_000, policies: 200 },
  },
  {
    name: 'diff-10k',
    preset: 'realistic',
    pods: 10_000,
    policies: 2_000,
    task: 'diff',
    target: { seconds: 5 },
    quick: { pods: 1_000, policies: 200 },
  },
  {
    name: 'generate-1k-workloads-100k-flows',
    preset: 'realistic',
    pods: 4_100,
    policies: 0,
    task: 'generate',
    target: { seconds: 10 },
    anchor: 'issue 14: 1,000 workloads from 100,000 observed flows in under 10 s, proof included',
    timeoutSeconds: 400,
    quick: { pods: 400, policies: 0 },
  },
  // Issue 9: the same cluster as realistic-10k-matrix plus 200 cluster policies (both tiers, every action): within 1.25× of it.
  {
    name: 'realistic-10k-tiers-matrix',
    preset: 'realistic',
    pods: 10_000,
    policies: 2_000,
    clusterPolicies: 200,
    task: 'matrix',
    anchor: 'realistic-10k-matrix plus 200 ClusterNetworkPolicies; issue 9 asks at most 1.25× its time',
    quick: { pods: 1_000, policies: 200 },
  },
  // realistic-diverse (issue 12): pods that do not collapse into a few label classes. P = N/5.
  { name: 'diverse-10k-matrix', preset: 'realistic-diverse', pods: 10_000, policies: 2_000, task: 'matrix', target: { seconds: 1, rssMiB: 1024 }, quick: { pods: 1_000, policies: 200 } },
  { name: 'diverse-20k-matrix', preset: 'realistic-diverse', pods: 20_000, policies: 4_000, task: 'matrix', quick: { pods: 2_000, policies: 400 } },
  { name: 'diverse-50k-matrix', preset: 'realistic-diverse', pods: 50_000, policies: 10_000, task: 'matrix', target: { seconds: 10, rssMiB: 4096 }, quick: { pods: 5_000, policies: 1_000 } },
  { name: 'diverse-100k-matrix', preset: 'realistic-diverse', pods: 100_000, policies: 20_000, task: 'matrix', target: { seconds: 30, rssMiB: 8192 }, quick: { pods: 10_000, policies: 2_000 } },
  { name: 'diverse-lint-10k', preset: 'realistic-diverse', pods: 10_000, policies: 2_000, task: 'lint', target: { seconds: 5 }, quick: { pods: 1_000, policies: 200 } },
  { name: 'diverse-diff-10k', preset: 'realistic-diverse', pods: 10_000, policies: 2_000, task: 'diff', target: { seconds: 5 }, quick: { pods: 1_000, policies: 200 } },
  { name: 'diverse-100k-parse-yaml', preset: 'realistic-diverse', pods: 100_000, policies: 20_000, task: 'parse', format: 'yaml', target: { seconds: 5 }, anchor: 'one file of --- separated YAML documents', quick: { pods: 10_000, policies: 2_000 } },
  { name: 'diverse-100k-parse-json-stream', preset: 'realistic-diverse', pods: 100_000, policies: 20_000, task: 'parse', format: 'json-stream', anchor: 'JSON documents separated by ---; compare with the List', quick: { pods: 10_000, policies: 2_000 } },
  { name: 'diverse-100k-parse-json', preset: 'realistic-diverse', pods: 100_000, policies: 20_000, task: 'parse', anchor: 'one kind: List', quick: { pods: 10_000, policies: 2_000 } },
  // Shapes without a project target, for comparison with the published workloads.
  { name: 'kano-2k-1k-matrix', preset: 'kano', pods: 2_000, policies: 1_000, task: 'matrix', anchor: 'KubeSV (Z3) 135 s, 1.24 GB; Kano-py 0.88 s build; performance.md §5.2 asks ≤ 0.14 s', quick: { pods: 200, policies: 100 } },
  { name: 'kano-50k-1k-matrix', preset: 'kano', pods: 50_000, policies: 1_000, task: 'matrix', anchor: 'Kano-py 141.6 s build, 1.17 GB; faithful JS port 21.8 s, 709 MB', quick: { pods: 5_000, policies: 100 } },
  { name: 'antrea-large-ns-matrix', preset: 'antrea-large-ns', task: 'matrix', quick: { pods: 10_000 } },
  { name: 'antrea-one-ns-matrix', preset: 'antrea-one-ns', task: 'matrix', anchor: 'Antrea 10.66 s, 1157 MB (groups only)', quick: { pods: 1_000 } },
  { name: 'antrea-netpol-per-pod-matrix', preset: 'antrea-netpol-per-pod', task: 'matrix', anchor: 'Antrea 1.86–24.97 s, 169–198 MB (groups only)', quick: { pods: 1_000 } },
  { name: 'antrea-cluster-scoped-matrix', preset: 'antrea-cluster-scoped', task: 'matrix', quick: { pods: 10_000 } },
  { name: 'cilium-1000-matrix', preset: 'cilium-1000', task: 'matrix', quick: { pods: 5_000, policies: 150 } },
  { name: 'cyclonus-matrix', preset: 'cyclonus', task: 'matrix', quick: {} },
];
