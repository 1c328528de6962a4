import type { Command } from 'commander';
import type { Cluster, Diagnostic, SourceFile } from '@kordon/engine';
import { colorsFor, UsageError, type CliContext } from '../io.js';

export interface DiffOptions {
  output: string;
  exitCode?: boolean;
}

export function registerDiff(program: Command, ctx: CliContext): void {
  program
    .command('diff')
    .summary('how connectivity changes between two versions, and which policy change causes it')
    .description(
      'Compares who can reach whom in OLD and NEW, on every port class, and lists the flows newly allowed and newly denied, ' +
        'grouped by workload and port, each with the policy change (or label change) behind it. OLD and NEW are files, ' +
        'directories, or git revisions written REV:path (kordon diff main:k8s/ k8s/). Pods are matched by namespace and ' +
        'name; workloads present in one version only are listed apart.\n\n' +
        'Exit codes: 0 (with --exit-code: 0 no change, 1 changes), 2 usage error or unreadable input.',
    )
    .argument('<old>', 'file, directory or REV:path')
    .argument('<new>', 'file, directory or REV:path')
    .option('-o, --output <format>', 'text, json or md (a pull request comment)', 'text')
    .option('--exit-code', 'exit 1 when connectivity changes, as git diff --exit-code does')
    .action(async (oldSpec: string, newSpec: string, opts: DiffOptions) => {
      ctx.exitCode = await runDiff(ctx, oldSpec, newSpec, opts);
    });
}

/** The manifests of one side, read by the one Source (files, directories, `REV:path`, `cluster:`). */
async function readSide(ctx: CliContext, spec: string): Promise<{ files: SourceFile[]; diagnostics: Diagnostic[] }> {
  const { readInputs } = await import('../input.js');
  return readInputs([spec], ctx);
}

async function buildSide(side: { files: SourceFile[]; diagnostics: Diagnostic[] }): Promise<{ cluster: Cluster; diagnostics: Diagnostic[]; objects: number }> {
  const { buildCluster, loadSources } = await import('@kordon/engine');
  const { sortDiagnostics } = await import('../output/diagnostics.js');
  const loaded = loadSources(side.files);
  const built = buildCluster(loaded.objects);
  return { cluster: built.cluster, diagnostics: sortDiagnostics([...side.diagnostics, ...loaded.diagnostics, ...built.diagnostics]), objects: loaded.objects.length };
}

async function runDiff(ctx: CliContext, oldSpec: string, newSpec: string, opts: DiffOptions): Promise<number> {
  const { parseFormat } = await import('../pipeline.js');
  const { formatDiagnostics } = await import('../output/diagnostics.js');
  const format = parseFormat(opts.output, ['text', 'json', 'md'] as const);
  const review = await import('@kordon/review');
  const a = await buildSide(await readSide(ctx, oldSpec));
  const b = await buildSide(await readSide(ctx, newSpec));
  const problems = [...a.diagnostics, ...b.diagnostics].filter((d) => d.severity !== 'info');
  if (problems.length) ctx.io.err(formatDiagnostics(problems, colorsFor(ctx, 'err')));
  if (a.objects === 0 && b.objects === 0) throw new UsageError('neither version holds a Kubernetes object');
  const report = review.diffClusters(a.cluster, b.cluster);
  if (format === 'json') ctx.io.out(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'md') ctx.io.out(review.diffMarkdown(report));
  else ctx.io.out(review.diffText(report));
  return opts.exitCode && report.changes.length > 0 ? 1 : 0;
}
