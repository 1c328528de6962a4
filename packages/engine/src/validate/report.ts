import { compareDiagnostics, formatPath, type Diagnostic, type DiagnosticCode, type PathSegment, type Severity } from '../diagnostics.js';
import type { LoadedObject } from '../load/load.js';

/** Collects the diagnostics of one object, each located in its file. */
export class Reporter {
  readonly out: Diagnostic[] = [];

  constructor(readonly obj: LoadedObject) {}

  add(
    code: DiagnosticCode,
    severity: Severity,
    path: readonly PathSegment[],
    message: string,
    extra: { value?: string; hint?: string; at?: readonly PathSegment[] } = {},
  ): void {
    const d: Diagnostic = {
      code,
      severity,
      message,
      path: formatPath(path),
      ...this.obj.locate(extra.at ?? path),
      object: objectRef(this.obj),
    };
    if (extra.value !== undefined) d.value = extra.value;
    if (extra.hint !== undefined) d.hint = extra.hint;
    this.out.push(d);
  }

  /** In file order, so that problems read top to bottom. */
  sorted(): Diagnostic[] {
    return [...this.out].sort(compareDiagnostics);
  }
}

export function objectRef(obj: LoadedObject): NonNullable<Diagnostic['object']> {
  const ref: NonNullable<Diagnostic['object']> = { kind: obj.kind, name: obj.name };
  if (obj.namespace !== undefined) ref.namespace = obj.namespace;
  return ref;
}

/** A value as the API server quotes it in a message: strings in double quotes, the rest as JSON. */
export function quote(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v) ?? String(v);
}

/** The offending value as plain text for `Diagnostic.value`. */
export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : quote(v);
}
