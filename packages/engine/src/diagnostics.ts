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

/**
 * Every diagnostic code the product emits, as a closed list: a code is added here before any code path can emit it,
 * and the type below rejects any other string. Callers branch on codes, never on messages.
 */
export const DIAGNOSTIC_CODES = [
  'annotation-key-invalid',
  'apiversion-unsupported',
  'cidr-except-outside',
  'cidr-host-bits',
  'cidr-invalid',
  'cidr-ipv4-mapped',
  'cidr-leading-zeros',
  'cidr-not-canonical',
  'cidr-required',
  'cluster-error',
  'cluster-forbidden',
  'config-invalid',
  'document-count',
  'document-not-mapping',
  'domain-invalid',
  'domainnames-action',
  'duplicate-value',
  'endport-invalid',
  'enum-unsupported',
  'expect-field-invalid',
  'expect-field-unknown',
  'expect-shape',
  'expect-unresolved',
  'field-duplicate',
  'field-obsolete',
  'field-required',
  'field-type',
  'field-unknown',
  'flow-invalid',
  'input-binary',
  'input-cyclic',
  'input-empty',
  'input-not-regular',
  'input-skipped',
  'input-too-deep',
  'input-unreadable',
  'ip-invalid',
  'key-duplicate',
  'kind-skipped',
  'label-key-invalid',
  'label-value-empty',
  'label-value-invalid',
  'name-invalid',
  'name-required',
  'name-singleton',
  'name-too-long',
  'namedport-address-peer',
  'namespace-absent',
  'namespace-ignored',
  'namespace-invalid',
  'object-duplicate',
  'object-invalid',
  'oneof-many',
  'oneof-none',
  'owner-reference-invalid',
  'peer-empty',
  'peer-field-unknown',
  'peer-ipblock-exclusive',
  'pod-finished',
  'pod-ip-unusual',
  'podselector-absent',
  'policytype-duplicate',
  'policytype-unsupported',
  'policytypes-too-many',
  'port-invalid',
  'port-name-invalid',
  'priority-invalid',
  'protocol-unsupported',
  'range-invalid',
  'rule-null',
  'selector-operator-invalid',
  'selector-values-forbidden',
  'selector-values-required',
  'too-few',
  'too-many',
  'yaml-syntax',
  'yaml11-bool',
  'yaml11-number',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export interface Diagnostic extends Location {
  /** Stable identifier, e.g. `yaml-syntax`, `field-unknown`, `cidr-invalid`. */
  code: DiagnosticCode;
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
