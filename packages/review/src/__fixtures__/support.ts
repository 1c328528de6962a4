// Test helpers (Node): read a scenario folder of examples/ or inline manifests into a cluster.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCluster, loadSources, type Cluster, type Diagnostic, type SourceFile } from '@kordon/engine';

export const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

/** The manifests of one scenario folder (its own files, expectation files left out), named relative to examples/. */
export function scenarioFiles(dir: string): SourceFile[] {
  const abs = join(EXAMPLES, dir);
  return readdirSync(abs)
    .filter((n) => /\.(ya?ml|json)$/.test(n) && !n.startsWith('expect'))
    .sort()
    .map((n) => ({ name: `${dir}/${n}`, text: readFileSync(join(abs, n), 'utf8') }));
}

export function scenarioDirs(dir = ''): string[] {
  const abs = join(EXAMPLES, dir);
  const entries = readdirSync(abs, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && e.name === 'expect.yaml') ? [dir] : [];
  return [...here, ...entries.filter((e) => e.isDirectory()).flatMap((e) => scenarioDirs(dir ? `${dir}/${e.name}` : e.name))];
}

export function readExample(path: string): SourceFile {
  return { name: path, text: readFileSync(join(EXAMPLES, path), 'utf8') };
}

export interface Built {
  cluster: Cluster;
  diagnostics: Diagnostic[];
}

export function build(files: readonly SourceFile[]): Built {
  const l = loadSources(files);
  const b = buildCluster(l.objects);
  return { cluster: b.cluster, diagnostics: [...l.diagnostics, ...b.diagnostics] };
}

export function scenario(dir: string): Built {
  return build(scenarioFiles(dir));
}

/** Inline manifests as one file. */
export function inline(text: string, name = 'inline.yaml'): Built {
  return build([{ name, text }]);
}

/** A namespace, and pods with labels (and optional named container ports), as YAML. */
export function pods(ns: string, list: Array<{ name: string; labels: Record<string, string>; ip?: string; ports?: Array<{ name: string; port: number; protocol?: string }> }>, nsLabels: Record<string, string> = {}): string {
  const docs = [`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels: ${JSON.stringify(nsLabels)}`];
  for (const p of list) {
    const ports = p.ports?.length ? `\n    ports: ${JSON.stringify(p.ports.map((x) => ({ name: x.name, containerPort: x.port, protocol: x.protocol ?? 'TCP' })))}` : '';
    const status = p.ip ? `\nstatus:\n  podIP: ${p.ip}\n  podIPs: [{ip: ${p.ip}}]` : '';
    docs.push(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${p.name}\n  namespace: ${ns}\n  labels: ${JSON.stringify(p.labels)}\nspec:\n  containers:\n  - name: c\n    image: x${ports}${status}`);
  }
  return docs.join('\n---\n');
}
