import type { Command } from 'commander';
import { yamlFromJson } from '../output/yaml-output.js';
import { examples } from './help.js';
import type { CliContext } from '../io.js';

export function registerExposure(program: Command, ctx: CliContext): void {
  yamlFromJson(program.command('exposure'))
    .summary('who could reach each workload, and whom it could reach, as the policies word it')
    .description(
      'For each workload (pods a policy treats alike): the peers its ingress admits and each egress peer, described by ' +
        'the selectors and CIDRs of the rules that admit them, so namespaces and pods that are not in the input yet count ' +
        'as they will once deployed ("all pods in namespaces with team=x"); then the workloads no policy protects, per ' +
        'direction.\n\nExit codes: 0 answered, 2 usage error or unreadable input.',
    )
    .argument('[paths...]', 'files, directories (recursively: .yaml, .yml, .json), - for stdin, REV:path, or cluster: (none: the current kubeconfig context)')
    .option('--to <destination>', 'only this destination: ns, ns/pod, ns/workload, ns/Kind/name or a Service')
    .option('-o, --output <format>', 'text, json, yaml or md', 'text')
    .addHelpText('after', examples([
      ['kordon exposure k8s/', 'every workload: who may come in, where it may go'],
      ['kordon exposure k8s/ --to data/postgres', 'who could reach the database, including pods not deployed yet'],
    ]))
    .action(async (paths: string[], opts: { to?: string; output: string }) => {
      const { loadInput, parseFormat, reportDiagnostics, requireObjects } = await import('../pipeline.js');
      const { UsageError } = await import('../io.js');
      const review = await import('@kordon/review');
      const format = parseFormat(opts.output, ['text', 'json', 'md'] as const);
      const loaded = await loadInput(paths, ctx);
      reportDiagnostics(ctx, loaded);
      requireObjects(loaded);
      let pods;
      if (opts.to !== undefined) {
        const f = review.resolveFocus(loaded.cluster, opts.to);
        if ('error' in f) throw new UsageError(`--to ${opts.to}: ${f.error}`);
        pods = f.pods;
      }
      const r = review.exposure(loaded.cluster, pods ? { pods } : {});
      if (format === 'json') ctx.io.out(`${JSON.stringify(r, null, 2)}\n`);
      else if (format === 'md') ctx.io.out(review.exposureMarkdown(r));
      else ctx.io.out(review.exposureText(r));
      ctx.exitCode = 0;
    });
}
