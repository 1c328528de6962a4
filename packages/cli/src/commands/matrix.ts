import type { Command } from 'commander';
import { yamlFromJson } from '../output/yaml-output.js';
import { examples, withNetworkOptions } from './help.js';
import type { CliContext } from '../io.js';
import type { NamespaceOptions, NetworkFlags } from '../pipeline.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerMatrix(program: Command, ctx: CliContext): void {
  withNetworkOptions(yamlFromJson(program.command('matrix')))
    .summary('who can reach whom, per port')
    .description(
      'Reachability of every pod (and the given outside addresses) to every other, for each port. Default ports: each ' +
        'port that a policy or a container names, plus one column for any other port. A terminal table grouped by ' +
        'namespace, or -o json, csv, md; --count prints only the number of allowed pairs per port.\n\n' +
        'Exit codes: 0 computed, 2 usage error or unreadable input.',
    )
    .argument('[paths...]', 'files, directories (recursively: .yaml, .yml, .json), - for stdin, REV:path, or cluster: (none: the current kubeconfig context)')
    .option('--port <N/PROTO>', 'a port to compute (repeatable; PROTO defaults to TCP)', collect, [])
    .option('--ip <addr>', 'an outside address to add as an endpoint (repeatable, kept in the order given)', collect, [])
    .option('--count', 'print only the number of allowed pairs per port (for inputs too large to print)')
    .option('-n, --namespace <namespace>', 'show only this namespace (policies elsewhere still count where they select its pods or peers)')
    .option('-A, --all-namespaces', 'show every namespace (the default)')
    .option('-o, --output <format>', 'text, json, yaml, csv or md', 'text')
    .addHelpText('after', examples([
      ['kordon matrix k8s/', 'a table per port of who can reach whom'],
      ['kordon matrix k8s/ --port 443 --ip 203.0.113.7 -o csv', 'one port, with an outside address, as CSV'],
      ['kordon matrix k8s/ --count', 'only the number of allowed pairs per port'],
    ]))
    .action(async (paths: string[], opts: MatrixOptions) => {
      const { runMatrix } = await import('../run/matrix.js');
      ctx.exitCode = await runMatrix(ctx, paths, opts);
    });
}

export interface MatrixOptions extends NamespaceOptions, NetworkFlags {
  port: string[];
  ip: string[];
  count?: boolean;
  output: string;
}
