import type { Command } from 'commander';
import { yamlFromJson } from '../output/yaml-output.js';
import { examples, withNetworkOptions } from './help.js';
import type { CliContext } from '../io.js';
import type { NamespaceOptions, NetworkFlags } from '../pipeline.js';

export function registerList(program: Command, ctx: CliContext): void {
  withNetworkOptions(yamlFromJson(program.command('list')))
    .summary('who may connect to whom, one line per pair, with the exact ports')
    .description(
      'Every allowed connection, one line per pair of workloads (or pods, or namespaces): ' +
        '`shop/api[Deployment] => data/postgres[StatefulSet] : TCP 5432`. Port sets are exact and merged into ranges per ' +
        'protocol ("all ports" when nothing restricts the pair); outside addresses are listed as the CIDR blocks the ' +
        'policies tell apart, merged. A pod reaching itself is not listed. -o dot, svg (Graphviz) and mermaid draw the ' +
        'same list as a graph for a pull request or a wiki.\n\nExit codes: 0 listed, 2 usage error or unreadable input.',
    )
    .argument('[paths...]', 'files, directories (recursively: .yaml, .yml, .json), - for stdin, REV:path, or cluster: (none: the current kubeconfig context)')
    .option('--by <grouping>', 'pod, workload or namespace', 'workload')
    .option('--from <source>', 'only connections from: ns, ns/pod, ns/workload, ns/Kind/name, a Service, an IP or a CIDR')
    .option('--to <destination>', 'only connections to: ns, ns/pod, ns/workload, ns/Kind/name, a Service, an IP or a CIDR')
    .option('--port <N/PROTO>', 'only this port (PROTO defaults to TCP)')
    .option('-n, --namespace <namespace>', 'show only this namespace (policies elsewhere still count where they select its pods or peers)')
    .option('-A, --all-namespaces', 'show every namespace (the default)')
    .option('-o, --output <format>', 'text, json, yaml, csv, md, dot, svg or mermaid', 'text')
    .addHelpText('after', examples([
      ['kordon list k8s/', 'every allowed connection, by workload'],
      ['kordon list k8s/ --to data/postgres --by pod', 'who reaches the database, pod by pod'],
      ['kordon list k8s/ -o svg > connections.svg', 'the same as a picture (Graphviz)'],
    ]))
    .action(async (paths: string[], opts: ListCommandOptions) => {
      const { runList } = await import('../run/list.js');
      ctx.exitCode = await runList(ctx, paths, opts);
    });
}

export interface ListCommandOptions extends NamespaceOptions, NetworkFlags {
  by: string;
  from?: string;
  to?: string;
  port?: string;
  output: string;
}
