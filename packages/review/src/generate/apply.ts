import type { SourceFile } from '@kordon/engine';
import { parseAllDocuments } from 'yaml';
import type { ChangeDocument } from './change.js';

/** A file the change writes: its new text, and whether it is new. */
export interface AppliedFile extends SourceFile {
  created: boolean;
}

const lineAt = (text: string, offset: number): number => {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
};

/** Replaces the YAML document that holds `line` with `replacement`; undefined when no document of the text holds it. */
function replaceDocument(text: string, line: number, replacement: string): string | undefined {
  for (const doc of parseAllDocuments(text)) {
    const r = doc.contents?.range;
    if (!r) continue;
    if (lineAt(text, r[0]) <= line && line <= lineAt(text, r[1])) {
      // The document's range ends with its line break, when it has one: so does its replacement.
      const end = text.slice(r[0], r[1]).endsWith('\n') ? '\n' : '';
      return `${text.slice(0, r[0])}${replacement.trimEnd()}${end}${text.slice(r[1])}`;
    }
  }
  return undefined;
}

/**
 * The files as they are with the change in place: a changed policy replaces its document in the file it came from
 * (the rest of the file as it was), a new one is appended to `newFile(namespace)`. Only the files that change are
 * returned.
 */
export function applyChange(files: readonly SourceFile[], documents: readonly ChangeDocument[], newFile: (namespace: string) => string): AppliedFile[] {
  const texts = new Map(files.map((f) => [f.name, f.text]));
  const out = new Map<string, AppliedFile>();
  const write = (name: string, text: string) => out.set(name, { name, text, created: out.get(name)?.created ?? !texts.has(name) });
  const current = (name: string) => out.get(name)?.text ?? texts.get(name);
  const append = (name: string, doc: string) => {
    const had = current(name);
    write(name, had === undefined || had.trim() === '' ? doc : `${had.replace(/\n*$/, '\n')}---\n${doc}`);
  };
  // Later documents of a file first: replacing one does not move the lines of those before it.
  const changed = documents.filter((d) => d.change === 'changed').sort((a, b) => (b.replaces?.line ?? 0) - (a.replaces?.line ?? 0));
  for (const d of changed) {
    const file = d.replaces?.file;
    const text = file === undefined ? undefined : current(file);
    const next = text === undefined ? undefined : replaceDocument(text, d.replaces!.line, d.text);
    if (next !== undefined) write(file!, next);
    else append(newFile(d.namespace), d.text);
  }
  for (const d of documents.filter((x) => x.change === 'added')) append(newFile(d.namespace), d.text);
  return [...out.values()];
}
