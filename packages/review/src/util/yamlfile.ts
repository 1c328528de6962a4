import { loadSource, type Diagnostic, type Location, type PathSegment, type SourceFile } from '@kordon/engine';

/** A YAML (or JSON) document that is not a Kubernetes object, read with positions. */
export interface YamlDocument {
  /** The document as plain data; undefined when it could not be read. */
  value: unknown;
  /** Where a field is written (falls back to the nearest written ancestor). */
  locate(path: readonly PathSegment[]): Location;
  diagnostics: Diagnostic[];
}

const KIND = 'KordonDocument';
const HEADER_KEYS = ['apiVersion', 'kind'];

/**
 * Reads a kordon file (expectations, lint configuration) through the engine's loader, so positions, strict YAML,
 * duplicate keys, binary and empty input are handled exactly as for manifests. The loader wants Kubernetes objects:
 * a header (apiVersion, kind) is added in front and every position is mapped back to the file as written.
 */
export function readYamlDocument(file: SourceFile): YamlDocument {
  const start = file.text.search(/\S/);
  // A top-level list cannot take the header: say what is wrong instead of a confusing syntax error.
  const lines = file.text.split('\n');
  const idx = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const firstLine = idx < 0 ? '' : lines[idx]!.trim();
  if (/^-(\s|$)/.test(firstLine) || firstLine.startsWith('[')) {
    const line = idx + 1;
    return {
      value: undefined,
      locate: () => ({ file: file.name, line, column: 1 }),
      diagnostics: [{ code: 'document-not-mapping', severity: 'error', message: 'expected a mapping at the top of the file, found a list', hint: 'start the file with its key (`expectations:` or `lint:`)', path: '', file: file.name, line, column: 1 }],
    };
  }
  const braced = start >= 0 && file.text[start] === '{';
  let text: string;
  let mapBack: (loc: Location) => Location;
  if (braced) {
    // A JSON object: the header goes inside its first brace, on the same line.
    const before = file.text.slice(0, start + 1);
    const rest = file.text.slice(start + 1);
    const insert = `"apiVersion":"kordon.dev/v1","kind":"${KIND}"${/^\s*\}/.test(rest) ? '' : ','}`;
    text = before + insert + rest;
    const braceLine = before.split('\n').length;
    const braceCol = before.length - before.lastIndexOf('\n');
    mapBack = (l) => (l.line === braceLine && l.column > braceCol ? { ...l, column: Math.max(braceCol, l.column - insert.length) } : l);
  } else {
    text = `apiVersion: kordon.dev/v1\nkind: ${KIND}\n${file.text}`;
    mapBack = (l) => ({ ...l, line: Math.max(1, l.line - 2) });
  }
  // Empty and binary files go to the loader as they are, for its own messages.
  const raw = start < 0 || file.text.includes('\u0000');
  const r = loadSource({ name: file.name, text: raw ? file.text : text });
  const diagnostics = r.diagnostics.map((d) => {
    const m = mapBack(d);
    return { ...d, line: m.line, column: m.column };
  });
  const objects = r.objects;
  // A second document would be dropped by the loader (it has no kind): say so instead.
  const extra = secondDocumentLine(file.text);
  if (objects.length > 1 || extra !== undefined || diagnostics.some((d) => d.code === 'object-invalid')) {
    diagnostics.push({ code: 'document-count', severity: 'error', message: 'expected one YAML document, found several', hint: 'remove the `---` separators: one file holds one mapping', path: '', file: file.name, line: extra ?? 1, column: 1 });
  }
  const obj = objects[0];
  if (!obj) return { value: undefined, locate: () => ({ file: file.name, line: 1, column: 1 }), diagnostics };
  for (const d of obj.duplicateKeys) {
    if (d.path.length === 0 && HEADER_KEYS.includes(d.key)) continue;
    const at = mapBack(d.at);
    diagnostics.push({ code: 'key-duplicate', severity: 'error', message: `key ${d.key} is written twice`, hint: 'keep one of them', path: [...d.path, d.key].join('.'), ...at });
  }
  const value: Record<string, unknown> = { ...obj.raw };
  for (const k of HEADER_KEYS) if (value[k] === (k === 'kind' ? KIND : 'kordon.dev/v1')) delete value[k];
  return { value, locate: (path) => mapBack(obj.locate(path)), diagnostics };
}

/** The line of a `---` that starts a second document with content, if any. */
function secondDocumentLine(text: string): number | undefined {
  const lines = text.split('\n');
  let content = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^---(\s|$)/.test(l)) {
      if (content && lines.slice(i + 1).some((x) => x.trim() !== '' && !x.trim().startsWith('#') && !/^(---|\.\.\.)(\s|$)/.test(x))) return i + 1;
      continue;
    }
    if (l.trim() !== '' && !l.trim().startsWith('#')) content = true;
  }
  return undefined;
}
