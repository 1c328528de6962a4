import type { Command } from 'commander';
import { examples } from './help.js';
import type { CliContext } from '../io.js';

export interface NftOptions {
  node?: string;
  nodeIp?: string[];
  table: string;
  notes: boolean;
}

export function registerNft(program: Command, ctx: CliContext): void {
  program
    .command('nft')
    .summary('print the nftables ruleset that enforces the policies on a node')
    .description(
      "Compiles the policies for the pods of one node into kordon's own `inet` table: verdict maps keyed by pod " +
        'address, one chain per class of pods isolated by the same policies, and interval sets of peer, protocol and ' +
        'port, so rules grow with pods plus policies and a packet costs the same whatever the number of policies. ' +
        'Cluster policies (ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy) become tier chains: ' +
        'per direction Admin by priority, then NetworkPolicy for the pods it isolates, then Baseline, then allow. ' +
        'Comments name the policy and rule each part comes from. The output is an `nft -f` script that replaces the ' +
        'table in one transaction.\n\nExit codes: 0 printed, 1 some policy is invalid (left out, as the API server ' +
        'would reject it), 2 usage error or unreadable input.',
    )
    .argument('[paths...]', 'files, directories (recursively: .yaml, .yml, .json), - for stdin, REV:path, or cluster: (none: the current kubeconfig context)')
    .option('--node <name>', "compile for the pods whose spec.nodeName is NAME (default: every pod, as one node)")
    .option('--node-ip <ip...>', "the node's own addresses (default: the hostIP of its pods); traffic with the node is always allowed")
    .option('--table <name>', 'nftables table (family inet)', 'kordon')
    .option('--no-notes', 'leave out the # lines that explain each part')
    .addHelpText('after', examples([
      ['kordon nft k8s/ --node worker-1', 'the ruleset for the pods of node worker-1'],
      ['kordon nft k8s/ --node worker-1 --no-notes | nft -c -f -', 'check it with nft without applying it'],
    ]))
    .action(async (paths: string[], opts: NftOptions) => {
      const { loadInput, reportDiagnostics, requireObjects } = await import('../pipeline.js');
      const { UsageError } = await import('../io.js');
      const { compileRuleset, renderRuleset, tableNameProblem } = await import('@kordon/dataplane');
      const loaded = await loadInput(paths, ctx);
      reportDiagnostics(ctx, loaded);
      requireObjects(loaded);
      const badTable = tableNameProblem(opts.table);
      if (badTable) throw new UsageError(badTable);
      if (opts.node !== undefined && !loaded.cluster.pods.some((p) => p.nodeName === opts.node)) {
        // An empty ruleset for a mistyped node would look like a node that needs no rules.
        const nodes = [...new Set(loaded.cluster.pods.flatMap((p) => (p.nodeName ? [p.nodeName] : [])))].sort();
        throw new UsageError(
          `--node ${opts.node}: no pod of the input runs on a node of that name`,
          nodes.length ? `nodes in the input (spec.nodeName): ${nodes.slice(0, 10).join(', ')}${nodes.length > 10 ? ` and ${nodes.length - 10} more` : ''}` : 'no pod of the input has spec.nodeName; leave out --node to compile for every pod',
        );
      }
      const rs = compileRuleset(loaded.cluster, {
        ...(opts.node !== undefined ? { node: opts.node } : {}),
        ...(opts.nodeIp ? { nodeIPs: opts.nodeIp } : {}),
        table: opts.table,
      });
      for (const w of rs.warnings ?? []) ctx.io.err(`kordon nft: warning: ${w}\n`);
      ctx.io.out(renderRuleset(rs, { notes: opts.notes }));
      ctx.exitCode = loaded.cluster.rejectedPolicies.length > 0 || loaded.cluster.rejectedClusterPolicies.length > 0 || loaded.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    });
}
