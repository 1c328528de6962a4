import type { Severity } from '@kordon/engine';
import type { DiffReport, FlowChange } from '../diff/diff.js';
import type { TestReport } from '../expect/run.js';
import type { LintReport } from '../lint/lint.js';
import type { Finding } from '../types.js';

const where = (f: Finding): string => (f.location ? `${f.location.file}:${f.location.line}:${f.location.column}` : '(no location)');
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `file:line:col: severity [rule] message`, then why and the fix, indented; a closing count. */
export function lintText(report: LintReport, options: { minSeverity?: Severity } = {}): string {
  const rank = { info: 0, warning: 1, error: 2 } as const;
  const shown = report.findings.filter((f) => rank[f.severity] >= rank[options.minSeverity ?? 'info']);
  const lines: string[] = [];
  for (const f of shown) {
    lines.push(`${where(f)}: ${f.severity} [${f.rule}] ${f.message}`);
    if (f.path) lines.push(`    at ${f.object ? `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name} ` : ''}${f.path}`);
    lines.push(`    why: ${f.explanation}`);
    lines.push(`    fix: ${f.fix}`);
    for (const r of f.related ?? []) lines.push(`    see: ${r.location.file}:${r.location.line}:${r.location.column} (${r.message})`);
  }
  const c = report.counts;
  lines.push(`${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${plural(c.info, 'info')}${shown.length < report.findings.length ? ` (${report.findings.length - shown.length} below ${options.minSeverity} not shown)` : ''}`);
  return `${lines.join('\n')}\n`;
}

export function portsText(f: FlowChange): string {
  return f.allPorts ? 'all ports' : f.ports.map((p) => (p === '*' ? 'other ports' : p)).join(', ');
}

export function diffText(report: DiffReport): string {
  const lines: string[] = [];
  const p = report.policies;
  for (const [k, v] of [['added', p.added], ['removed', p.removed], ['modified', p.modified]] as const) if (v.length) lines.push(`policies ${k}: ${v.join(', ')}`);
  for (const [k, v] of [['added', report.workloads.added], ['removed', report.workloads.removed]] as const) if (v.length) lines.push(`workloads ${k}: ${v.join(', ')}`);
  if (lines.length) lines.push('');
  for (const change of ['allowed', 'denied'] as const) {
    const flows = report.changes.filter((c) => c.change === change);
    if (!flows.length) continue;
    lines.push(change === 'allowed' ? 'Newly allowed:' : 'Newly denied:');
    for (const f of flows) {
      lines.push(`  ${change === 'allowed' ? '+' : '-'} ${f.from} -> ${f.to} on ${portsText(f)}${f.pairs > 1 ? ` (${f.pairs} pod pairs)` : ''}`);
      for (const c of f.causes) lines.push(`      because ${c.effect}${c.location ? ` (${c.location.file}:${c.location.line})` : ''}${c.change ? ` [${c.change}]` : ''}`);
    }
    lines.push('');
  }
  for (const n of report.notes) lines.push(`note: ${n}`);
  lines.push(report.changes.length === 0 ? 'no change in connectivity' : `${plural(report.summary.allowed, 'flow')} newly allowed, ${plural(report.summary.denied, 'flow')} newly denied`);
  return `${lines.join('\n')}\n`;
}

/** Each expectation as PASS/FAIL, failures with their explanation; the closing `N passed, N failed`. */
export function testText(report: TestReport, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const d of report.diagnostics) lines.push(`${d.file}:${d.line}:${d.column}: ${d.severity} [${d.code}] ${d.message}${d.hint ? ` (${d.hint})` : ''}`);
  for (const r of report.results) {
    const x = r.expectation;
    const loc = `${x.location.file}:${x.location.line}:${x.location.column}`;
    if (r.passed) {
      if (options.verbose) lines.push(`PASS ${loc} ${x.name}`);
      continue;
    }
    lines.push(`FAIL ${loc} ${x.name}`);
    if (r.error) lines.push(`    ${r.error.file}:${r.error.line}:${r.error.column}: ${r.error.message}`);
    else lines.push(`    ${r.summary}`);
    for (const e of r.explanation) lines.push(`    ${e}`);
    if (x.because) lines.push(`    the file says: ${x.because}`);
  }
  lines.push(`${report.passed} passed, ${report.failed} failed`);
  return `${lines.join('\n')}\n`;
}
