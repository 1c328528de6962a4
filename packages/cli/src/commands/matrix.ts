import type { Command } from 'commander';
import type { CliContext } from '../io.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerMatrix(program: Command, ctx: CliContext): void {
  program
    .command('matrix')
    .summary('who can reach whom, per port')
    .description(
      'Reachability of every pod (and the given outside addresses) to every other, for each port. Default ports: each ' +
        'port that a policy or a container names, plus one column for any other port. A terminal table grouped by ' +
        'namespace, or -o json, csv, md; --count prints only the number of allowed pairs per port.\n\n' +
        'Exit codes: 0 computed, 2 usage error or unreadable input.',
    )
    .argument('<paths...>', 'files, directories (recursively: .yaml, .yml, .json) or - for stdin')
    .option('--port <N/PROTO>', 'a port to compute (repeatable; PROTO defaults to TCP)', collect, [])
    .option('--ip <addr>', 'an outside address to add as an endpoint (repeatable, kept in the order given)', collect, [])
    .option('--count', 'print only the number of allowed pairs per port (for inputs too large to print)')
    .option('-o, --output <format>', 'text, json, csv or md', 'text')
    .action(async (paths: string[], opts: MatrixOptions) => {
      const { runMatrix } = await import('../run/matrix.js');
      ctx.exitCode = await runMatrix(ctx, paths, opts);
    });
}

export interface MatrixOptions {
  port: string[];
  ip: string[];
  count?: boolean;
  output: string;
}
