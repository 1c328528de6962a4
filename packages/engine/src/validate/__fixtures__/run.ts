import type { Diagnostic } from '../../diagnostics.js';
import { loadSource, type LoadedObject } from '../../load/load.js';
import { validateObject } from '../index.js';

/** The parts of a diagnostic the tests assert on (never the wording). */
export interface Found {
  code: string;
  severity: string;
  path: string;
  line: number;
  column: number;
}

export function project(d: Diagnostic): Found {
  return { code: d.code, severity: d.severity, path: d.path, line: d.line, column: d.column };
}

export function load(text: string, name = 'test.yaml'): { objects: LoadedObject[]; loadDiagnostics: Diagnostic[] } {
  const r = loadSource({ name, text });
  return { objects: r.objects, loadDiagnostics: r.diagnostics };
}

/** Every diagnostic validateObject gives for the objects of `text`; the YAML must load cleanly. */
export function validateText(text: string): Diagnostic[] {
  const { objects, loadDiagnostics } = load(text);
  if (loadDiagnostics.length > 0) throw new Error(`fixture does not load: ${loadDiagnostics.map((d) => d.message).join('; ')}`);
  return objects.flatMap((o) => validateObject(o));
}

export function found(text: string): Found[] {
  return validateText(text).map(project);
}

/**
 * A NetworkPolicy in namespace `ns` whose spec continues with `body` (indented by two spaces, as
 * under `spec:`). The body starts on line 7.
 */
export function policy(body: string): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
  namespace: ns
spec:
${body.replace(/^\n/, '')}`;
}
