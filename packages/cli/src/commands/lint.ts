import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { yamlFromJson } from '../output/yaml-output.js';
import { examples, withNetworkOptions } from './help.js';
import type { Severity } from '@kordon/engine';
import { colorsFor, UsageError, type CliContext } from '../io.js';
import type { NamespaceOptions, NetworkFlags } from '../pipeline.js';

export interface LintOptions extends NamespaceOptions, NetworkFlags {
  output: string;
  failOn?: string;
  disable: string[];
  config?: string;
  listRules?: boolean;
  minSeverity?: string;
  dns?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

export function registerLint(program: Command, ctx: CliContext): void {
  withNetworkOptions(yamlFromJson(program.command('lint')))
    .summary('find policy mistakes: AND/OR peers, blocked DNS, ignored rules, dead selectors, broad or shadowed rules')
    .description(
      'Checks the manifests for the mistakes published tutorials make: namespaceSelector and podSelector written as two ' +
        'peers, egress isolation without DNS, rules a policyTypes ignores, selectors and named ports that match nothing, ' +
        'labels nobody carries, broad or shadowed rules, duplicate policies and except entries, non-canonical CIDRs, policies ' +
        'named "deny" that allow, pods and namespaces without policies. Every finding has a stable rule ID, a severity, its ' +
        'file:line:column, an explanation and a fix (docs/lint.md). Reading and validation problems are findings too.\n\n' +
        'Configuration: --config FILE, or .kordon.yaml in the working directory: lint: {disable: [ID…], severity: {ID: level}, failOn: level}.\n' +
        'Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage error or unreadable input.',
    )
    .argument('[paths...]', 'files, directories (recursively: .yaml, .yml, .json), - for stdin, REV:path, or cluster: (none: the current kubeconfig context)')
    .option('-n, --namespace <namespace>', 'show only this namespace (policies elsewhere still count where they select its pods or peers)')
    .option('-A, --all-namespaces', 'show every namespace (the default)')
    .option('-o, --output <format>', 'text, json, yaml, sarif or md', 'text')
    .option('--fail-on <severity>', 'exit 1 on a finding at or above: error, warning, info or none (default warning)')
    .option('--disable <ids>', 'rule IDs to skip (repeat or separate with commas)', collect, [])
    .option('--config <file>', 'lint configuration (default: .kordon.yaml when present)')
    .option('--min-severity <severity>', 'text output: show only findings at or above this severity')
    .option('--list-rules', 'print every rule with its ID, severity and description, and exit')
    .option('--dns <ns/label=value>', 'where the cluster DNS pods are, for dns-blocked (default kube-system/k8s-app=kube-dns)')
    .addHelpText('after', examples([
      ['kordon lint k8s/', 'find policy mistakes'],
      ['kordon lint k8s/ -o sarif > kordon.sarif', 'for GitHub code scanning'],
      ['kordon lint k8s/ --fail-on error --disable no-policy', 'fail CI on errors only, without one rule'],
    ]))
    .action(async (paths: string[], opts: LintOptions) => {
      ctx.exitCode = await runLint(ctx, paths, opts);
    });
}

const LEVELS = ['error', 'warning', 'info'] as const;

function severityOption(name: string, v: string | undefined, extra: readonly string[] = []): Severity | 'none' | undefined {
  if (v === undefined) return undefined;
  if ((LEVELS as readonly string[]).includes(v) || extra.includes(v)) return v as Severity | 'none';
  throw new UsageError(`bad ${name} ${JSON.stringify(v)}: use ${[...LEVELS, ...extra].join(', ')}`);
}

async function runLint(ctx: CliContext, paths: readonly string[], opts: LintOptions): Promise<number> {
  const review = await import('@kordon/review');
  const { loadInput, namespaceFilter, parseDns, parseFormat, parseNetwork, rejectedSentence, reportUnknownPodIPs, requireObjects } = await import('../pipeline.js');
  const { formatDiagnostic } = await import('../output/diagnostics.js');
  const { readKordonFile } = await import('../input.js');
  if (opts.listRules) {
    const lines = review.RULES.map((r) => `${r.id.padEnd(30)} ${r.severity.padEnd(8)} ${r.title}`);
    ctx.io.out(`${lines.join('\n')}\n`);
    return 0;
  }
  const format = parseFormat(opts.output, ['text', 'json', 'sarif', 'md'] as const);
  let failOn = severityOption('--fail-on', opts.failOn, ['none']);
  const minSeverity = severityOption('--min-severity', opts.minSeverity) as Severity | undefined;

  // Configuration first: a broken configuration is a usage error, reported at its line.
  const configPath = opts.config ?? (existsSync('.kordon.yaml') ? '.kordon.yaml' : undefined);
  const disable = [...opts.disable];
  let severity: Record<string, Severity> = {};
  if (configPath !== undefined) {
    const { config, diagnostics } = review.parseLintConfig(readKordonFile(configPath, 'the configuration', ctx));
    if (diagnostics.some((d) => d.severity === 'error')) {
      ctx.io.err(diagnostics.map((d) => formatDiagnostic(d, colorsFor(ctx, 'err'))).join(''));
      throw new UsageError(`the configuration ${configPath} has errors`);
    }
    disable.push(...config.disable);
    severity = config.severity;
    failOn ??= config.failOn;
  }
  const known = new Set(review.RULES.map((r) => r.id));
  // Input diagnostic codes (yaml-syntax, …) may be disabled too, so an unknown ID is only noted.
  for (const id of opts.disable) if (!known.has(id)) ctx.io.err(`kordon: note: --disable ${id} is not a lint rule (kordon lint --list-rules); it applies to input diagnostics of that code\n`);

  const dns = opts.dns === undefined ? undefined : parseDns(opts.dns);
  const network = parseNetwork(opts);
  const loaded = await loadInput(paths, ctx, { ...(dns ? { dns } : {}), ...(network ? { network } : {}) });
  requireObjects(loaded);
  reportUnknownPodIPs(ctx, loaded.cluster);
  const keep = namespaceFilter(opts);
  const full = review.lint(loaded.cluster, { disable, severity, diagnostics: loaded.diagnostics });
  // -n shows the findings of one namespace; problems of the input itself (no namespace) always show.
  const namespaceOf = (f: (typeof full.findings)[number]) => (f.object?.kind === 'Namespace' ? f.object.name : f.object?.namespace);
  const findings = keep ? full.findings.filter((f) => namespaceOf(f) === undefined || keep(namespaceOf(f))) : full.findings;
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  const report = keep ? { ...full, findings, counts } : full;
  if (loaded.cluster.rejectedPolicies.length) ctx.io.err(`kordon: ${rejectedSentence(loaded.cluster)}\n`);
  switch (format) {
    case 'json':
      ctx.io.out(`${JSON.stringify({ findings: report.findings, counts: report.counts }, null, 2)}\n`);
      break;
    case 'sarif':
      ctx.io.out(`${JSON.stringify(review.toSarif(report), null, 2)}\n`);
      break;
    case 'md':
      ctx.io.out(review.lintMarkdown(report));
      break;
    default:
      ctx.io.out(review.lintText(report, minSeverity ? { minSeverity } : {}));
  }
  const threshold = failOn ?? 'warning';
  return threshold !== 'none' && review.failsAt(report, threshold) ? 1 : 0;
}
