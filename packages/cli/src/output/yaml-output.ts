import type { Command } from 'commander';
import { UsageError, type CliContext } from '../io.js';

/**
 * `-o yaml` beside `-o json` (commands that offer it name it in their -o help), as kubectl offers both: the command runs with json, its output is
 * kept, and the very same document is printed as YAML.
 */
export function yamlOutput(ctx: CliContext, action: Command): { finish(): Promise<void> } | undefined {
  const opt = action.options.find((o) => o.long === '--output');
  if (!opt || action.getOptionValue('output') !== 'yaml') return undefined;
  // Commands offer yaml in their -o help when the document suits it.
  if (!/\bjson\b/.test(opt.description) || !/\byaml\b/.test(opt.description)) return undefined;
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
