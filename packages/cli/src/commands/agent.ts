import type { Command } from 'commander';
import { examples } from './help.js';
import { inputSettings } from '../input.js';
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
  inCluster?: boolean;
  apiLoss: string;
  apiLossAfter: string;
  listen?: string;
  connectionLog?: string;
}

const API_LOSS = ['keep', 'open', 'closed'] as const;

/** `HOST:PORT` (or `[V6]:PORT`, or a bare port on 127.0.0.1), or a usage error. */
function listenAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value) ?? (/^\d+$/.test(value) ? [value, undefined, '127.0.0.1', value] : null);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad --listen ${JSON.stringify(value)}: give HOST:PORT, e.g. 127.0.0.1:9469`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
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
    .summary("keep a node's nftables ruleset in step with the cluster (the API server, or a directory of manifests)")
    .description(
      'Enforces the cluster on this node and follows every change: with --kubeconfig FILE or --in-cluster, the API ' +
        'server (informers: list, then watch, relisting after 410 Gone, restarted with backoff when a watch stops; ' +
        'nothing is touched until every list is complete, so traffic is left as it is until then); otherwise the ' +
        "manifests under SOURCE. The first sync replaces " +
        "kordon's table in one transaction (a table left by an earlier run enforces until then, so a restart never " +
        'drops isolation); each later change is one incremental `nft` transaction touching only the affected set ' +
        'elements and chains. A change with an invalid policy is refused and the last good ruleset stays. Denied ' +
        'connections are recorded per pod, peer and port: see them with --denied, or log each as a JSON line for ' +
        '`kordon generate --flows` with --connection-log FILE. Only the table named by --table ' +
        'is touched. Needs root (CAP_NET_ADMIN) and the nft program.\n\nExit codes: 0 stopped cleanly, 1 refused ' +
        '(invalid manifests at start), 2 usage error, missing privileges, nft failure at start, or the watched ' +
        'directory deleted (the table stays).',
    )
    .argument('[source]', 'a directory (watched recursively: .yaml, .yml, .json) or a file; none with --kubeconfig or --in-cluster')
    .option('--in-cluster', "follow the API server with the pod's service account (as the DaemonSet in deploy/ runs it)")
    .option('--api-loss <mode>', `what to enforce once the API server has been lost for --api-loss-after: ${API_LOSS.join(', ')} (keep: the last state seen; open: delete the table; closed: isolate every pod of this node both ways)`, 'keep')
    .option('--api-loss-after <seconds>', 'how long the API may be lost before --api-loss takes effect', '300')
    .option('--listen <addr>', 'serve /healthz and /metrics (Prometheus) on HOST:PORT (default 127.0.0.1:9469 when following the API; none for a directory)')
    .option('--node <name>', 'enforce for the pods whose spec.nodeName is NAME (default: NODE_NAME of the environment; for a directory, every pod)')
    .option('--node-ip <ip...>', "the node's own addresses (default: the hostIP of its pods)")
    .option('--table <name>', 'nftables table (family inet)', 'kordon')
    .option('--netns <name>', 'apply inside this network namespace (ip netns) instead of this one')
    .option('--once', 'sync once and exit (the ruleset stays)')
    .option('--connection-log <file>', 'append a JSON line for each newly recorded denied connection to FILE (the format `kordon generate --flows` reads; denied connections only, allowed ones leave no record)')
    .option('--denied', 'print the recorded denied connections and exit')
    .option('--uninstall', "delete kordon's table and exit: enforcement stops")
    .option('--rescan <seconds>', 'read the whole directory again this often, in case a file event was lost (0: never)', '60')
    .option('--verify <seconds>', "compare the kernel's table with the ruleset this often and repair what differs in the background, without holding up syncs (0: never; a change by another process that nft monitor sees is repaired at once)", '10')
    .option('--nft-timeout <seconds>', 'kill an nft run that takes longer, and try again (up to 3 runs, waiting 0.5 s then 2 s)', '10')
    .addHelpText('after', examples([
      ['kordon agent /etc/kordon/manifests --node $(hostname)', "enforce the manifests for this node's pods, following every change"],
      ['kordon agent --in-cluster --node $NODE_NAME', 'in a DaemonSet (deploy/): follow the API server, enforce for this node'],
      ['kordon agent --kubeconfig ~/.kube/config --node worker-1 --api-loss closed --api-loss-after 60', 'isolate the pods of worker-1 when the API is lost for a minute'],
      ['kordon agent manifests/ --once', 'sync once and exit, leaving the ruleset in place'],
      ['kordon agent manifests/ --connection-log /var/log/kordon/connections.jsonl', 'enforce, and log each denied connection for `kordon generate --flows`'],
      ['kordon agent manifests/ --denied', 'show the connections the ruleset denied'],
    ]))
    .action(async (source: string | undefined, opts: AgentCommandOptions) => {
      const follow = source === undefined && (opts.inCluster === true || ctx.cluster?.kubeconfig !== undefined || ctx.cluster?.also === true);
      if (source === undefined && !follow) throw new UsageError('give a directory of manifests, or --kubeconfig FILE or --in-cluster to follow the API server');
      if (source !== undefined && opts.inCluster) throw new UsageError('--in-cluster follows the API server: give it without SOURCE');
      if (!(API_LOSS as readonly string[]).includes(opts.apiLoss)) throw new UsageError(`bad --api-loss ${JSON.stringify(opts.apiLoss)}: give ${API_LOSS.join(', ')}`);
      const apiLossAfter = seconds('--api-loss-after', opts.apiLossAfter, 0);
      const listen = opts.listen !== undefined ? listenAddress(opts.listen) : follow ? { host: '127.0.0.1', port: 9469 } : undefined;
      const node = opts.node ?? (follow ? ctx.io.env['NODE_NAME'] : undefined);
      if (follow && !node) throw new UsageError('following the API server needs --node NAME (or NODE_NAME): the agent enforces for the pods of one node');
      if (node !== undefined) opts.node = node;
      const rescan = seconds('--rescan', opts.rescan, 0);
      const nftTimeout = seconds('--nft-timeout', opts.nftTimeout, 0.001);
      const verify = seconds('--verify', opts.verify, 0);
      if (opts.connectionLog !== undefined) {
        const alone = opts.once ? '--once' : opts.denied ? '--denied' : opts.uninstall ? '--uninstall' : undefined;
        if (alone) throw new UsageError(`--connection-log logs while the agent runs: it does nothing with ${alone}`);
        if (opts.connectionLog === '') throw new UsageError('bad --connection-log "": give a file');
      }
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
        if (source === undefined) throw new UsageError('--denied names pods after a directory of manifests: give SOURCE');
        const state = await dp.loadState(source);
        const rows = await agent.deniedFor(state.cluster);
        for (const d of rows) ctx.io.out(`${d.direction}\t${d.from} -> ${d.to}\t${d.port}/${d.protocol}\t${d.packets} packets\n`);
        if (rows.length === 0) ctx.io.err('kordon agent: no denied connections recorded\n');
        return;
      }
      let onceSynced: (r: { firstSync: Promise<void> }) => void = () => {};
      const signalled = new Promise<void>((resolve) => {
        // --once: as soon as the first sync is committed (for the API, after every list is complete).
        if (opts.once) onceSynced = (r) => void r.firstSync.then(resolve);
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      let running;
      try {
        const s = ctx.cluster;
        running = await dp.startAgent({
          ...base,
          ...(source !== undefined ? { source } : {}),
          ...(follow
            ? {
                cluster: {
                  env: ctx.io.env,
                  ...(opts.inCluster ? { inCluster: true } : {}),
                  ...(s?.kubeconfig !== undefined ? { kubeconfig: s.kubeconfig } : {}),
                  ...(s?.context !== undefined ? { context: s.context } : {}),
                  ...(s?.timeoutSeconds !== undefined ? { timeoutMs: s.timeoutSeconds * 1000 } : {}),
                },
                apiLoss: { mode: opts.apiLoss as (typeof API_LOSS)[number], afterMs: apiLossAfter * 1000 },
              }
            : {}),
          ...(listen ? { listen } : {}),
          ...(source !== undefined ? { maxInputBytes: inputSettings(ctx).maxInputBytes } : {}),
          ...(opts.connectionLog !== undefined ? { connectionLog: { file: opts.connectionLog } } : {}),
          rescanMs: rescan * 1000,
          verifyMs: verify * 1000,
          onEvent: (e) => ctx.io.err(`kordon agent: ${e.message}${e.ms !== undefined ? ` (${e.ms.toFixed(1)} ms)` : ''}\n`),
        });
        if (running.address) ctx.io.err(`kordon agent: /healthz and /metrics on http://${running.address}\n`);
        onceSynced(running);
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
