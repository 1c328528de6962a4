#!/usr/bin/env node
// Runs the whole vitest suite and ends with the plain "N passed, N failed" line that CI reads.
// Extra arguments go to vitest (a path filter, for example).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const report = '.vitest.json';
rmSync(report, { force: true });
const run = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
if (!existsSync(report)) {
  console.log('0 passed, 1 failed');
  console.error('vitest wrote no report: the run itself failed before any test.');
  process.exit(1);
}
const r = JSON.parse(readFileSync(report, 'utf8'));
const failedSuites = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0);
for (const s of failedSuites) console.error(`suite failed to load: ${s.name}\n${s.message ?? ''}`);
const failed = r.numFailedTests + failedSuites.length;
console.log(`${r.numPassedTests} passed, ${failed} failed`);
process.exit(failed > 0 || run.status !== 0 || r.numTotalTests === 0 ? 1 : 0);
