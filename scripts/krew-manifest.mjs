#!/usr/bin/env node
// Writes deploy/krew/kordon.yaml for a release: the version of package.json, the tarball's URL and its sha256.
// Usage: node scripts/release.mjs && node scripts/krew-manifest.mjs release/kordon-0.1.0.tgz https://…/kordon-0.1.0.tgz
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const [tarball, url] = process.argv.slice(2);
if (!tarball || !url) {
  console.error('usage: node scripts/krew-manifest.mjs TARBALL URL');
  process.exit(2);
}
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex');
const file = 'deploy/krew/kordon.yaml';
const text = readFileSync(file, 'utf8')
  .replace(/^( {2}version: ).*$/m, `$1v${version}`)
  .replace(/^( {6}uri: ).*$/m, `$1${url}`)
  .replace(/^( {6}sha256: ).*$/m, `$1${sha}`);
writeFileSync(file, text);
console.log(`${file}: v${version}, sha256 ${sha}`);
