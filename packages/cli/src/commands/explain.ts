import type { Command } from 'commander';
import type { CliContext } from '../io.js';

export function registerExplain(program: Command, ctx: CliContext): void {
  program
    .command('explain')
    .summary('the policies in words and tables')
    .description(
      'The policies in words and tables: a `kubectl get netpol`-like listing; per policy, the pods it selects and what ' +
        'each rule allows; per pod, its isolation in each direction, by which policies, and the peers and ports allowed.' +
        '\n\nExit codes: 0 explained, 2 usage error or unreadable input.',
    )
    .argument('<paths...>', 'files, directories (recursively: .yaml, .yml, .json) or - for stdin')
    .option('--policy <ns/name>', 'only this policy (and the pods it selects)')
    .option('--pod <ns/name>', 'only this pod (and the policies that select it)')
    .option('-o, --output <format>', 'text, json or md', 'text')
    .action(async (paths: string[], opts: ExplainOptions) => {
      const { runExplain } = await import('../run/explain.js');
      ctx.exitCode = await runExplain(ctx, paths, opts);
    });
}

export interface ExplainOptions {
  policy?: string;
  pod?: string;
  output: string;
}
