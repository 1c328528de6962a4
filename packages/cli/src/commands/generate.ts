import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { examples } from './help.js';
import { UsageError, type CliContext } from '../io.js';

export interface GenerateCommandOptions {
  expect: string[];
  flows: string[];
  cidrPrefix: string;
  cidrPrefix6: string;
  systemNamespaces?: boolean;
  dns?: string;
  out?: string;
  output: string;
  strict?: boolean;
  diff?: boolean;
  guardrails?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerGenerate(program: Command, ctx: CliContext): void {
  program
    .command('generate')
    .summary('write least-privilege NetworkPolicies from expectations or observed flows, with the proof')
    .description(
      'Writes one NetworkPolicy per workload and direction for the connections asked for (--expect, the kordon test format) ' +
        'or observed (--flows: CSV source,destination,port/protocol, `hubble observe -o json`, or kordon lab probe output), ' +
        'plus default deny (ingress and egress) and DNS egress per namespace. Selectors use stable labels (never ' +
        'pod-template-hash or pod names), namespaces kubernetes.io/metadata.name, named ports where the containers name ' +
        'them, outside addresses the narrowest blocks (--cidr-prefix widens them). With neither --expect nor --flows, only ' +
        'default deny and DNS, and what cannot be known is said. The proof, computed by the engine with the generated ' +
        'policies in place of the namespaces\' own, follows: every asked connection allowed, every expected-denied one ' +
        'denied, validation and lint clean, and every other connection the policies allow with the reason.\n\n' +
        'With --diff, the policies of the input stay and the smallest change to them is proposed: rules added (to a policy ' +
        'that selects exactly the workload, else in a new one), peers narrowed or ends isolated for what must be denied; ' +
        'the changed policies are printed in full, with the change as kordon diff shows it and its proof.\n\n' +
        'Exit codes: 0 the proof holds, 1 it fails (or --strict and the policies allow more than asked), 2 usage error or unreadable input.',
    )
    .argument('<paths...>', 'manifests: files, directories (recursively: .yaml, .yml, .json) or - for stdin')
    .option('--expect <file>', 'expectation file in the kordon test format (repeatable)', collect, [])
    .option('--flows <file>', 'observed flows: CSV, Hubble JSON lines, or kordon lab probe JSON (repeatable)', collect, [])
    .option('--cidr-prefix <N>', 'merge outside IPv4 addresses within blocks of this prefix (32: every address exact)', '32')
    .option('--cidr-prefix6 <N>', 'the same for IPv6 (128: exact)', '128')
    .option('--system-namespaces', 'also isolate kube-system, kube-public, kube-node-lease and the DNS namespace')
    .option('--dns <ns/label=value>', 'where the cluster DNS pods are (default kube-system/k8s-app=kube-dns)')
    .option('--out <dir>', 'write one file per namespace into DIR and print the proof (default: YAML on stdout, proof as comments)')
    .option('-o, --output <format>', 'yaml (the policies, the proof as comments) or json (files and proof)', 'yaml')
    .option('--strict', 'exit 1 when the policies allow any connection that was not asked for')
    .option('--guardrails <tiers>', 'also write ClusterNetworkPolicy guardrails: admin (the system namespaces closed to the others but DNS and what was asked), baseline (default deny with DNS for pods no NetworkPolicy selects), or admin,baseline')
    .option('--diff', "propose the smallest change to the input's own policies instead (rules added, peers narrowed), shown as kordon diff shows it")
    .addHelpText(
      'after',
      examples([
        ['kordon generate k8s/ --expect expect.yaml > policies.yaml', 'policies for what the expectation file allows, the proof at the end as comments'],
        ['hubble observe -o json > flows.json && kordon generate k8s/ --flows flows.json --out policies/', 'policies for the traffic Hubble saw, one file per namespace'],
        ['kordon generate k8s/ --flows flows.csv --cidr-prefix 24 --strict', 'merge outside addresses per /24; exit 1 if anything beyond the flows is allowed'],
        ['kordon generate k8s/ --expect expect.yaml --guardrails admin,baseline', 'the policies, and ClusterNetworkPolicies that protect kube-system and close what no policy selects'],
        ['kordon generate k8s/ --expect expect.yaml --diff', 'the smallest change to the policies in k8s/ that meets expect.yaml, and what it opens or closes'],
      ]),
    )
    .action(async (paths: string[], opts: GenerateCommandOptions) => {
      ctx.exitCode = await runGenerate(ctx, paths, opts);
    });
}

function prefix(text: string, max: number, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`${flag} is a prefix length, 0 to ${max}`);
  return n;
}

function parseGuardrails<T extends string>(text: string | undefined, known: readonly T[]): T[] {
  if (text === undefined) return [];
  const out = text.split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== '');
  const bad = out.filter((x) => !(known as readonly string[]).includes(x));
  if (bad.length || out.length === 0) throw new UsageError(`--guardrails takes ${known.join(', ')} or both (comma-separated); not ${JSON.stringify(text)}`);
  return [...new Set(out)] as T[];
}

