import type { Command } from 'commander';

/**
 * kubectl's help habits, applied to every command once they are all registered: required options say so, a usage
 * error points at the command's own --help instead of printing all of it, and every --help ends with examples.
 *
 * Required options are checked after parsing (commander checks them first): a mistyped `--form` must be reported
 * as the unknown option it is, with its suggestion, not as a missing `--from`.
 */
export function applyHelpHabits(program: Command): void {
  const walk = (cmd: Command, path: string): void => {
    const required = cmd.options.filter((o) => o.mandatory);
    for (const opt of required) {
      if (!opt.description.endsWith('(required)')) opt.description = `${opt.description} (required)`;
      opt.makeOptionMandatory(false);
    }
    if (required.length) {
      cmd.hook('preAction', (_this, action) => {
        for (const opt of required) {
          if (action.getOptionValue(opt.attributeName()) === undefined) action.error(`error: required option '${opt.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
        }
      });
    }
    if (cmd !== program) cmd.showHelpAfterError(`See 'kordon ${path} --help' for usage.`);
    for (const sub of cmd.commands) walk(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  walk(program, '');
  program.showHelpAfterError(`See 'kordon --help' for usage.`);
}

/** The `Examples:` block that ends a command's --help; each example is a command line and what it does. */
/** `--pod-cidr` and `--service-cidr`, for every command that evaluates ipBlocks. */
export function withNetworkOptions(cmd: Command): Command {
  return cmd
    .option('--pod-cidr <cidrs>', 'CIDR[,CIDR]: the pod network; a pod with no IP (from a workload template) lies in it, so ipBlocks that cover it match that pod')
    .option('--service-cidr <cidrs>', 'CIDR[,CIDR]: the Service (ClusterIP) network; ipBlocks that hold Service addresses are noted, as policies see the pods behind a Service, never its ClusterIP');
}

export function examples(list: ReadonlyArray<readonly [string, string]>): string {
  return `\nExamples:\n${list.map(([line, what]) => `  # ${what}\n  ${line}`).join('\n\n')}\n`;
}

export function withExamples(cmd: Command, list: ReadonlyArray<readonly [string, string]>): Command {
  return cmd.addHelpText('after', examples(list));
}

