import { lint, type Finding } from '@kordon/review';
import type { Cluster } from '@kordon/engine';
import type { FindingView } from './controller.js';

/** Lint findings of @kordon/review, as the page lists them (the page lists input problems itself). */
export function lintFindings(cluster: Cluster): FindingView[] {
  return lint(cluster).findings.map(toView);
}

function toView(f: Finding): FindingView {
  const v: FindingView = { rule: f.rule, severity: f.severity, message: f.message, detail: `${f.explanation} Fix: ${f.fix}` };
  if (f.location && f.location.line > 0) v.link = { file: f.location.file, line: f.location.line, column: f.location.column };
  return v;
}
