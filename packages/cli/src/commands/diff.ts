import type { Command } from 'commander';
import { yamlFromJson } from '../output/yaml-output.js';
import { examples, withNetworkOptions } from './help.js';
import type { Cluster, ClusterNetwork, Diagnostic, SourceFile } from '@kordon/engine';
import { colorsFor, UsageError, type CliContext } from '../io.js';

export interface DiffOptions {
  podCidr?: string;
  serviceCidr?: string;
  output: string;
  exitCode?: boolean;
  by?: string;
  from?: string;
  to?: string;
  port?: string;
  againstCluster?: boolean;
  against?: string;
}

/** Formats only the connection list speaks; the others default to the report of flows and causes unless --by is given. */
const CONNECTION_ONLY = ['csv', 'dot', 'svg', 'mermaid'];

export function registerDiff(program: Command, ctx: CliContext): void {
  withNetworkOptions(yamlFromJson(program.command('diff')))
    .summary('how connectivity changes between two versions, and which policy change causes it')
    .description(
      'Compares who can reach whom in OLD and NEW, on every port class, and lists the flows newly allowed and newly denied, ' +
        'grouped by workload and port, each with the policy change (or label change) behind it. OLD and NEW are files, ' +
        'directories, or git revisions written REV:path (kordon diff main:k8s/ k8s/), or cluster: for the live cluster of ' +
        'the current kubeconfig context: `kordon diff cluster: policies/` (or --against-cluster policies/) is what ' +
        'applying policies/ would open or close, as kubectl diff shows for objects; `--against cluster.yaml policies/` ' +
        'asks the same of a state saved by kordon snapshot. Pods are matched by namespace and ' +
        'name; workloads present in one version only are listed apart.\n\n' +
        'With --by pod|workload|namespace (implied by -o csv, dot, svg and mermaid), the same comparison as two ' +
        '`kordon list` answers: each connection added, removed or changed, with its ports before and after; --from, --to ' +
        'and --port focus it as for list.\n\n' +
        'Exit codes: 0 (with --exit-code: 0 no change, 1 changes), 2 usage error or unreadable input.',
    )
    .argument('<old>', 'file, directory, REV:path, or cluster: (the live cluster; NEW is then applied over it)')
    .argument('[new]', 'file, directory or REV:path')
    .option('--against-cluster', 'compare the live cluster with the cluster after applying OLD (kordon diff --against-cluster policies/)')
    .option('--against <state>', 'compare STATE (a kordon snapshot file, a directory, REV:path) with STATE after applying OLD, as --against-cluster does for the live cluster')
    .option('-o, --output <format>', 'text, json, yaml, md (a pull request comment); with --by also csv, dot, svg, mermaid', 'text')
    .option('--by <grouping>', 'list connections added, removed and changed, by pod, workload or namespace')
    .option('--from <source>', 'with --by: only connections from this (as for kordon list)')
    .option('--to <destination>', 'with --by: only connections to this (as for kordon list)')
    .option('--port <N/PROTO>', 'with --by: only this port')
    .option('--exit-code', 'exit 1 when connectivity changes, as git diff --exit-code does')
    .addHelpText('after', examples([
      ['kordon diff main:k8s/ k8s/', 'what this branch changes, against main'],
      ['kordon diff main:k8s/ k8s/ -o md > comment.md', 'the same as a pull request comment'],
      ['kordon diff main:k8s/ k8s/ --by workload -o mermaid', 'added and removed connections as a graph'],
      ['kordon diff cluster: policies/', 'what kubectl apply -f policies/ would open or close in the cluster'],
      ['kordon diff --against cluster.yaml policies/', 'the same offline, against a kordon snapshot'],
    ]))
    .action(async (oldSpec: string, newSpec: string | undefined, opts: DiffOptions) => {
      const { CLUSTER_SPEC } = await import('@kordon/source');
      let over = oldSpec === CLUSTER_SPEC;
      if (opts.againstCluster || opts.against !== undefined) {
        const flag = opts.againstCluster ? '--against-cluster' : '--against';
        if (opts.againstCluster && opts.against !== undefined) throw new UsageError('give --against-cluster or --against STATE, not both');
        if (newSpec !== undefined) throw new UsageError(`${flag} takes one path: the files to apply over ${opts.againstCluster ? 'the cluster' : opts.against}`);
        [oldSpec, newSpec, over] = [opts.against ?? CLUSTER_SPEC, oldSpec, true];
      }
      if (newSpec === undefined) throw new UsageError("missing required argument 'new'", 'kordon diff OLD NEW, or kordon diff cluster: NEW');
      ctx.exitCode = await runDiff(ctx, oldSpec, newSpec, opts, over);
    });
}

type Side = { files: SourceFile[]; diagnostics: Diagnostic[] };

