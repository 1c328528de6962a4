import { extname, sep } from 'node:path';

/** What a directory contributes: the file names kubectl apply -f DIR reads. */
export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export function isManifestName(name: string): boolean {
  return (MANIFEST_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

/** Hidden files and folders (.git, editors' swap files) hold no manifests; a path is hidden when any part is. */
export function isHidden(relativePath: string): boolean {
  return relativePath.split(sep).some((part) => part.startsWith('.'));
}

/** Files that commonly sit beside manifests to describe them: skipped without a note, which would only be noise. */
export function isDocumentation(name: string): boolean {
  return /\.(md|markdown|txt|rst|adoc)$/i.test(name) || /^(LICEN[CS]E|NOTICE|OWNERS|CODEOWNERS)(\..*)?$/.test(name);
}
