import { colorsFor, type CliContext } from '../io.js';
import { countBySeverity, diagnosticJson, formatDiagnostics, plural } from '../output/diagnostics.js';
import { loadInput, parseFormat } from '../pipeline.js';

export async function runValidate(ctx: CliContext, paths: readonly string[], opts: { output: string; notes?: boolean }): Promise<number> {
  const format = parseFormat(opts.output, ['text', 'json'] as const);
  const loaded = await loadInput(paths, ctx);
  const problems = loaded.diagnostics.filter((d) => d.severity !== 'info');
  const notes = loaded.diagnostics.filter((d) => d.severity === 'info');
  const { errors, warnings } = countBySeverity(problems);
  const exit = errors > 0 ? 1 : 0;
  // Not an error (nothing is invalid), but almost always a mistake in the paths given.
  if (loaded.objects === 0) ctx.io.err('kordon: the input holds no Kubernetes objects\n');
  if (format === 'json') {
    // stdout holds exactly the list of problems; notes (skipped kinds and files) go to stderr.
    ctx.io.out(`${JSON.stringify(problems.map(diagnosticJson), null, 2)}\n`);
    const ce = colorsFor(ctx, 'err');
    if (notes.length) ctx.io.err(formatDiagnostics(notes, ce, opts.notes ? Infinity : 3));
    return exit;
  }
  const c = colorsFor(ctx, 'out');
  let s = formatDiagnostics(loaded.diagnostics, c, opts.notes ? Infinity : 3);
  const policies = loaded.cluster.policies.length + loaded.cluster.rejectedPolicies.length;
  const invalid = loaded.cluster.rejectedPolicies.length;
  const counted = `${plural(loaded.objects, 'object')} in ${plural(loaded.files, 'file')}, ${plural(policies, 'NetworkPolicy', 'NetworkPolicies')}`;
  if (errors > 0) {
    s += `${c.red('✗')} ${plural(errors, 'error')}${warnings ? `, ${plural(warnings, 'warning')}` : ''} (${counted}${invalid ? `, ${invalid} invalid` : ''})\n`;
  } else {
    s += `${c.green('✓')} valid${warnings ? ` with ${plural(warnings, 'warning')}` : ''} (${counted})\n`;
  }
  ctx.io.out(s);
  return exit;
}
