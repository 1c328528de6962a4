import type { Command } from 'commander';
import { examples } from './help.js';
import { UsageError, type CliContext } from '../io.js';

export interface AgentCommandOptions {
  node?: string;
  nodeIp?: string[];
  table: string;
  netns?: string;
  once?: boolean;
  denied?: boolean;
  uninstall?: boolean;
  rescan: string;
  nftTimeout: string;
  verify: string;
}

/** A number of seconds from an option, or a usage error naming it. */
function seconds(name: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`bad ${name} ${JSON.stringify(value)}: give a number of seconds${min === 0 ? ', 0 for never' : ''}`);
  return n;
}

export function registerAgent(program: Command, ctx: CliContext): void {
  program
    .command('agent')
    .summary("keep a node's nftables ruleset in step with a directory of manifests")
    .description(
      "Enforces the manifests under SOURCE on this node and follows every change to them. The first sync replaces " +
        "kordon's table in one transaction (a table left by an earlier run enforces until then, so a restart never " +
        'drops isolation); each later change is one incremental `nft` transaction touching only the affected set ' +
        'elements and chains. A change with an invalid policy is refused and the last good ruleset stays. Denied ' +
        'connections are recorded per pod, peer and port: see them with --denied. Only the table named by --table ' +
        'is touched. Needs root (CAP_NET_ADMIN) and the nft program.\n\nExit codes: 0 stopped cleanly, 1 refused ' +
        '(invalid manifests at start), 2 usage error, missing privileges, nft failure at start, or the watched ' +
        'directory deleted (the table stays).',
    )
    .argument('<source>', 'a directory (watched recursively: .yaml, .yml, .json) or a file')
    .option('--node <name>', 'enforce for the pods whose spec.nodeName is NAME (default: every pod)')
    .option('--node-ip <ip...>', "the node's own addresses (default: the hostIP of its pods)")
    .option('--table <name>', 'nftables table (family inet)', 'kordon')
    .option('--netns <name>', 'apply inside this network namespace (ip netns) instead of this one')
    .option('--once', 'sync once and exit (the ruleset stays)')
    .option('--denied', 'print the recorded denied connections and exit')
    .option('--uninstall', "delete kordon's table and exit: enforcement stops")
    .option('--rescan <seconds>', 'read the whole directory again this often, in case a file event was lost (0: never)', '60')
    .option('--verify <seconds>', "compare the kernel's table with the ruleset this often and repair what differs (0: never; changes by other processes are repaired at once anyway)", '10')
    .option('--nft-timeout <seconds>', 'kill an nft run that takes longer, and try again (up to 3 runs, waiting 0.5 s then 2 s)', '10')
    .addHelpText('after', examples([
      ['kordon agent /etc/kordon/manifests --node $(hostname)', "enforce the manifests for this node's pods, following every change"],
      ['kordon agent manifests/ --once', 'sync once and exit, leaving the ruleset in place'],
      ['kordon agent manifests/ --denied', 'show the connections the ruleset denied'],
    ]))
    .action(async (source: string, opts: AgentCommandOptions) => {
      const rescan = seconds('--rescan', opts.rescan, 0);
      const nftTimeout = seconds('--nft-timeout', opts.nftTimeout, 0.001);
      const verify = seconds('--verify', opts.verify, 0);
      const dp = await import('@kordon/dataplane');
      const badTable = dp.tableNameProblem(opts.table);
      if (badTable) throw new UsageError(badTable);
      const base = {
        ...(opts.node !== undefined ? { node: opts.node } : {}),
        ...(opts.nodeIp ? { nodeIPs: opts.nodeIp } : {}),
        ...(opts.netns !== undefined ? { netns: opts.netns } : {}),
        table: opts.table,
        nftTimeoutMs: nftTimeout * 1000,
        log: (l: string) => ctx.io.err(`kordon agent: ${l}\n`),
      };
      if (opts.uninstall) {
        const agent = await dp.Agent.create(base);
        await agent.uninstall();
        ctx.io.err(`kordon agent: table inet ${opts.table} deleted; policies are no longer enforced\n`);
        return;
      }
      if (opts.denied) {
        const agent = await dp.Agent.create(base);
        const state = await dp.loadState(source);
        const rows = await agent.deniedFor(state.cluster);
        for (const d of rows) ctx.io.out(`${d.direction}\t${d.from} -> ${d.to}\t${d.port}/${d.protocol}\t${d.packets} packets\n`);
        if (rows.length === 0) ctx.io.err('kordon agent: no denied connections recorded\n');
        return;
      }
      const signalled = new Promise<void>((resolve) => {
        if (opts.once) resolve();
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      let running;
      try {
        running = await dp.startAgent({
          ...base,
          source,
          rescanMs: rescan * 1000,
          verifyMs: verify * 1000,
          onEvent: (e) => ctx.io.err(`kordon agent: ${e.message}${e.ms !== undefined ? ` (${e.ms.toFixed(1)} ms)` : ''}\n`),
        });
      } catch (e) {
        // Invalid manifests are a "no" about the input (1), not a usage error.
        if (e instanceof dp.AgentError && e.code === 'invalid-manifests') {
          ctx.io.err(`kordon agent: ${e.message}\n`);
          ctx.exitCode = 1;
          return;
        }
        throw e;
      }
      const stop = await Promise.race([signalled.then(() => undefined), running.done]);
      running.stop();
      if (stop) {
        // The source is gone: the stop line said why; a supervisor sees a failure and the table stays.
        ctx.exitCode = 2;
        return;
      }
      if (!opts.once) ctx.io.err(`kordon agent: stopped; table inet ${opts.table} stays in force (--uninstall removes it)\n`);
    });
}
