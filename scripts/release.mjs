#!/usr/bin/env node
// Makes the release archive: `release/kordon-VERSION.tgz`, one npm package that holds the built CLI, the packages it
// loads and every production dependency, so that it runs where it is unpacked (krew unpacks it and runs
// package/bin/kubectl-kordon.js) and installs with no registry (`npm install -g kordon-VERSION.tgz`: its
// dependencies are bundled). Needs `npm run build` first. Usage: node scripts/release.mjs [--out DIR]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const out = resolve(args.includes('--out') ? args[args.indexOf('--out') + 1] : join(root, 'release'));
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = rootPkg.version;

// The workspace packages the CLI loads (the dataplane and the page lazily), with what each needs beside its code.
const WORKSPACES = { engine: [], source: [], review: [], cli: ['bin'], dataplane: ['helpers'], web: ['site'] };

for (const [name, extra] of Object.entries(WORKSPACES))
  for (const part of ['dist', ...extra])
    if (!existsSync(join(root, 'packages', name, part))) throw new Error(`packages/${name}/${part} is missing: run npm run build first`);

const stage = join(out, `kordon-${version}`);
const pkg = join(stage, 'package');
rmSync(stage, { recursive: true, force: true });
mkdirSync(join(pkg, 'bin'), { recursive: true });

// Tests and their fixtures stay out: what is shipped is what runs.
const shipped = (src) => !/\.test\.(js|d\.ts)$|__fixtures__|\.tsbuildinfo$/.test(src);
const bundled = {};
for (const [name, extra] of Object.entries(WORKSPACES)) {
  const from = join(root, 'packages', name);
  const to = join(pkg, 'node_modules', '@kordon', name);
  const meta = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
  delete meta.devDependencies;
  delete meta.scripts;
  mkdirSync(to, { recursive: true });
  writeFileSync(join(to, 'package.json'), `${JSON.stringify(meta, null, 2)}\n`);
  for (const part of ['dist', ...extra]) cpSync(join(from, part), join(to, part), { recursive: true, filter: shipped });
  bundled[meta.name] = meta.version;
}

// Every production dependency of the workspaces, as npm installed it (nested copies travel inside their parent).
const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
for (const dir of listed.split('\n').filter(Boolean)) {
  const rel = relative(root, dir);
  if (!rel.startsWith('node_modules/') || rel.startsWith('node_modules/@kordon/') || rel.indexOf('/node_modules/', 1) !== -1) continue;
  cpSync(dir, join(pkg, rel), { recursive: true, dereference: true });
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  bundled[meta.name] = meta.version;
}

for (const bin of ['kordon', 'kubectl-kordon'])
  writeFileSync(join(pkg, 'bin', `${bin}.js`), `#!/usr/bin/env node\n// The installed ${bin}: the CLI package's own launcher.\nimport '../node_modules/@kordon/cli/bin/${bin}.js';\n`, { mode: 0o755 });
const manifest = {
  name: rootPkg.name,
  version,
  description: rootPkg.description,
  license: rootPkg.license,
  type: 'module',
  engines: rootPkg.engines,
  bin: { kordon: 'bin/kordon.js', 'kubectl-kordon': 'bin/kubectl-kordon.js' },
  dependencies: bundled,
  bundleDependencies: Object.keys(bundled),
};
writeFileSync(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
for (const doc of ['README.md', 'LICENSE']) if (existsSync(join(root, doc))) cpSync(join(root, doc), join(pkg, doc));

const tarball = join(out, `kordon-${version}.tgz`);
mkdirSync(dirname(tarball), { recursive: true });
execFileSync('tar', ['-czf', tarball, '-C', stage, 'package']);
rmSync(stage, { recursive: true, force: true });
console.log(tarball);
