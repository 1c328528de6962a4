import type { Command } from 'commander';
import { yamlFromJson } from '../output/yaml-output.js';
import { examples } from './help.js';
import type { CliContext } from '../io.js';
import type { NamespaceOptions } from '../pipeline.js';

export function registerExplain(program: Command, ctx: CliContext): void {
  yamlFromJson(program.command('explain'))
    .summary('the policies in words and tables')
    .description(
      'The policies in words and tables: a `kubectl get netpol`-like listing; per policy, the pods it selects and what ' +
        'each rule allows; per pod, its isolation in each direction, by which policies, and the peers and ports allowed.' +
        '\n\nExit codes: 0 explained, 2 usage error or unreadable input.',
    )
    .argument('[paths...]', 'files, directories (recursively: .yaml, .yml, .json), - for stdin, REV:path, or cluster: (none: the current kubeconfig context)')
    .option('--policy <ns/name>', 'only this policy (and the pods it selects)')
    .option('--pod <ns/name>', 'only this pod (and the policies that select it)')
    .option('-n, --namespace <namespace>', 'show only this namespace (policies elsewhere still count where they select its pods or peers)')
    .option('-A, --all-namespaces', 'show every namespace (the default)')
    .option('-o, --output <format>', 'text, wide (more columns), json, yaml or md', 'text')
    .addHelpText('after', examples([
      ['kordon explain k8s/', "every policy in words, and every pod's isolation"],
      ['kordon explain k8s/ --pod shop/api-7d9c', 'one pod: which policies select it and whom they allow'],
      ['kordon explain k8s/ -n shop -o wide', 'the policies and pods of one namespace, with more columns'],
    ]))
    .action(async (paths: string[], opts: ExplainOptions) => {
      const { runExplain } = await import('../run/explain.js');
      ctx.exitCode = await runExplain(ctx, paths, opts);
    });
}

export interface ExplainOptions extends NamespaceOptions {
  policy?: string;
  pod?: string;
  output: string;
}
