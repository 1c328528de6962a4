import type { Diagnostic, DiagnosticCode } from '@kordon/engine';

/** A note about reading itself, placed at the start of the file it concerns. */
export function readingNote(file: string, code: DiagnosticCode, message: string, severity: Diagnostic['severity'] = 'info', hint?: string): Diagnostic {
  const d: Diagnostic = { code, severity, message, path: '', file, line: 1, column: 1 };
  if (hint) d.hint = hint;
  return d;
}

/** The operating system's reason, in words. */
export function reason(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EIO':
      return 'input/output error';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** Why reading stopped before an answer could be given at all (the CLI exits 2). */
export type SourceErrorCode = 'no-input' | 'not-found' | 'stdin-twice' | 'too-large' | 'unknown-revision' | 'git' | 'cluster';

export class SourceError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}
