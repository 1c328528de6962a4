import type { Command } from 'commander';
import { yamlFromJson } from '../output/yaml-output.js';
import { examples } from './help.js';
import type { CliContext } from '../io.js';

export function registerValidate(program: Command, ctx: CliContext): void {
  yamlFromJson(program.command('validate'))
    .summary('check every object as the API server and a strict kubectl apply would')
    .description(
      'Checks every NetworkPolicy (and the pods, workloads, Services and namespaces beside them) as the API server and a ' +
        'strict `kubectl apply` would: field path, value, reason and file:line:column of each problem; warnings ' +
        '(a CIDR with host bits set) apart from errors.\n\nExit codes: 0 valid, 1 some object invalid, 2 usage error or unreadable input.',
    )
    .argument('<paths...>', 'files, directories (recursively: .yaml, .yml, .json) or - for stdin')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .option('--notes', 'list every note (skipped kinds and files, defaulted namespaces), not only the first of each kind')
    .addHelpText('after', examples([
      ['kordon validate k8s/', 'report what the API server would reject, at file:line:column'],
      ['kordon validate k8s/ -o json', 'the same as JSON'],
    ]))
    .action(async (paths: string[], opts: { output: string; notes?: boolean }) => {
      const { runValidate } = await import('../run/validate.js');
      ctx.exitCode = await runValidate(ctx, paths, opts);
    });
}
