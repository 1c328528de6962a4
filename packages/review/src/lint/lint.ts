import type { Cluster, Diagnostic, Severity } from '@kordon/engine';
import { compareFindings, SEVERITY_RANK, type Finding } from '../types.js';
import { lintModel } from './model.js';
import { RULES } from './registry.js';
import type { LintRule } from './rule.js';

export interface LintOptions {
  /** Rule IDs to skip. */
  disable?: readonly string[];
  /** Severity per rule ID, replacing the rule's default. */
  severity?: Readonly<Record<string, Severity>>;
  /** Problems found while reading and validating the input: reported as findings under their own codes. */
  diagnostics?: readonly Diagnostic[];
}

/** What a SARIF `rules` entry or a `--list-rules` line needs. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  title: string;
  description: string;
}

export interface LintReport {
  findings: Finding[];
  /** The rules that ran, plus a descriptor for each input diagnostic code that appears. */
  rules: RuleInfo[];
  counts: Record<Severity, number>;
}

export function diagnosticToFinding(d: Diagnostic): Finding {
  const f: Finding = {
    rule: d.code,
    severity: d.severity,
    message: d.message,
    explanation: d.value !== undefined ? `${d.path ? `${d.path}: ` : ''}value ${d.value}` : d.path ? `at ${d.path}` : 'problem in the input',
    fix: d.hint ?? 'fix the input at this place',
    path: d.path,
    location: { file: d.file, line: d.line, column: d.column },
  };
  if (d.object) f.object = d.object;
  return f;
}

/** Under the field of a finding that supersedes it (same object, same file, path inside). */
function covered(f: Finding, by: Finding): boolean {
  return f.location?.file === by.location?.file && f.object?.namespace === by.object?.namespace && f.object?.name === by.object?.name && (f.path === by.path || f.path.startsWith(`${by.path}.`) || f.path.startsWith(`${by.path}[`));
}

function sameField(a: Finding, b: Finding): boolean {
  return a.location?.file === b.location?.file && a.location?.line === b.location?.line && a.path === b.path;
}

/** Runs every enabled rule over the cluster. Pure: the same cluster gives the same findings, in a stable order. */
export function lint(cluster: Cluster, options: LintOptions = {}): LintReport {
  const disabled = new Set(options.disable ?? []);
  const model = lintModel(cluster);
  const active: LintRule[] = RULES.filter((r) => !disabled.has(r.id));
  const byRule = new Map<string, Finding[]>();
  for (const rule of active) {
    const sev = options.severity?.[rule.id] ?? rule.severity;
    byRule.set(rule.id, rule.check(model).map((f) => ({ ...f, severity: sev })));
  }
  for (const rule of active) {
    const mine = byRule.get(rule.id) ?? [];
    for (const victim of rule.supersedes ?? []) {
      const theirs = byRule.get(victim);
      if (theirs && mine.length) byRule.set(victim, theirs.filter((f) => !mine.some((m) => covered(f, m))));
    }
  }
  const rules: RuleInfo[] = active.map((r) => ({ id: r.id, severity: options.severity?.[r.id] ?? r.severity, title: r.title, description: r.description }));
  const seenCodes = new Set<string>();
  for (const d of options.diagnostics ?? []) {
    if (disabled.has(d.code)) continue;
    const f = diagnosticToFinding(d);
    if (options.severity?.[d.code]) f.severity = options.severity[d.code]!;
    // A lint rule that says the same thing at the same field, with a fix, replaces the input diagnostic.
    if (active.some((r) => r.supersedes?.includes(d.code) && (byRule.get(r.id) ?? []).some((m) => sameField(f, m)))) continue;
    const list = byRule.get(d.code);
    if (list) list.push(f);
    else byRule.set(d.code, [f]);
    if (!seenCodes.has(d.code)) {
      seenCodes.add(d.code);
      rules.push({ id: d.code, severity: d.severity, title: `input: ${d.code}`, description: 'A problem found while reading or validating the manifests (the same as `kordon validate` reports).' });
    }
  }
  const findings = [...byRule.values()].flat().sort(compareFindings);
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return { findings, rules, counts };
}

/** Whether the report should fail a build: a finding at or above `failOn`. */
export function failsAt(report: LintReport, failOn: Severity): boolean {
  return report.findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
}
