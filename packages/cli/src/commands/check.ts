import type { Command } from 'commander';
import { examples, withNetworkOptions } from './help.js';
import type { CliContext } from '../io.js';
import type { NetworkFlags } from '../pipeline.js';

export function registerCheck(program: Command, ctx: CliContext): void {
  withNetworkOptions(program.command('check'))
    .summary('can A open a connection to B, and why')
    .description(
      'Can A open a connection to B? A and B are ns/pod, ns/workload (ns/Kind/name when names clash) or an IP address; ' +
        'B may also be a Service DNS name (svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local) or ClusterIP, which is ' +
        'followed as curl would: the DNS lookup (egress to the cluster DNS pods when A is egress-isolated), the ' +
        "endpoints and each one's target port. The answer names the isolating policies of both sides, the rule that " +
        'admits the connection, or the nearest misses.\n\nExit codes: 0 allowed, 1 denied, 2 usage error or unreadable input.',
    )
    .argument('[paths...]', 'files, directories (recursively: .yaml, .yml, .json), - for stdin, REV:path, or cluster: (none: the current kubeconfig context)')
    .requiredOption('--from <source>', 'ns/pod, ns/workload or an IP address')
    .requiredOption('--to <destination>', 'ns/pod, ns/workload, an IP address, a Service DNS name or ClusterIP')
    .option('--port <port>', 'N, N/PROTO (PROTO: TCP, UDP, SCTP; default TCP) or a port name, resolved on the destination as policies resolve it; default for a Service: its first port')
    .option('--dns <ns/label=value>', 'where the cluster DNS pods are (default kube-system/k8s-app=kube-dns)')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('-v, --verbose', 'walk every hop, allowed DNS lookups included')
    .addHelpText('after', examples([
      ['kordon check k8s/ --from shop/web --to shop/api --port 8080', 'can the web workload open 8080/TCP to the api workload'],
      ['kordon check k8s/ --from shop/web --to api.shop --port http', 'by Service name, with the DNS lookup; --port names the Service or container port'],
      ['kordon check k8s/ --from shop/web --to 203.0.113.7 --port 443 -o json', 'an outside address, as JSON for a script'],
    ]))
    .action(async (paths: string[], opts: CheckOptions) => {
      const { runCheck } = await import('../run/check.js');
      ctx.exitCode = await runCheck(ctx, paths, opts);
    });
}

export interface CheckOptions extends NetworkFlags {
  from: string;
  to: string;
  port?: string;
  dns?: string;
  output: string;
  verbose?: boolean;
}
