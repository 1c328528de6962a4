import type { Location, ObjectRef, Severity } from '@kordon/engine';

/** One problem lint found. Everything a reader, a SARIF viewer or a PR comment needs. */
export interface Finding {
  /** Stable rule identifier, e.g. `peer-and-split`; engine diagnostics keep their own code (`yaml-syntax`). */
  rule: string;
  severity: Severity;
  /** What is wrong, in one sentence. */
  message: string;
  /** Why it matters: what the cluster will really do. */
  explanation: string;
  /** What to change. */
  fix: string;
  /** Where: the policy (or pod, namespace) and the field. Absent only when the input gives no position. */
  location?: Location;
  /** Field path as the API server writes it (`spec.ingress[0].from[1]`), '' for the whole object. */
  path: string;
  object?: ObjectRef;
  /** Other places that take part (the duplicate policy, the rule that shadows this one). */
  related?: Array<{ location: Location; message: string }>;
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

export function isSeverity(s: string): s is Severity {
  return s === 'info' || s === 'warning' || s === 'error';
}

/** Errors first, then warnings, then infos (as a reader triages them); by place inside each severity. */
export function compareFindings(a: Finding, b: Finding): number {
  const s = SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
  if (s !== 0) return s;
  const fa = a.location?.file ?? '';
  const fb = b.location?.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  const d = (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0);
  if (d !== 0) return d;
  return a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0;
}
