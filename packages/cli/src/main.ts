import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';

export const VERSION = '0.1.0';

/**
 * Exit codes (documented in docs/cli.md):
 *   0  success: valid, allowed, no findings at or above --fail-on, all expectations passed
 *   1  the answer is negative: invalid objects, denied, findings, failed expectations
 *   2  usage error or unreadable input
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('kordon')
    .description('Kubernetes NetworkPolicy: validate, check, explain, matrix, lint, diff, test, enforce')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`kordon: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}
