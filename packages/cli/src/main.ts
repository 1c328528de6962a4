import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { applyHelpHabits, withExamples } from './commands/help.js';
import { yamlOutput } from './output/yaml-output.js';
import { clusterSettings } from './cluster.js';
import { defaultIo, UsageError, type CliContext, type Io } from './io.js';

export const VERSION = '0.1.0';

/**
 * Exit codes (documented in docs/cli.md):
 *   0  success: valid, allowed, no findings at or above --fail-on, all expectations passed
 *   1  the answer is negative: invalid objects, denied, findings, failed expectations
 *   2  usage error or unreadable input
 *
 * `io` replaces the terminal (tests run commands in-process with their own).
 */
/** How the program was started: `kubectl kordon` when run as a kubectl plugin (help and errors say so). */
export interface MainOptions {
  program?: string;
}

export async function main(argv: readonly string[], io: Io = defaultIo(), options: MainOptions = {}): Promise<number> {
  const ctx: CliContext = { io, exitCode: 0, noColor: false };
  const program = new Command(options.program ?? 'kordon')
    .description('Kubernetes NetworkPolicy: validate, check, explain, matrix, lint, diff, test, enforce')
    .version(VERSION, '-V, --version')
    .option('--no-color', 'never colour the output (also: NO_COLOR=1)')
    .option('--max-input-size <size>', 'read at most this much input over all paths (default 256M; also KORDON_MAX_INPUT_SIZE)')
    .option('--allow-special-files', 'read FIFOs and devices named as paths (refused by default: they may never end)')
    .option('--kubeconfig <file>', 'kubeconfig to read the cluster with (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to read (default: its current context)')
    .option('--cluster', 'read the cluster as well as PATHS (with no PATHS the cluster is read anyway)')
    .option('--request-timeout <seconds>', 'time limit of each API call (default 30)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError()
    .exitOverride();
  withExamples(program, [
    ['kordon check k8s/ --from shop/web --to api.shop --port 80', 'can web reach the api Service, and why'],
    ['kordon list k8s/ -o mermaid', 'who talks to whom, as a graph for a pull request'],
    ['kordon lint k8s/ -o sarif > kordon.sarif', 'policy mistakes, for code scanning'],
  ]);
  let yaml: ReturnType<typeof yamlOutput> | undefined;
  program.hook('preAction', (_this, action) => {
    const g = action.optsWithGlobals();
    ctx.noColor = g['color'] === false;
    if (typeof g['maxInputSize'] === 'string') ctx.maxInputSize = g['maxInputSize'];
    if (g['allowSpecialFiles'] === true) ctx.allowSpecialFiles = true;
    ctx.cluster = clusterSettings(g);
    yaml = yamlOutput(ctx, action);
  });
  for (const register of commands) register(program, ctx);
  applyHelpHabits(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    await yaml?.finish();
    const unreadable = ctx.unreadable ?? [];
    if (unreadable.length === 0) return ctx.exitCode;
    // The answer above is for what could be read; a script must not take it for the whole input.
    const n = unreadable.length;
    io.err(`kordon: ${n === 1 ? '1 input' : `${n} inputs`} could not be read (${unreadable.join(', ')}); the answer covers the rest\n`);
    return 2;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      io.err(`kordon: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`);
      return 2;
    }
    // Never a stack trace: a person reads this.
    io.err(`kordon: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}
