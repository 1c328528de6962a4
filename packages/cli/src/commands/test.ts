import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestReport } from '@kordon/review';
import type { Command } from 'commander';
import { yamlFromJson } from '../output/yaml-output.js';
import { examples, withNetworkOptions } from './help.js';
import type { NetworkFlags } from '../pipeline.js';
import { UsageError, type CliContext } from '../io.js';

export interface TestOptions extends NetworkFlags {
  expect: string[];
  output: string;
  verbose?: boolean;
  each?: boolean;
  dns?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerTest(program: Command, ctx: CliContext): void {
  withNetworkOptions(yamlFromJson(program.command('test')))
    .summary('check connectivity expectations (expect.yaml) against the manifests')
    .description(
      'Evaluates an expectation file (docs/testing.md): each item names a source and a destination (ns/pod, ns/workload, ' +
        'an IP, a Service name or ClusterIP, or a selector {namespace, labels} meaning every matching pod), a port, and ' +
        'whether the connection must be allowed or denied. Each answer comes from the same engine call as kordon check; ' +
        'every failure is printed with its explanation, then a line "N passed, N failed". Without --expect, expect.yaml in ' +
        'each directory given is used. PATHS make one cluster; with --each, every directory holding an expect.yaml (given, ' +
        'or found under those given) is a scenario of its own, tested against its own expect.yaml.\n\nExit codes: 0 all passed, 1 a failure or an error in the file, 2 usage error or unreadable input.',
    )
    .argument('[paths...]', 'files, directories (recursively: .yaml, .yml, .json), - for stdin, REV:path, or cluster: (none: the current kubeconfig context)')
    .option('--expect <file>', 'expectation file (repeatable)', collect, [])
    .option('--each', 'test every directory holding an expect.yaml (given, or found under those given) as a cluster of its own')
    .option('--dns <ns/label=value>', 'where the cluster DNS pods are (default kube-system/k8s-app=kube-dns)')
    .option('-o, --output <format>', 'text, json, yaml or md', 'text')
    .option('-v, --verbose', 'list passing expectations too')
    .addHelpText('after', examples([
      ['kordon test k8s/', 'check k8s/expect.yaml against the manifests'],
      ['kordon test examples/ --each', 'every directory with an expect.yaml as a scenario of its own'],
    ]))
    .action(async (paths: string[], opts: TestOptions) => {
      ctx.exitCode = await runTest(ctx, paths, opts);
    });
}

const isDir = (p: string): boolean => p !== '-' && existsSync(p) && statSync(p).isDirectory();

/** `dir` when it holds expect.yaml, else the directories under it that do (a scenario's own subdirectories are its manifests). */
function scenarioDirs(dir: string): string[] {
  if (existsSync(join(dir, 'expect.yaml'))) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
    .map((e) => e.name)
    .sort()
    .flatMap((name) => scenarioDirs(join(dir, name)));
}

interface Scenario {
  /** The directory, or undefined when PATHS make one cluster. */
  path?: string;
  report: TestReport;
}

async function runTest(ctx: CliContext, paths: readonly string[], opts: TestOptions): Promise<number> {
  const { loadInput, parseDns, parseFormat, parseNetwork, reportDiagnostics, reportUnknownPodIPs, requireObjects } = await import('../pipeline.js');
  const format = parseFormat(opts.output, ['text', 'json', 'md'] as const);
  const review = await import('@kordon/review');
  const { readKordonFile } = await import('../input.js');
  const dns = opts.dns === undefined ? undefined : parseDns(opts.dns);
  const network = parseNetwork(opts);
  const readExpectations = (files: readonly string[]) =>
    files.map((f) => review.parseExpectations(readKordonFile(f, 'the expectation file', ctx)));
  const test = async (inputs: readonly string[], expectFiles: readonly string[]): Promise<TestReport> => {
    const parsed = readExpectations(expectFiles);
    const loaded = await loadInput(inputs, ctx, { ...(dns ? { dns } : {}), ...(network ? { network } : {}) });
    reportDiagnostics(ctx, loaded);
    requireObjects(loaded);
    reportUnknownPodIPs(ctx, loaded.cluster);
    return review.runExpectations(loaded.cluster, parsed);
  };

  const scenarios: Scenario[] = [];
  if (opts.each) {
    if (opts.expect.length) throw new UsageError('--each reads expect.yaml from each directory: leave out --expect');
    const dirs: string[] = [];
    for (const p of paths) {
      const found = isDir(p) ? scenarioDirs(p) : [];
      if (found.length === 0) ctx.io.err(`kordon test: no expect.yaml in or under ${p}: skipped\n`);
      dirs.push(...found);
    }
    if (dirs.length === 0) throw new UsageError('--each: no directory holding expect.yaml', 'give scenario directories (each with its manifests and an expect.yaml), or directories above them');
    for (const d of dirs) scenarios.push({ path: d, report: await test([d], [join(d, 'expect.yaml')]) });
  } else {
    let expectFiles = opts.expect;
    if (expectFiles.length === 0) {
      expectFiles = paths.filter(isDir).map((d) => join(d, 'expect.yaml')).filter((f) => existsSync(f));
      if (expectFiles.length === 0) throw new UsageError('no expectation file: give --expect FILE, or a directory holding expect.yaml');
      // Scenario folders are separate clusters as a rule: merging them answers a question nobody asked.
      if (expectFiles.length > 1) ctx.io.err(`kordon test: ${expectFiles.length} directories with an expect.yaml are merged into one cluster; --each tests each on its own\n`);
    }
    scenarios.push({ report: await test(paths, expectFiles) });
  }

  const passed = scenarios.reduce((n, s) => n + s.report.passed, 0);
  const failed = scenarios.reduce((n, s) => n + s.report.failed, 0);
  if (format === 'json') {
    const json = scenarios.map((s) => ({ ...(s.path !== undefined ? { path: s.path } : {}), ...reportJson(s.report) }));
    ctx.io.out(`${JSON.stringify(opts.each ? { passed, failed, scenarios: json } : json[0], null, 2)}\n`);
  } else if (format === 'md') {
    if (opts.each) ctx.io.out(`## kordon test\n\n**${passed}** passed, **${failed}** failed in ${scenarios.length} scenarios\n\n`);
    for (const s of scenarios) ctx.io.out(s.path === undefined ? review.testMarkdown(s.report) : review.testMarkdown(s.report).replace(/^### kordon test/, `### ${s.path}`));
  } else {
    for (const s of scenarios) {
      const text = review.testText(s.report, opts.verbose ? { verbose: true } : {});
      ctx.io.out(s.path === undefined ? text : `== ${s.path}\n${text}`);
    }
    // CI reads the last line: with --each it counts every scenario.
    if (opts.each) ctx.io.out(`== all ${scenarios.length} scenarios\n${passed} passed, ${failed} failed\n`);
  }
  return failed > 0 ? 1 : 0;
}

function reportJson(report: TestReport): Record<string, unknown> {
  const results = report.results.map((r) => ({
    name: r.expectation.name,
    file: r.expectation.location.file,
    line: r.expectation.location.line,
    column: r.expectation.location.column,
    expect: r.expectation.expect,
    actual: r.actual,
    passed: r.passed,
    summary: r.summary,
    explanation: r.explanation,
    ...(r.expectation.tutorial ? { tutorial: r.expectation.tutorial } : {}),
    ...(r.error ? { error: r.error } : {}),
  }));
  return { passed: report.passed, failed: report.failed, results, diagnostics: report.diagnostics };
}
