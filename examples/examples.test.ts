// Runs every tutorial scenario under examples/: each folder holding an expect.yaml is one cluster (the
// folder's own manifests, not its subfolders'), and every expectation in it is checked through the engine.
// A folder may also hold expect-validate.yaml: what validation must report for the tutorial's broken files.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildCluster, checkConnection, loadSources, type Diagnostic, type Severity } from '@kordon/engine';

interface Expectation {
  name: string;
  from: string;
  to: string;
  port?: string | number;
  expect: 'allowed' | 'denied';
  tutorial?: 'allowed' | 'denied';
  because: string;
}

interface ExpectedDiagnostic {
  file: string;
  line: number;
  severity: Severity;
  path: string;
  because: string;
}

const root = fileURLToPath(new URL('.', import.meta.url));

function scenarioDirs(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && e.name === 'expect.yaml') ? [dir] : [];
  const below = entries.filter((e) => e.isDirectory() && e.name !== 'node_modules').flatMap((e) => scenarioDirs(join(dir, e.name)));
  return [...here, ...below];
}

/** The manifests of one scenario: its own YAML/JSON files, except the expectation files. */
function manifestFiles(dir: string): { name: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/.test(e.name) && !e.name.startsWith('expect'))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

function readYaml<T>(file: string): T {
  return parse(readFileSync(file, 'utf8')) as T;
}

function optional<T>(file: string): T | undefined {
  try {
    return readYaml<T>(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const show = (d: Diagnostic): string => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.path}: ${d.message}`;

const dirs = scenarioDirs(root);

describe('tutorial scenarios', () => {
  it('are all found', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(5);
  });

  it('do not nest: kordon reads a folder with its subfolders, so a scenario folder must hold one cluster', () => {
    const nested = dirs.filter((d) => dirs.some((o) => o !== d && o.startsWith(d + sep)));
    expect(nested.map((d) => relative(root, d))).toEqual([]);
  });

  for (const dir of dirs) {
    const scenario = relative(root, dir);
    describe(scenario, () => {
      const files = manifestFiles(dir);
      const loaded = loadSources(files);
      const built = buildCluster(loaded.objects);
      const diagnostics = [...loaded.diagnostics, ...built.diagnostics];
      const { expectations } = readYaml<{ expectations: Expectation[] }>(join(dir, 'expect.yaml'));
      const wanted = optional<{ diagnostics: ExpectedDiagnostic[] }>(join(dir, 'expect-validate.yaml'))?.diagnostics ?? [];

      it('has well-formed expectations', () => {
        expect(expectations.length).toBeGreaterThan(0);
        for (const e of expectations) {
          expect(['allowed', 'denied'], e.name).toContain(e.expect);
          expect(e.because, e.name).toBeTruthy();
          // `tutorial` records a claim that differs from the truth; an equal one is noise.
          if (e.tutorial !== undefined) expect(e.tutorial, e.name).not.toBe(e.expect);
        }
      });

      for (const e of expectations) {
        it(e.name, () => {
          const req = e.port === undefined ? { from: e.from, to: e.to } : { from: e.from, to: e.to, port: String(e.port) };
          const r = checkConnection(built.cluster, req);
          // A name that does not resolve also yields "denied": require a clean request so typos cannot pass.
          expect(r.problems, `${e.from} -> ${e.to}`).toEqual([]);
          expect(r.partial, r.summary).toBe(false);
          expect(r.verdict, `${r.summary}\nexpected because: ${e.because}`).toBe(e.expect);
        });
      }

      for (const w of wanted) {
        it(`validation: ${w.file}:${w.line} ${w.severity} at ${w.path || '(document)'}`, () => {
          const found = diagnostics.filter((d) => d.file === w.file && d.line === w.line && d.severity === w.severity && d.path === w.path);
          expect(found, `${w.because}\nreported:\n${diagnostics.map(show).join('\n')}`).not.toEqual([]);
        });
      }

      it('reports no error in the files that are not broken', () => {
        const broken = new Set(wanted.filter((w) => w.severity === 'error').map((w) => w.file));
        const unexpected = diagnostics.filter((d) => d.severity === 'error' && !broken.has(d.file));
        expect(unexpected.map(show)).toEqual([]);
      });
    });
  }
});