/** The manifests of one side, read by the one Source (files, directories, `REV:path`, `cluster:`). */
async function readSide(ctx: CliContext, spec: string): Promise<Side> {
  const { readInputs } = await import('../input.js');
  return readInputs([spec], ctx);
}

/**
 * `diff cluster: FILES` (and `--against STATE FILES`) asks what applying FILES would change, as `kubectl diff` does:
 * the new side is the old one with the files applied over it (an object of the files replaces the old side's of the
 * same kind and name).
 */
async function readSides(ctx: CliContext, oldSpec: string, newSpec: string, over: boolean): Promise<[Side, Side]> {
  const { CLUSTER_SPEC } = await import('@kordon/source');
  const a = await readSide(ctx, oldSpec);
  if (!over || newSpec === CLUSTER_SPEC) return [a, await readSide(ctx, newSpec)];
  const files = await readSide(ctx, newSpec);
  return [a, { files: [...a.files, ...files.files], diagnostics: files.diagnostics }];
}

/** An object of the files replacing the old side's is what applying them means, not a problem to report. */
const appliedOver = (d: Diagnostic, old: ReadonlySet<string>): boolean => {
  const first = d.code === 'object-duplicate' ? /\(first at (.*):\d+\); the later one is used/.exec(d.message) : null;
  return first !== null && old.has(first[1]!);
};

async function buildSide(side: { files: SourceFile[]; diagnostics: Diagnostic[] }, network: ClusterNetwork | undefined): Promise<{ cluster: Cluster; diagnostics: Diagnostic[]; objects: number }> {
  const { buildCluster, loadSources } = await import('@kordon/engine');
  const { sortDiagnostics } = await import('../output/diagnostics.js');
  const loaded = loadSources(side.files);
  const built = buildCluster(loaded.objects, network ? { network } : {});
  return { cluster: built.cluster, diagnostics: sortDiagnostics([...side.diagnostics, ...loaded.diagnostics, ...built.diagnostics]), objects: loaded.objects.length };
}

async function runDiff(ctx: CliContext, oldSpec: string, newSpec: string, opts: DiffOptions, over: boolean): Promise<number> {
  const { parseFormat, parseNetwork, reportUnknownPodIPs } = await import('../pipeline.js');
  const { formatDiagnostics } = await import('../output/diagnostics.js');
  const list = await import('../run/list.js');
  const byConnections = opts.by !== undefined || CONNECTION_ONLY.includes(opts.output);
  const format = parseFormat(opts.output, byConnections ? list.LIST_FORMATS : (['text', 'json', 'md'] as const));
  if (!byConnections && (opts.from !== undefined || opts.to !== undefined || opts.port !== undefined)) throw new UsageError('--from, --to and --port focus a connection list: add --by workload (or pod, namespace)');
  if (opts.by !== undefined) list.parseGroupBy(opts.by);
  list.parseListPort(opts.port);
  const review = await import('@kordon/review');
  const [sideA, sideB] = await readSides(ctx, oldSpec, newSpec, over);
  const network = parseNetwork(opts);
  const a = await buildSide(sideA, network);
  const b = await buildSide(sideB, network);
  const oldFiles = new Set(over ? sideA.files.map((f) => f.name) : []);
  const problems = [...a.diagnostics, ...b.diagnostics].filter((d) => d.severity !== 'info' && !appliedOver(d, oldFiles));
  if (problems.length) ctx.io.err(formatDiagnostics(problems, colorsFor(ctx, 'err')));
  if (a.objects === 0 && b.objects === 0) throw new UsageError('neither version holds a Kubernetes object');
  reportUnknownPodIPs(ctx, a.cluster, 'old: ');
  reportUnknownPodIPs(ctx, b.cluster, 'new: ');
  if (byConnections) {
    const focus = { by: opts.by ?? 'workload', ...(opts.from !== undefined ? { from: opts.from } : {}), ...(opts.to !== undefined ? { to: opts.to } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}) };
    // A focus names something in either version: resolve it in the new one, else the old.
    const options = await list.listOptions(b.cluster, focus).catch(() => list.listOptions(a.cluster, focus));
    const oldOptions = await list.listOptions(a.cluster, focus).catch(() => options);
    const d = review.diffConnections(a.cluster, b.cluster, options, oldOptions);
    ctx.io.out(await list.renderConnectionDiff(d, format as (typeof list.LIST_FORMATS)[number]));
    return opts.exitCode && d.changes.length > 0 ? 1 : 0;
  }
  const report = review.diffClusters(a.cluster, b.cluster);
  if (format === 'json') ctx.io.out(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'md') ctx.io.out(review.diffMarkdown(report));
  else ctx.io.out(review.diffText(report));
  return opts.exitCode && report.changes.length > 0 ? 1 : 0;
}
