import { compareDiagnostics, type Diagnostic } from '@kordon/engine';
import type { Colors } from '../io.js';

/** `file:line:column: severity: message [path]`, then the hint indented on its own line. */
export function formatDiagnostic(d: Diagnostic, c: Colors): string {
  const sev = d.severity === 'error' ? c.red(c.bold('error')) : d.severity === 'warning' ? c.yellow(c.bold('warning')) : c.cyan('note');
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const path = d.path ? ` ${c.dim(`[${d.path}]`)}` : '';
  const value = d.value !== undefined && !d.message.includes(d.value) ? ` (value: ${JSON.stringify(d.value)})` : '';
  let s = `${c.bold(where)}: ${sev}: ${d.message}${value}${path}\n`;
  if (d.hint) s += `  ${c.dim('hint:')} ${d.hint}\n`;
  return s;
}

export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  // Stable: problems of one place keep the order the engine found them in.
  return [...ds].sort(compareDiagnostics);
}

export function countBySeverity(ds: readonly Diagnostic[]): { errors: number; warnings: number; notes: number } {
  let errors = 0;
  let warnings = 0;
  let notes = 0;
  for (const d of ds) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else notes++;
  }
  return { errors, warnings, notes };
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The stable JSON form of a diagnostic (documented in docs/cli.md). */
export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  const o: Record<string, unknown> = { severity: d.severity, code: d.code, path: d.path, message: d.message, file: d.file, line: d.line, column: d.column };
  if (d.value !== undefined) o['value'] = d.value;
  if (d.hint !== undefined) o['hint'] = d.hint;
  if (d.object) o['object'] = d.object;
  return o;
}

/**
 * Errors and warnings one by one; notes (skipped kinds, defaulted namespaces) at most `perCode` of each kind, then a
 * count, so that a large input does not bury what matters.
 */
export function formatDiagnostics(ds: readonly Diagnostic[], c: Colors, perCode = 3): string {
  const seen = new Map<string, number>();
  let s = '';
  for (const d of ds) {
    if (d.severity === 'info') {
      const n = (seen.get(d.code) ?? 0) + 1;
      seen.set(d.code, n);
      if (n > perCode) continue;
    }
    s += formatDiagnostic(d, c);
  }
  for (const [code, n] of seen) if (n > perCode) s += `${c.cyan('note')}: ${n - perCode} more notes like the ones above (${code}); kordon validate --notes lists every one\n`;
  return s;
}
