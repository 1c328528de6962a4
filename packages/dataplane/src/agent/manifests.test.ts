import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestDir } from './manifests.js';

const pod = (name: string, ip: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: app}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: ${ip}}\n`;
const policy = (name: string, port: number): string =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: app}\nspec: {podSelector: {}, ingress: [{ports: [{port: ${port}}]}]}\n`;

describe('ManifestDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kordon-manifests-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const names = (m: ManifestDir): string[] => m.state().cluster.pods.map((p) => p.name);

  it('reads every manifest under the directory, skipping hidden files and other extensions', () => {
    writeFileSync(join(dir, 'a.yaml'), pod('a', '10.0.0.1'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.yml'), pod('b', '10.0.0.2'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c', namespace: 'app' }, spec: { containers: [] } }));
    writeFileSync(join(dir, '.a.yaml.swp'), pod('swap', '10.0.0.9'));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    const m = new ManifestDir(dir);
    m.rescan();
    expect(names(m)).toEqual(['a', 'b', 'c']);
  });

  it('follows the files an event names: added, changed, removed, and a removed directory', () => {
    writeFileSync(join(dir, 'a.yaml'), pod('a', '10.0.0.1'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.yaml'), pod('b', '10.0.0.2'));
    const m = new ManifestDir(dir);
    m.rescan();
    writeFileSync(join(dir, 'd.yaml'), pod('d', '10.0.0.4'));
    expect(m.update(['d.yaml'])).toBe(true);
    expect(names(m)).toEqual(['a', 'b', 'd']);
    writeFileSync(join(dir, 'a.yaml'), pod('a', '10.0.0.11'));
    m.update(['a.yaml']);
    expect(m.state().cluster.pods.find((p) => p.name === 'a')?.ips).toEqual(['10.0.0.11']);
    rmSync(join(dir, 'd.yaml'));
    m.update(['d.yaml']);
    expect(names(m)).toEqual(['a', 'b']);
    rmSync(join(dir, 'sub'), { recursive: true });
    m.update(['sub']);
    expect(names(m)).toEqual(['a']);
  });

  it('reads only what an event names: a file changed without an event stays as it was read', () => {
    writeFileSync(join(dir, 'a.yaml'), pod('a', '10.0.0.1'));
    writeFileSync(join(dir, 'p.yaml'), policy('p', 80));
    const m = new ManifestDir(dir);
    m.rescan();
    writeFileSync(join(dir, 'p.yaml'), policy('p', 81));
    writeFileSync(join(dir, 'b.yaml'), pod('b', '10.0.0.2'));
    m.update(['b.yaml']);
    expect(names(m)).toEqual(['a', 'b']);
    expect(m.state().cluster.policies[0]?.ingress[0]?.ports?.[0]?.port).toBe(80);
    m.rescan();
    expect(m.state().cluster.policies[0]?.ingress[0]?.ports?.[0]?.port).toBe(81);
  });

  it('rescans when an event names a new directory', () => {
    const m = new ManifestDir(dir);
    m.rescan();
    mkdirSync(join(dir, 'team'));
    writeFileSync(join(dir, 'team', 'x.yaml'), pod('x', '10.0.0.7'));
    expect(m.update(['team'])).toBe(false);
    expect(names(m)).toEqual(['x']);
  });

  it('keeps the models of unchanged files, so a rebuild hands back the same pod and policy objects', () => {
    writeFileSync(join(dir, 'a.yaml'), pod('a', '10.0.0.1'));
    writeFileSync(join(dir, 'p.yaml'), policy('p', 80));
    const m = new ManifestDir(dir);
    m.rescan();
    const before = m.state().cluster;
    writeFileSync(join(dir, 'b.yaml'), pod('b', '10.0.0.2'));
    m.update(['b.yaml']);
    const after = m.state().cluster;
    expect(after.pods.find((p) => p.name === 'a')).toBe(before.pods.find((p) => p.name === 'a'));
    expect(after.policies[0]).toBe(before.policies[0]);
  });

  it('reports a broken file with its place and keeps the others', () => {
    writeFileSync(join(dir, 'a.yaml'), pod('a', '10.0.0.1'));
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: [oops\n');
    const m = new ManifestDir(dir);
    m.rescan();
    const st = m.state();
    expect(names(m)).toEqual(['a']);
    expect(st.errors.length).toBeGreaterThan(0);
    expect(st.errors[0]?.file).toMatch(/bad\.yaml$/);
    expect(st.errors[0]?.line).toBeGreaterThan(0);
  });

  // Issue 13: the agent reads files through @kordon/source, so the commands' rules hold for it too.
  it('reads through @kordon/source: the size limit over all files, refused when passed', () => {
    writeFileSync(join(dir, 'a.yaml'), pod('a', '10.0.0.1'));
    writeFileSync(join(dir, 'b.yaml'), pod('b', '10.0.0.2'));
    const size = Buffer.byteLength(pod('a', '10.0.0.1'));
    const fits = new ManifestDir(dir, { maxInputBytes: 2 * size });
    fits.rescan();
    expect(names(fits)).toEqual(['a', 'b']);
    const small = new ManifestDir(dir, { maxInputBytes: 2 * size - 1 });
    expect(() => small.rescan()).toThrow(/larger than the limit of .*stopped at .*b\.yaml/);
    // A file that grows past the limit on a later change is refused as well.
    fits.rescan();
    writeFileSync(join(dir, 'a.yaml'), pod('a', '10.0.0.1') + '# more\n');
    expect(() => fits.reconcile(['a.yaml'])).toThrow(/larger than the limit/);
  });

  it('never opens a FIFO named like a manifest inside the directory, and refuses one given as the source', () => {
    writeFileSync(join(dir, 'a.yaml'), pod('a', '10.0.0.1'));
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const m = new ManifestDir(dir);
    m.rescan();
    expect(names(m)).toEqual(['a']);
    const fifo = new ManifestDir(join(dir, 'pipe.yaml'));
    fifo.rescan();
    expect(fifo.state().errors.map((e) => e.message)).toEqual([expect.stringMatching(/a FIFO, not a regular file: not read/)]);
  });

  it('locates bytes that are not UTF-8 and keeps the other documents of the file', () => {
    writeFileSync(join(dir, 'a.yaml'), Buffer.concat([Buffer.from(pod('a', '10.0.0.1') + '---\n'), Buffer.from(pod('c', '10.0.0.3').replace('name: c,', 'name: c, labels: {x: "\xff"},'), 'latin1'), Buffer.from('---\n' + pod('b', '10.0.0.2'))]));
    const m = new ManifestDir(dir);
    m.rescan();
    expect(names(m)).toEqual(['a', 'b']);
    expect(m.state().diagnostics.filter((d) => /UTF-8/.test(d.message)).map((d) => [d.file, d.line])).toEqual([[relative(process.cwd(), join(dir, 'a.yaml')), 9]]);
  });
});
