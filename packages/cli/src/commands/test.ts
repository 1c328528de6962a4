import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError, type CliContext } from '../io.js';

export interface TestOptions {
  expect: string[];
  output: string;
  verbose?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerTest(program: Command, ctx: CliContext): void {
  program
    .command('test')
    .summary('check connectivity expectations (expect.yaml) against the manifests')
    .description(
      'Evaluates an expectation file (docs/testing.md): each item names a source and a destination (ns/pod, ns/workload, ' +
        'an IP, a Service name or ClusterIP, or a selector {namespace, labels} meaning every matching pod), a port, and ' +
        'whether the connection must be allowed or denied. Each answer comes from the same engine call as kordon check; ' +
        'every failure is printed with its explanation, then a line "N passed, N failed". Without --expect, expect.yaml in ' +
        'each directory given is used.\n\nExit codes: 0 all passed, 1 a failure or an error in the file, 2 usage error or unreadable input.',
    )
    .argument('<paths...>', 'files, directories (recursively: .yaml, .yml, .json) or - for stdin')
    .option('--expect <file>', 'expectation file (repeatable)', collect, [])
    .option('-o, --output <format>', 'text, json or md', 'text')
    .option('-v, --verbose', 'list passing expectations too')
    .action(async (paths: string[], opts: TestOptions) => {
      ctx.exitCode = await runTest(ctx, paths, opts);
    });
}

async function runTest(ctx: CliContext, paths: readonly string[], opts: TestOptions): Promise<number> {
  const { loadInput, parseFormat, reportDiagnostics, requireObjects } = await import('../pipeline.js');
  const format = parseFormat(opts.output, ['text', 'json', 'md'] as const);
  const review = await import('@kordon/review');
  let expectFiles = opts.expect;
  if (expectFiles.length === 0) {
    expectFiles = paths.filter((p) => p !== '-' && existsSync(p) && statSync(p).isDirectory()).map((d) => join(d, 'expect.yaml')).filter((f) => existsSync(f));
    if (expectFiles.length === 0) throw new UsageError('no expectation file: give --expect FILE, or a directory holding expect.yaml');
  }
  const parsed = expectFiles.map((f) => {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      throw new UsageError(`cannot read the expectation file ${f}`);
    }
    return review.parseExpectations({ name: f, text });
  });
  const loaded = await loadInput(paths, ctx);
  reportDiagnostics(ctx, loaded);
  requireObjects(loaded);
  const report = review.runExpectations(loaded.cluster, parsed);
  if (format === 'json') {
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
    ctx.io.out(`${JSON.stringify({ passed: report.passed, failed: report.failed, results, diagnostics: report.diagnostics }, null, 2)}\n`);
  } else if (format === 'md') ctx.io.out(review.testMarkdown(report));
  else ctx.io.out(review.testText(report, opts.verbose ? { verbose: true } : {}));
  return report.failed > 0 ? 1 : 0;
}
