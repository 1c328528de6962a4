import { diffText, portsText } from '../format/text.js';
import type { ChangeResult } from './change.js';
import type { GenerateResult } from './generate.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The report printed with the policies: what was generated from what, and the engine's proof. */
export function generateText(r: GenerateResult, options: { extrasLimit?: number } = {}): string {
  const p = r.proof;
  const lines: string[] = [];
  const workloadPolicies = r.policies.filter((x) => x.kind === 'workload').length;
  lines.push(`kordon generate: ${plural(r.policies.length, 'NetworkPolicy', 'NetworkPolicies')} (${workloadPolicies} for workloads, ${r.policies.length - workloadPolicies} per namespace) in ${plural(r.scope.length, 'namespace')}, from ${plural(r.inputs.expectations, 'expectation')} and ${plural(r.inputs.flows, 'observed flow')}: ${plural(r.inputs.connections, 'connection')} to allow, ${r.inputs.denied} to deny`);
  if (r.skipped.length) lines.push(`left alone: ${r.skipped.join(', ')} (system namespaces whose components are not all in the input; --system-namespaces includes them)`);
  if (r.replaced.length) lines.push(`set aside: ${plural(r.replaced.length, 'policy', 'policies')} of the input in these namespaces (${r.replaced.slice(0, 6).join(', ')}${r.replaced.length > 6 ? ', …' : ''}): the proof is for the generated set in their place; --diff proposes a change to them instead`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  for (const x of r.problems) lines.push(`not generated: ${x}`);
  lines.push('');
  lines.push(`proof (the engine, with the generated policies in place): ${p.holds ? 'holds' : 'FAILS'}`);
  lines.push(`  connections to allow: ${p.allowed.total - p.allowed.failures.length} of ${p.allowed.total} allowed`);
  for (const f of p.allowed.failures) lines.push(`    DENIED ${f.flow} (${f.origins.join('; ')}): ${f.reason}`);
  lines.push(`  connections to deny: ${p.denied.total - p.denied.failures.length} of ${p.denied.total} denied`);
  for (const f of p.denied.failures) lines.push(`    ALLOWED ${f.flow} (${f.origins.join('; ')}): cannot be told apart by labels: ${f.reason}`);
  if (r.inputs.expectations > 0) {
    lines.push(`  expectations (as kordon test runs them): ${p.expectations.passed} passed, ${p.expectations.failed} failed`);
    for (const x of p.expectations.results.filter((e) => !e.passed)) lines.push(`    FAIL ${x.expectation.location.file}:${x.expectation.location.line} ${x.expectation.name}: ${x.summary}`);
  }
  lines.push(`  validation: ${p.validation.length === 0 ? 'every generated file is valid' : plural(p.validation.length, 'problem')}`);
  for (const d of p.validation) lines.push(`    ${d.file}:${d.line}:${d.column} ${d.severity} ${d.path}: ${d.message}`);
  lines.push(`  lint: ${p.lint.length === 0 ? 'no warnings or errors' : plural(p.lint.length, 'finding')}`);
  for (const f of p.lint) lines.push(`    ${f.location ? `${f.location.file}:${f.location.line} ` : ''}${f.severity} ${f.rule}: ${f.message}`);
  const limit = options.extrasLimit ?? Infinity;
  lines.push(`  also allowed (not asked for): ${p.extras.length === 0 ? 'nothing' : `${plural(p.extraPairs, 'connection')} in ${plural(p.extras.length, 'group')}`}`);
  for (const e of p.extras.slice(0, limit)) lines.push(`    ${e.from} -> ${e.to} ${e.port} (${plural(e.pairs, 'pair')}, e.g. ${e.example.slice(0, e.example.lastIndexOf(' '))}): ${e.reason}`);
  if (p.extras.length > limit) lines.push(`    … and ${p.extras.length - limit} more groups (-o json lists them all)`);
  return `${lines.join('\n')}\n`;
}

/** The report of `generate --diff`: what changes in which policy, the change as `kordon diff` shows it, the proof. */
export function changeText(r: ChangeResult): string {
  const p = r.proof;
  const lines: string[] = [];
  const changed = new Set([...r.extended.map((e) => e.policy), ...r.narrowed.map((n) => n.policy)]);
  lines.push(`kordon generate --diff: ${plural(r.added.length, 'policy', 'policies')} added, ${plural(changed.size, 'policy', 'policies')} changed (${plural(r.extended.reduce((n, e) => n + e.rules, 0), 'rule')} added, ${plural(r.narrowed.length, 'peer or rule')} narrowed), for ${plural(r.inputs.connections, 'connection')} to allow (${r.inputs.alreadyAllowed} allowed already) and ${r.inputs.denied} to deny (${r.inputs.alreadyDenied} denied already)`);
  for (const a of r.added) lines.push(`  + ${a.namespace}/${a.name}: ${a.comment[0] ?? ''}`);
  for (const e of r.extended) lines.push(`  + ${e.policy}: ${plural(e.rules, `${e.direction} rule`)}; ${e.text}`);
  for (const n of r.narrowed) lines.push(`  ~ ${n.text}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  for (const x of r.problems) lines.push(`not generated: ${x}`);
  lines.push('', 'the change, as kordon diff shows it:', ...diffText(r.diff).trimEnd().split('\n').map((l) => (l === '' ? '' : `  ${l}`)), '');
  lines.push(`besides what was asked: ${r.besides.length === 0 ? 'nothing' : plural(r.besides.length, 'flow')}`);
  for (const f of r.besides) lines.push(`  ${f.change === 'allowed' ? '+' : '-'} ${f.from} -> ${f.to} on ${portsText(f)}${f.pairs > 1 ? ` (${f.pairs} pod pairs)` : ''}`);
  lines.push('', `proof (the engine, with the change applied): ${p.holds ? 'holds' : 'FAILS'}`);
  lines.push(`  connections to allow: ${p.allowed.total - p.allowed.failures.length} of ${p.allowed.total} allowed`);
  for (const f of p.allowed.failures) lines.push(`    DENIED ${f.flow} (${f.origins.join('; ')}): ${f.reason}`);
  lines.push(`  connections to deny: ${p.denied.total - p.denied.failures.length} of ${p.denied.total} denied`);
  for (const f of p.denied.failures) lines.push(`    ALLOWED ${f.flow} (${f.origins.join('; ')}): ${f.reason}`);
  if (p.expectations.results.length > 0) {
    lines.push(`  expectations (as kordon test runs them): ${p.expectations.passed} passed, ${p.expectations.failed} failed`);
    for (const x of p.expectations.results.filter((e) => !e.passed)) lines.push(`    FAIL ${x.expectation.location.file}:${x.expectation.location.line} ${x.expectation.name}: ${x.summary}`);
  }
  lines.push(`  validation: ${p.validation.length === 0 ? 'every file is valid' : plural(p.validation.length, 'problem')}`);
  for (const d of p.validation) lines.push(`    ${d.file}:${d.line}:${d.column} ${d.severity} ${d.path}: ${d.message}`);
  lines.push(`  lint: ${p.lint.length === 0 ? 'no new warnings or errors' : plural(p.lint.length, 'finding')}`);
  for (const f of p.lint) lines.push(`    ${f.location ? `${f.location.file}:${f.location.line} ` : ''}${f.severity} ${f.rule}: ${f.message}`);
  for (const f of p.lintInherited) lines.push(`    (the input's) ${f.location ? `${f.location.file}:${f.location.line} ` : ''}${f.severity} ${f.rule}: ${f.message}`);
  return `${lines.join('\n')}\n`;
}
