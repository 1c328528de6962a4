import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError, type CliContext } from '../io.js';
import { examples } from './help.js';

export interface SnapshotOptions {
  output?: string;
}

export function registerSnapshot(program: Command, ctx: CliContext): void {
  program
    .command('snapshot')
    .summary('save what kordon reads from the cluster, to answer offline')
    .description(
      'Reads the objects kordon evaluates from the current kubeconfig context (namespaces, pods, workloads, services, ' +
        'endpoint slices, NetworkPolicies, cluster policies of both API versions where installed, nodes), trimmed of ' +
        'managed fields, annotations and status that does not matter (Secrets are never read), and writes them as one ' +
        'kind: List, so a CI job or a bug report can reuse the exact state: kordon check snapshot.yaml ...\n\n' +
        'Exit codes: 0 written, 2 usage error, the cluster cannot be read, or some resource could not be read (the file ' +
        'is written with the rest).',
    )
    .option('-o, --output <file>', 'write here (.json for JSON, otherwise YAML); default stdout as YAML')
    .addHelpText('after', examples([
      ['kordon snapshot -o cluster.yaml', 'the state of the current context'],
      ['kordon --context prod snapshot -o prod.json && kordon check prod.json --from a/web --to b/db', 'answer offline'],
    ]))
    .action(async (opts: SnapshotOptions) => {
      const { readClusterFor } = await import('../cluster.js');
      const { formatDiagnostics } = await import('../output/diagnostics.js');
      const { colorsFor } = await import('../io.js');
      const { loadSources } = await import('@kordon/engine');
      const read = await readClusterFor(ctx, { snapshot: true });
      if (read.diagnostics.length) ctx.io.err(formatDiagnostics(read.diagnostics, colorsFor(ctx, 'err')));
      if (read.unreadable.length) (ctx.unreadable ??= []).push(...read.unreadable);
      const items = loadSources(read.files).objects.map((o) => o.raw);
      const list = { apiVersion: 'v1', kind: 'List', items };
      const json = opts.output !== undefined && /\.json$/i.test(opts.output);
      let text: string;
      if (json) text = `${JSON.stringify(list, null, 2)}\n`;
      else {
        const { toYaml } = await import('../output/yaml.js');
        text = toYaml(list);
      }
      if (opts.output === undefined || opts.output === '-') ctx.io.out(text);
      else {
        try {
          writeFileSync(opts.output, text);
        } catch (err) {
          throw new UsageError(`cannot write ${opts.output}: ${err instanceof Error ? err.message : String(err)}`);
        }
        ctx.io.err(`kordon snapshot: ${items.length} objects written to ${opts.output}\n`);
      }
    });
}
