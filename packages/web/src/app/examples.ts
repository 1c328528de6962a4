import type { SourceFile } from '@kordon/engine';

export interface Example {
  id: string;
  title: string;
  files: SourceFile[];
}

// Scenarios of the repository's examples/ folder, and the page's own demo; bundled, so the static site needs no server.
const scenarios = import.meta.glob('../../../../examples/*/**/*.{yaml,yml,json}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const demo = import.meta.glob('../../demo/*.yaml', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/**
 * A scenario is a folder of examples/ that holds an `expect.yaml` (the repository's layout); its manifests are the
 * other files of that folder. Expectation files are `kordon test` input, not manifests, so the page leaves them out.
 */
export function scenariosOf(files: Record<string, string>): Example[] {
  const byDir = new Map<string, SourceFile[]>();
  const scenarioDirs = new Set<string>();
  for (const [path, text] of Object.entries(files)) {
    const m = /examples\/(.+)\/([^/]+)$/.exec(path);
    if (!m) continue;
    const [, dir, base] = m as unknown as [string, string, string];
    if (/^expect/i.test(base)) {
      if (/^expect\.ya?ml$/i.test(base)) scenarioDirs.add(dir);
      continue;
    }
    const list = byDir.get(dir) ?? [];
    list.push({ name: `${dir}/${base}`, text });
    byDir.set(dir, list);
  }
  const out: Example[] = [];
  for (const [dir, list] of byDir) {
    if (scenarioDirs.size > 0 && !scenarioDirs.has(dir)) continue;
    list.sort((a, b) => (a.name < b.name ? -1 : 1));
    out.push({ id: `example:${dir}`, title: dir.replace(/\//g, ' › '), files: list });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

export const EXAMPLES: Example[] = [
  ...Object.entries(demo).map(([path, text]) => {
    const base = path.split('/').pop() ?? path;
    return { id: `demo:${base}`, title: `demo: ${base.replace(/\.yaml$/, '').replace(/-/g, ' ')}`, files: [{ name: base, text }] };
  }),
  ...scenariosOf(scenarios),
];
