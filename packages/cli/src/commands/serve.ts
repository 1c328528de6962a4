import type { Command } from 'commander';
import { examples } from './help.js';
import { UsageError, type CliContext } from '../io.js';

export interface ServeCommandOptions {
  port: string;
  host: string;
}

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .summary('show the policies in a browser: graph, matrix, live editor')
    .description(
      'Serves a page on 127.0.0.1 (a free port unless --port is given) and prints its URL. The page reads PATHS from ' +
        'the server (again on every reload) and evaluates them in the browser with the same engine as `kordon check`: ' +
        'a graph of allowed connections, the matrix as a heatmap with the full explanation of each cell, lint findings, ' +
        'and a YAML editor whose changes re-evaluate live (edits stay in the browser; download them from the page). ' +
        'Runs until interrupted (Ctrl-C).\n\nExit codes: 0 stopped, 2 usage error, unreadable input or the port is taken.',
    )
    .argument('[paths...]', 'files, directories (recursively: .yaml, .yml, .json), - for stdin, REV:path, or cluster: (none: the current kubeconfig context) (read once)')
    .option('--port <port>', 'port to listen on (0: a free one)', '0')
    .option('--host <address>', 'address to listen on; anything but loopback offers the page to the network', '127.0.0.1')
    .addHelpText('after', examples([
      ['kordon serve k8s/', 'open the page for these manifests'],
      ['kubectl get netpol,pods,ns -A -o yaml | kordon serve -', "a live cluster's objects, read once"],
    ]))
    .action(async (paths: string[], opts: ServeCommandOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${opts.port}: expected a port number 0-65535`);
      const { readInputs } = await import('../input.js');
      const { withCluster } = await import('../cluster.js');
      paths = withCluster(paths, ctx);
      // Read once now: an unreadable path is a usage error before anything listens.
      const first = await readInputs(paths, ctx);
      const { serve } = await import('@kordon/web');
      // stdin can be read only once; files and directories are read again on each page load.
      const fromStdin = paths.includes('-');
      let server;
      try {
        server = await serve(paths, {
          port,
          host: opts.host,
          readFiles: async (p) => {
            // Unreadable files, skipped ones and refused cluster reads go to the page, as they go to stderr in check.
            const read = fromStdin ? first : await readInputs(p, ctx, { remember: false });
            return { files: read.files, problems: read.diagnostics };
          },
        });
      } catch (err) {
        throw new UsageError(`cannot serve: ${err instanceof Error ? err.message : String(err)}`);
      }
      ctx.io.out(`kordon serve: ${server.url}\n`);
      if (server.warning) ctx.io.err(`kordon serve: warning: ${server.warning}\n`);
      ctx.io.err(`serving ${first.files.length} file${first.files.length === 1 ? '' : 's'} from ${paths.join(' ')}; press Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await server.close();
      ctx.exitCode = 0;
    });
}
