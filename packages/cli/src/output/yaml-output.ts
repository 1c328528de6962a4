import type { Command } from 'commander';
import { UsageError, type CliContext } from '../io.js';
import { toYaml } from './yaml.js';

/**
 * `-o yaml` wherever a command writes `-o json`, as kubectl offers both: the command runs with json, its output is
 * kept, and the very same document is printed as YAML.
 */
export function yamlOutput(ctx: CliContext, action: Command): { finish(): void } | undefined {
  const opt = action.options.find((o) => o.long === '--output');
  if (!opt || action.getOptionValue('output') !== 'yaml') return undefined;
  if (!/\bjson\b/.test(opt.description)) return undefined;
  action.setOptionValue('output', 'json');
  const io = ctx.io;
  let buffered = '';
  ctx.io = { ...io, out: (s) => void (buffered += s) };
  return {
    finish() {
      ctx.io = io;
      if (buffered === '') return;
      let doc: unknown;
      try {
        doc = JSON.parse(buffered);
      } catch {
        throw new UsageError('-o yaml: this output is not one document; use -o json');
      }
      io.out(toYaml(doc));
    },
  };
}