function readText(file: string, what: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the ${what} ${file}`);
  }
}

async function runGenerate(ctx: CliContext, paths: readonly string[], opts: GenerateCommandOptions): Promise<number> {
  const { parseDns, parseFormat } = await import('../pipeline.js');
  const { readInputs } = await import('../input.js');
  const { formatDiagnostics, sortDiagnostics } = await import('../output/diagnostics.js');
  const { colorsFor } = await import('../io.js');
  const engine = await import('@kordon/engine');
  const review = await import('@kordon/review');
  const format = parseFormat(opts.output, ['yaml', 'json'] as const);
  const prefix4 = prefix(opts.cidrPrefix, 32, '--cidr-prefix');
  const prefix6 = prefix(opts.cidrPrefix6, 128, '--cidr-prefix6');
  const dns = opts.dns === undefined ? undefined : parseDns(opts.dns);
  const expectations = opts.expect.map((f) => review.parseExpectations({ name: f, text: readText(f, 'expectation file') }));
  const flows = opts.flows.map((f) => review.parseFlows({ name: f, text: readText(f, 'flow file') }));
  const inputs = await readInputs(paths, ctx);
  const loaded = engine.loadSources(inputs.files);
  if (loaded.objects.length === 0) throw new UsageError('the input holds no Kubernetes objects', 'give the manifests of the workloads (YAML or JSON), a directory of them, or - with kubectl get ... -o yaml on stdin');
  const problems = sortDiagnostics([...inputs.diagnostics, ...loaded.diagnostics, ...expectations.flatMap((e) => e.diagnostics), ...flows.flatMap((f) => f.diagnostics)]).filter((d) => d.severity !== 'info');
  if (problems.length) ctx.io.err(formatDiagnostics(problems, colorsFor(ctx, 'err')));
  const guardrails = parseGuardrails(opts.guardrails, review.GUARDRAILS);
  const options = { prefix4, prefix6, systemNamespaces: opts.systemNamespaces === true, ...(dns ? { dns } : {}), guardrails };

  if (opts.diff) return printChange(ctx, review.proposeChange({ objects: loaded.objects, expectations, flows, options }), format, opts, review);
  const r = review.generatePolicies({ objects: loaded.objects, expectations, flows, options });
  const report = review.generateText(r);
  if (format === 'json') {
    ctx.io.out(`${JSON.stringify({ files: r.files, scope: r.scope, skipped: r.skipped, replaced: r.replaced, inputs: r.inputs, notes: r.notes, problems: r.problems, proof: proofJson(r.proof) }, null, 2)}\n`);
  } else if (opts.out) {
    writeFiles(opts.out, r.files);
    ctx.io.out(`wrote ${r.files.map((f) => join(opts.out!, f.name.replace(review.GENERATED_PREFIX, ''))).join(', ')}\n${report}`);
  } else {
    ctx.io.out(r.files.map((f) => f.text).join('---\n'));
    // The proof travels with the policies, as comments that kubectl ignores.
    ctx.io.out(`---\n${report.trimEnd().split('\n').map((l) => (l === '' ? '#' : `# ${l}`)).join('\n')}\n`);
  }
  ctx.io.err(`kordon generate: ${r.policies.length} policies; proof ${r.proof.holds ? 'holds' : 'FAILS'}; ${r.proof.extraPairs} connections allowed beyond those asked for\n`);
  return r.proof.holds && !(opts.strict && r.proof.extras.length > 0) ? 0 : 1;
}

type Review = typeof import('@kordon/review');

function printChange(ctx: CliContext, r: import('@kordon/review').ChangeResult, format: string, opts: GenerateCommandOptions, review: Review): number {
  const report = review.changeText(r);
  if (format === 'json') {
    const { before: _b, after: _a, ...rest } = r;
    ctx.io.out(`${JSON.stringify({ ...rest, added: r.added.map((p) => `${p.namespace}/${p.name}`), narrowed: r.narrowed.map(({ apply: _f, ...n }) => n) }, null, 2)}\n`);
  } else if (opts.out) {
    writeFiles(opts.out, r.files);
    ctx.io.out(`${r.files.length ? `wrote ${r.files.map((f) => join(opts.out!, f.name.replace(review.GENERATED_PREFIX, ''))).join(', ')}\n` : ''}${report}`);
  } else {
    if (r.files.length) ctx.io.out(`${r.files.map((f) => f.text).join('---\n')}---\n`);
    ctx.io.out(`${report.trimEnd().split('\n').map((l) => (l === '' ? '#' : `# ${l}`)).join('\n')}\n`);
  }
  const changes = r.added.length + r.extended.length + r.narrowed.length;
  ctx.io.err(`kordon generate --diff: ${changes === 0 ? 'no change needed' : `${r.files.length} ${r.files.length === 1 ? 'file' : 'files'} of changes`}; proof ${r.proof.holds ? 'holds' : 'FAILS'}; ${r.besides.length} flows changed beyond those asked for\n`);
  return r.proof.holds && !(opts.strict && r.besides.length > 0) ? 0 : 1;
}

function writeFiles(dir: string, files: ReadonlyArray<{ name: string; text: string }>): void {
  for (const f of files) {
    const path = join(dir, f.name.replace(/^generated\//, ''));
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.text);
    } catch (err) {
      throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
}

type ProofLike = { holds: boolean; allowed: unknown; denied: unknown; extras: unknown; extraPairs: number; validation: unknown; lint: unknown; expectations?: { passed: number; failed: number; results: Array<{ passed: boolean; summary: string; expectation: { name: string; location: { file: string; line: number } } }> } };

function proofJson(p: ProofLike): Record<string, unknown> {
  return {
    holds: p.holds,
    allowed: p.allowed,
    denied: p.denied,
    expectations: p.expectations ? { passed: p.expectations.passed, failed: p.expectations.failed, failures: p.expectations.results.filter((x) => !x.passed).map((x) => ({ name: x.expectation.name, file: x.expectation.location.file, line: x.expectation.location.line, summary: x.summary })) } : undefined,
    validation: p.validation,
    lint: p.lint,
    extras: p.extras,
    extraPairs: p.extraPairs,
  };
}
