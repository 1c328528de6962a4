import type { DiffReport } from '../diff/diff.js';
import type { TestReport } from '../expect/run.js';
import type { LintReport } from '../lint/lint.js';
import { portsText } from './text.js';

/** Text in a table cell: pipes escaped, newlines folded. */
export function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

const code = (s: string): string => (s.includes('`') ? s : `\`${s}\``);
const ICON = { error: '🛑', warning: '⚠️', info: 'ℹ️' } as const;

export function lintMarkdown(report: LintReport): string {
  const c = report.counts;
  const out: string[] = ['### kordon lint', '', `**${c.error}** errors, **${c.warning}** warnings, **${c.info}** infos`, ''];
  if (report.findings.length === 0) return `${out.join('\n')}No findings.\n`;
  out.push('| | Rule | Where | Finding | Fix |', '|---|---|---|---|---|');
  for (const f of report.findings) {
    const where = f.location ? `${code(`${f.location.file}:${f.location.line}`)}${f.path ? `<br>${code(f.path)}` : ''}` : '';
    out.push(`| ${ICON[f.severity]} | ${code(f.rule)} | ${where} | ${cell(f.message)}<br><sub>${cell(f.explanation)}</sub> | ${cell(f.fix)} |`);
  }
  return `${out.join('\n')}\n`;
}

/** A pull request comment: what the change opens, what it closes, and which policy change does it. */
export function diffMarkdown(report: DiffReport): string {
  const s = report.summary;
  const out: string[] = ['### kordon diff: connectivity changes', ''];
  if (s.flows === 0) {
    out.push('No change in who can reach whom.');
  } else out.push(`**${s.allowed}** flow${s.allowed === 1 ? '' : 's'} newly allowed, **${s.denied}** newly denied.`);
  const p = report.policies;
  const pol = [...p.added.map((x) => `added ${code(x)}`), ...p.removed.map((x) => `removed ${code(x)}`), ...p.modified.map((x) => `modified ${code(x)}`)];
  if (pol.length) out.push('', `Policies: ${pol.join(', ')}`);
  for (const change of ['allowed', 'denied'] as const) {
    const flows = report.changes.filter((c) => c.change === change);
    if (!flows.length) continue;
    out.push('', change === 'allowed' ? '#### ✅ Newly allowed' : '#### ⛔ Newly denied', '', '| From | To | Ports | Because |', '|---|---|---|---|');
    for (const f of flows) {
      const why = f.causes.map((c) => `${cell(c.effect)}${c.location ? ` (${code(`${c.location.file}:${c.location.line}`)})` : ''}`).join('<br>');
      out.push(`| ${code(f.from)} | ${code(f.to)} | ${cell(portsText(f))} | ${why} |`);
    }
  }
  if (report.workloads.added.length || report.workloads.removed.length) {
    out.push('', `Workloads added: ${report.workloads.added.map(code).join(', ') || 'none'}; removed: ${report.workloads.removed.map(code).join(', ') || 'none'}.`);
  }
  for (const n of report.notes) out.push('', `<sub>${cell(n)}</sub>`);
  return `${out.join('\n')}\n`;
}

export function testMarkdown(report: TestReport): string {
  const out: string[] = ['### kordon test', '', `**${report.passed}** passed, **${report.failed}** failed`, ''];
  const failed = report.results.filter((r) => !r.passed);
  if (failed.length) {
    out.push('| Expectation | Where | Result |', '|---|---|---|');
    for (const r of failed) out.push(`| ${cell(r.expectation.name)} | ${code(`${r.expectation.location.file}:${r.expectation.location.line}`)} | ${cell([r.summary, ...r.explanation].join('\n'))} |`);
  }
  for (const d of report.diagnostics) out.push(`- ${code(`${d.file}:${d.line}:${d.column}`)} ${cell(d.message)}`);
  return `${out.join('\n')}\n`;
}
