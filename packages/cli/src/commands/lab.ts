import type { Command } from 'commander';
import { yamlFromJson } from '../output/yaml-output.js';
import { examples } from './help.js';
import type { CliContext } from '../io.js';

export interface LabProbeCommandOptions {
  port?: string[];
  ip?: string[];
  output: string;
  timeout: string;
}

export function registerLab(program: Command, ctx: CliContext): void {
  const lab = program
    .command('lab')
    .summary('build the cluster in network namespaces and probe it for real')
    .addHelpText('after', examples([['sudo kordon lab probe k8s/ --port 80/TCP', 'probe every pair on port 80 for real'], ['sudo kordon lab clean', 'remove what an interrupted run left']]));
  const probe = lab
    .command('probe')
    .summary('enforce with kordon nftables in namespaces and connect every pair on every port')
    .description(
      'Builds the cluster on this machine: one network namespace per pod with its address, routed through a node ' +
        "namespace where kordon's agent enforces the policies, and a real server on each probed port (TCP accept, UDP " +
        'echo). Then it opens a real connection for every pair and port, in parallel with short time-outs, and prints ' +
        'the same JSON as `kordon matrix -o json`. A protocol this kernel cannot serve (SCTP without the module) is ' +
        'listed under "unsupported", never guessed. Pods without an address get one from 100.64.0.0/16. Everything ' +
        'the lab makes (namespaces named kd-<pid>-…) is removed on success, failure and Ctrl-C.\n\nNeeds root. Exit ' +
        'codes: 0 probed, 2 usage error, missing privileges or lab failure.',
    )
    .argument('<paths...>', 'files, directories (recursively: .yaml, .yml, .json) or - for stdin')
    .option('--port <N/PROTO...>', 'columns to probe (default: the columns of kordon matrix)')
    .option('--ip <address...>', 'outside addresses, each given its own namespace')
    .option('-o, --output <format>', 'json, yaml or text', 'json')
    .option('--timeout <ms>', 'per-connection time-out', '1500')
    .addHelpText('after', examples([['sudo kordon lab probe k8s/', 'probe every pair on the columns of kordon matrix'], ['sudo kordon lab probe k8s/ --port 53/UDP --ip 203.0.113.7 -o text', 'one port and an outside address, as a table']]))
    .action(async (paths: string[], opts: LabProbeCommandOptions) => {
      const { loadInput, parseFormat, reportDiagnostics, requireObjects } = await import('../pipeline.js');
      const { UsageError } = await import('../io.js');
      const { parsePortProto } = await import('@kordon/engine');
      const { probeMatrix, checkPrivileges } = await import('@kordon/dataplane');
      const format = parseFormat(opts.output, ['json', 'text'] as const);
      const ports = (opts.port ?? []).map((p) => {
        const pp = parsePortProto(p);
        if (!pp) throw new UsageError(`bad --port ${JSON.stringify(p)}: write N or N/PROTO with PROTO TCP, UDP or SCTP`);
        return pp;
      });
      const timeoutMs = Number(opts.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 50 || timeoutMs > 60_000) throw new UsageError('--timeout is milliseconds, 50 to 60000');
      const priv = await checkPrivileges();
      if (!priv.ok) throw new Error(`the lab needs root: ${priv.problems.join('; ')}`);
      const loaded = await loadInput(paths, ctx);
      reportDiagnostics(ctx, loaded);
      requireObjects(loaded);
      const m = await probeMatrix(loaded.cluster, {
        ...(ports.length ? { ports } : {}),
        ips: opts.ip ?? [],
        timeoutMs,
        log: (l) => ctx.io.err(`kordon lab: ${l}\n`),
      });
      if (format === 'json') {
        ctx.io.out(`${JSON.stringify(m, null, 2)}\n`);
        return;
      }
      for (const port of m.ports) {
        const rows = m.allowed[port];
        ctx.io.out(`${port}${rows ? '' : `: not probed (${m.unsupported?.[port] ?? 'unsupported'})`}\n`);
        if (rows) rows.forEach((r, i) => ctx.io.out(`  ${r}  ${m.endpoints[i]}\n`));
      }
    });
  yamlFromJson(probe);
  lab
    .command('clean')
    .summary('remove lab namespaces left by runs that were killed')
    .addHelpText('after', examples([['sudo kordon lab clean', 'remove the namespaces of lab runs that were killed']]))
    .action(async () => {
      const { cleanupStaleLabs } = await import('@kordon/dataplane');
      const gone = await cleanupStaleLabs();
      ctx.io.err(`kordon lab: removed ${gone.length} leftover namespaces${gone.length ? `: ${gone.join(', ')}` : ''}\n`);
    });
}
