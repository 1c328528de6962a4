import type { Command } from 'commander';
import { UsageError, type CliContext } from '../io.js';

const offered = new WeakSet<Command>();

/** Marks a command whose `-o yaml` is its `-o json` document in YAML (commands that write YAML of their own do not). */
export function yamlFromJson(cmd: Command): Command {
  offered.add(cmd);
  return cmd;
}

/**
 * `-o yaml` beside `-o json` for the commands marked with yamlFromJson, as kubectl offers both: the command runs with json, its output is
 * kept, and the very same document is printed as YAML.
 */
export function yamlOutput(ctx: CliContext, action: Command): { finish(): Promise<void> } | undefined {
  if (!offered.has(action) || action.getOptionValue('output') !== 'yaml') return undefined;
  action.setOptionValue('output', 'json');
  const io = ctx.io;
  let buffered = '';
  ctx.io = { ...io, out: (s) => void (buffered += s) };
  return {
    async finish() {
      ctx.io = io;
      if (buffered === '') return;
      let doc: unknown;
      try {
        doc = JSON.parse(buffered);
      } catch {
        throw new UsageError('-o yaml: this output is not one document; use -o json');
      }
      // Loaded only here: start-up stays lean for every other run.
      const { toYaml } = await import('./yaml.js');
      io.out(toYaml(doc));
    },
  };
}
