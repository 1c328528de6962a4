/** Diagnostics are values: every problem found in the input is collected, none is thrown. */

export type Severity = 'error' | 'warning' | 'info';

/** A place in an input file. Lines and columns count from 1. */
export interface Location {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Diagnostic extends Location {
  /** Stable identifier, e.g. `yaml-syntax`, `field-unknown`, `cidr-invalid`. */
  code: string;
  severity: Severity;
  /** What is wrong, in a sentence. */
  message: string;
  /** Field path as the API server writes it: `spec.ingress[0].from[1].ipBlock.except[0]`; '' for the whole document. */
  path: string;
  /** The offending value as text, when there is one. */
  value?: string;
  /** What to do about it. */
  hint?: string;
  object?: ObjectRef;
}

/** A field path as segments: `['spec', 'ingress', 0, 'from']`. */
export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
}
