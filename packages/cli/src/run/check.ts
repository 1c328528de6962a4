import {
  checkConnection,
  citedClusterPolicy,
  citeRule,
  citedNetworkPolicy,
  describeMiss,
  describeMissFailure,
  describePeer,
  describePortSpec,
  describeRule,
  describeStep,
  describeTierRule,
  describeWalk,
  explainConnection,
  formatRuleCite,
  locateRule,
  parsePortProto,
  policyRefText,
  resolveName,
  serviceNetworkNote,
  type CheckResult,
  type Cluster,
  type DirectionExplanation,
  type DirectionVerdict,
  type ExplainedMiss,
  type Hop,
  type Location,
  type NetworkPolicyStep,
  type Policy,
  type RuleCite,
  type RuleRef,
} from '@kordon/engine';
import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { CheckOptions } from '../commands/check.js';
import { colorsFor, UsageError, type CliContext, type Colors } from '../io.js';
import { tierStepJson } from './tiers.js';
import { loadInput, parseDns, parseFormat, parseNetwork, rejectedSentence, reportDiagnostics, requireObjects } from '../pipeline.js';

export async function runCheck(ctx: CliContext, paths: readonly string[], opts: CheckOptions): Promise<number> {
  const format = parseFormat(opts.output, ['text', 'json'] as const);
  if (opts.port !== undefined && !parsePortProto(opts.port) && !(/^[a-z0-9]+(-[a-z0-9]+)*(\/(tcp|udp|sctp))?$/i.test(opts.port) && /^[^/]*[a-z]/i.test(opts.port))) {
    throw new UsageError(`bad --port ${JSON.stringify(opts.port)}: write N or N/PROTO with N from 1 to 65535 and PROTO TCP, UDP or SCTP, or a port name (http, dns/UDP)`);
  }
  const dns = opts.dns === undefined ? undefined : parseDns(opts.dns);
  const network = parseNetwork(opts);
  const loaded = await loadInput(paths, ctx, { ...(dns ? { dns } : {}), ...(network ? { network } : {}) });
  reportDiagnostics(ctx, loaded);
  const serviceNote = serviceNetworkNote(loaded.cluster);
  if (serviceNote) ctx.io.err(`kordon: note: ${serviceNote}\n`);
  requireObjects(loaded);
  // Positions are read from the policies; the view leaves out those that are costly to find.
  const cluster = loaded.cluster;

  // A source that names nothing is a mistake in the question, not a denial.
  const from = resolveName(cluster, opts.from);
  if (from.kind === 'unresolved') throw new UsageError(`--from ${opts.from}: ${from.reason}`, 'the source is ns/pod, ns/workload or an IP address');
  if (from.kind === 'service') throw new UsageError(`--from ${opts.from} is a Service: a Service cannot open connections`, 'name one of its pods, or its workload');
  if (opts.port === undefined) {
    const clientNs = from.kind === 'pod' ? from.pod.namespace : from.kind === 'workload' ? from.workload.namespace : undefined;
    const to = resolveName(cluster, opts.to, clientNs);
    if (to.kind !== 'service' && to.kind !== 'unresolved') throw new UsageError('--port is required unless --to is a Service', 'add --port 80 or --port 53/UDP');
  }

  const req = opts.port === undefined ? { from: opts.from, to: opts.to } : { from: opts.from, to: opts.to, port: opts.port };
  const result = checkConnection(cluster, req);
  if (format === 'json') ctx.io.out(`${JSON.stringify(checkJson(cluster, result), null, 2)}\n`);
  else ctx.io.out(renderCheck(cluster, result, colorsFor(ctx, 'out'), { verbose: opts.verbose === true, rel: relativeTo(paths) }));
  return result.verdict === 'allowed' ? 0 : 1;
}

/** File names as the reader gave them: inside the one directory given, relative to it; else relative to here. */
export function relativeTo(paths: readonly string[]): (file: string) => string {
  const dirs = paths.filter((p) => p !== '-' && isDirectory(p));
  const base = paths.length === 1 && dirs.length === 1 ? resolve(dirs[0]!) : process.cwd();
  return (file) => {
    if (file.startsWith('<') || (file.includes(':') && !isAbsolute(file))) return file;
    const r = relative(base, resolve(file));
    return r === '' || r.startsWith('..') ? file : r;
  };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON (documented in docs/cli.md)

interface RefJson {
  policy: string;
  direction: string;
  rule: number;
  peer?: number;
  port?: number;
  text: string;
  file?: string;
  line?: number;
  column?: number;
}

/**
 * A NetworkPolicy rule of the verdict as a JSON rule reference: cited as the explanation tree cites it (`citeRule`: its
 * place in the manifest), worded by `formatRuleCite`. The per-direction fields below are kept for the CI consumers
 * that read them; they hold the verdict the tree is built from, and `hops[].explanation` is the tree itself.
 */
function refJson(cluster: Cluster, ref: RuleRef): RefJson {
  const cite = citeRule(cluster, ref);
  const o: RefJson = { policy: ref.policy, direction: ref.direction, rule: ref.rule, text: formatRuleCite(cite) };
  if (ref.peer !== undefined) o.peer = ref.peer;
  if (ref.port !== undefined) o.port = ref.port;
  if (cite.source) {
    o.file = cite.source.file;
    o.line = cite.source.line;
    o.column = cite.source.column;
  }
  return o;
}

function directionJson(cluster: Cluster, v: DirectionVerdict): Record<string, unknown> {
  const o: Record<string, unknown> = { direction: v.direction, allowed: v.allowed, isolated: v.isolated };
  if (v.bypass) o['bypass'] = v.bypass;
  o['selectedBy'] = v.selectedBy;
  o['allowedBy'] = v.allowedBy.map((r) => refJson(cluster, r));
  o['nearMisses'] = v.nearMisses.map((m) => ({ ...refJson(cluster, m.ref), failed: m.failed, reason: m.reason, why: m.why }));
  if (v.ignored) o['ignored'] = v.ignored.map((r) => refJson(cluster, r));
  if (v.tiers) o['tiers'] = v.tiers.map(tierStepJson);
  return o;
}

function hopJson(cluster: Cluster, h: Hop): Record<string, unknown> {
  const o: Record<string, unknown> = { purpose: h.purpose, from: h.from, to: h.to, port: h.port, protocol: h.protocol, allowed: h.verdict.allowed };
  if (h.verdict.always) o['always'] = h.verdict.always;
  o['egress'] = directionJson(cluster, h.verdict.egress);
  o['ingress'] = directionJson(cluster, h.verdict.ingress);
  // The engine's explanation tree, as the text answer renders it (docs/cli.md).
  const t = explainConnection(cluster, h);
  o['explanation'] = { egress: t.egress, ingress: t.ingress };
  return o;
}

export function checkJson(cluster: Cluster, r: CheckResult): Record<string, unknown> {
  const o: Record<string, unknown> = { verdict: r.verdict, partial: r.partial, summary: r.summary, from: r.from, to: r.to };
  if (r.port !== undefined) o['port'] = r.port;
  o['problems'] = r.problems;
  o['issues'] = r.issues;
  o['notes'] = r.notes;
  if (r.dns) o['dns'] = { needed: r.dns.needed, allowed: r.dns.allowed, assumed: r.dns.assumed, hops: r.dns.hops.map((h) => hopJson(cluster, h)) };
  if (r.service) o['service'] = r.service;
  o['hops'] = r.hops.map((h) => hopJson(cluster, h));
  o['rejectedPolicies'] = cluster.rejectedPolicies.map((p) => `${p.namespace}/${p.name}`);
  if (cluster.rejectedClusterPolicies.length > 0) o['rejectedClusterPolicies'] = cluster.rejectedClusterPolicies.map((p) => policyRefText(p.ref));
  return o;
}

// ---------------------------------------------------------------------------------------------
// Text: rendered from the engine's explanation tree (`explainConnection`); the words of steps, rule references and
// near misses are the engine's (`describeStep`, `formatRuleCite`, `describeMiss`), as on the page and in review.

/** What every line of the text answer shares. */
interface View {
  cluster: Cluster;
  c: Colors;
  rel: (file: string) => string;
  service?: CheckResult['service'];
  verbose: boolean;
  /** Policies already named with their place. */
  named: Set<string>;
}

/** ` at FILE:LINE`, the file named as this answer names files. */
const at = (view: View, loc: Location | undefined): string => (loc && loc.line > 0 ? ` at ${view.rel(loc.file)}:${loc.line}` : '');

/** The matched parts of a rule: `to[1] pods with app=db in namespace data; ports[0] 5432/TCP`. */
function matchedParts(policy: Policy | undefined, ref: RuleCite): string {
  if (!policy) return '';
  const rule = (ref.direction === 'ingress' ? policy.ingress : policy.egress)[ref.rule];
  if (!rule) return '';
  const field = ref.direction === 'ingress' ? 'from' : 'to';
  const peer = ref.peer !== undefined && rule.peers?.[ref.peer] ? `${field}[${ref.peer}]: ${describePeer(policy, rule.peers[ref.peer]!)}` : `any ${ref.direction === 'ingress' ? 'source' : 'destination'} (no ${field})`;
  const port = ref.port !== undefined && rule.ports?.[ref.port] ? `ports[${ref.port}]: ${describePortSpec(rule.ports[ref.port]!)}` : 'every port (no ports)';
  return `${peer}; ${port}`;
}

function directionLines(view: View, d: DirectionExplanation, indent: string): string[] {
  const c = view.c;
  const head = `${indent}${d.direction === 'egress' ? 'egress ' : 'ingress'} of ${d.endpoint}: `;
  const ok = (s: string) => (d.allowed ? c.green(s) : c.red(s));
  const verdict = ok(d.allowed ? 'allowed' : 'denied');
  if (d.bypass === 'not-a-pod') return [`${head}${verdict}: an address outside the cluster's pods has no policies`];
  if (d.bypass === 'host-network') return [`${head}${verdict}: it uses hostNetwork, and policies never select such pods`];
  const np = d.steps.find((s): s is NetworkPolicyStep => s.tier === 'NetworkPolicy');
  if (d.tiered) {
    // Cluster policies around NetworkPolicy: the walk first, then what each tier matched.
    const lines = [`${head}${verdict}: ${describeWalk(d)}`, ...tierDetailLines(view, d, `${indent}    `)];
    if (np && np.outcome !== 'not-isolated') {
      const [first, ...rest] = networkPolicyLines(view, d, np, `${indent}    `);
      lines.push(`${indent}    [NetworkPolicy] ${first}`, ...rest);
    }
    return lines;
  }
  if (!np || np.outcome === 'not-isolated') return [`${head}${verdict}: not isolated (no policy selects it with policyType ${d.direction === 'ingress' ? 'Ingress' : 'Egress'})`];
  const [first, ...rest] = networkPolicyLines(view, d, np, indent);
  return [`${head}${verdict}: ${first}`, ...rest];
}

/** `isolated by …`, then the rules that admit the connection, or (denied) the nearest misses and ignored rules. */
function networkPolicyLines(view: View, d: DirectionExplanation, np: NetworkPolicyStep, indent: string): string[] {
  const c = view.c;
  // Where each policy is written is said the first time the answer names it, not on every hop.
  const isolating = np.isolatedBy
    .map((p) => {
      const id = policyRefText(p.policy);
      return view.named.has(id) ? id : (view.named.add(id), `${id}${at(view, p.source)}`);
    })
    .join(', ');
  const lines = [`isolated by ${isolating}`];
  const sub = `${indent}    `;
  for (const ref of np.admittedBy) {
    lines.push(`${sub}${c.green('✓')} admitted by ${formatRuleCite(ref)}${at(view, ref.source)}`);
    lines.push(`${sub}    ${matchedParts(citedNetworkPolicy(view.cluster, ref), ref)}`);
  }
  if (np.outcome === 'deny') {
    if (np.nearMisses.length > 0) {
      lines.push(`${sub}no rule admits it; nearest ${np.nearMisses.length === 1 ? 'miss' : 'misses'}:`);
      for (const m of np.nearMisses) lines.push(...nearMissLines(view, m, sub));
    } else {
      lines.push(...unmatchedRules(view, d, np, sub));
    }
    for (const x of np.ignored) lines.push(...ignoredLines(view, x, d.direction, sub));
  }
  return lines;
}

/** A rule that would admit the connection, made ineffective by its policy's policyTypes. */
function ignoredLines(view: View, x: NetworkPolicyStep['ignored'][number], direction: string, indent: string): string[] {
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  return [
    `${indent}${view.c.yellow('!')} ${formatRuleCite(x.rule)}${at(view, x.rule.source)} would admit it, but is ignored:`,
    `${indent}    policyTypes [${x.policyTypes.join(', ')}] leaves out ${type}; add ${type} to spec.policyTypes to make the rule count`,
  ];
}

function nearMissLines(view: View, m: ExplainedMiss, indent: string): string[] {
  const lines = [`${indent}${view.c.yellow('~')} ${formatRuleCite(m.rule)}${at(view, m.rule.source)}: ${describeMissFailure(m)}`, `${indent}    ${describeMiss(m)}`];
  const note = servicePortNote(view, citedNetworkPolicy(view.cluster, m.rule), m);
  if (note) lines.push(`${indent}    ${note}`);
  return lines;
}

/** The commonest port mistake: the rule names the Service's port, and the pods receive on its target port. */
function servicePortNote(view: View, policy: Policy | undefined, m: ExplainedMiss): string | undefined {
  const s = view.service;
  if (!s || m.failed !== 'port' || !policy || s.targetPort === s.port) return undefined;
  const rule = (m.rule.direction === 'ingress' ? policy.ingress : policy.egress)[m.rule.rule];
  if (!rule?.ports?.some((x) => x.port === s.port && x.protocol === s.protocol)) return undefined;
  return `${s.port}/${s.protocol} is the port of Service ${s.namespace}/${s.name}, which sends it to target port ${s.targetPort}: policies see the target port`;
}

/** No near miss: every rule of the isolating policies misses on both peer and port, or there are no rules at all. */
function unmatchedRules(view: View, d: DirectionExplanation, np: NetworkPolicyStep, indent: string): string[] {
  const c = view.c;
  const lines: string[] = [];
  const LIMIT = 8;
  let shown = 0;
  let hidden = 0;
  const empty = new Set(np.withoutRules.map((p) => policyRefText(p.policy)));
  for (const cite of np.isolatedBy) {
    const id = policyRefText(cite.policy);
    const p = citedNetworkPolicy(view.cluster, cite);
    if (!p) continue;
    if (empty.has(id)) {
      lines.push(`${indent}${c.red('✗')} ${id} has no ${d.direction} rules: it allows nothing`);
      continue;
    }
    for (const rule of d.direction === 'ingress' ? p.ingress : p.egress) {
      if (shown >= LIMIT) {
        hidden++;
        continue;
      }
      shown++;
      const ref: RuleCite = { policy: cite.policy, direction: rule.direction, rule: rule.index };
      lines.push(`${indent}${c.red('✗')} ${formatRuleCite(ref)}${at(view, locateRule(p, { direction: rule.direction, rule: rule.index }))} matches neither peer nor port: ${describeRule(p, rule)}`);
    }
  }
  if (hidden > 0) lines.push(`${indent}  … and ${hidden} more rules (see -o json or kordon explain)`);
  return lines;
}

function hopLines(view: View, h: Hop, indent: string): string[] {
  const c = view.c;
  const t = explainConnection(view.cluster, h);
  const verdict = t.allowed ? c.green('allowed') : c.red('denied');
  const lines = [`${indent}${c.bold(`${t.from} → ${t.to} ${t.port}/${t.protocol}`)}: ${verdict}`];
  if (t.always === 'same-pod') lines.push(`${indent}    always allowed: a pod can always reach itself`);
  else if (t.always === 'own-node') lines.push(`${indent}    always allowed: traffic between a pod and its own node is never filtered`);
  lines.push(...directionLines(view, t.egress, `${indent}  `));
  lines.push(...directionLines(view, t.ingress, `${indent}  `));
  return lines;
}

/** Many pods times many endpoints would bury the answer: show the denied connections first, a few of each kind. */
export const HOP_LIMIT = 12;

function shownHops(hops: readonly Hop[]): Hop[] {
  if (hops.length <= HOP_LIMIT) return [...hops];
  const denied = hops.filter((h) => !h.verdict.allowed).slice(0, HOP_LIMIT - 2);
  const allowed = hops.filter((h) => h.verdict.allowed).slice(0, HOP_LIMIT - denied.length);
  const keep = new Set([...denied, ...allowed]);
  return hops.filter((h) => keep.has(h));
}

export function renderCheck(cluster: Cluster, r: CheckResult, c: Colors, options: { verbose?: boolean; rel?: (file: string) => string } = {}): string {
  const view: View = { cluster, c, rel: options.rel ?? ((f) => f), verbose: options.verbose === true, named: new Set(), ...(r.service ? { service: r.service } : {}) };
  const lines: string[] = [];
  const badge = r.verdict === 'allowed' ? c.green(c.bold('ALLOWED')) : c.red(c.bold(r.partial ? 'DENIED (partly)' : 'DENIED'));
  lines.push(`${badge}  ${r.summary}`);
  for (const p of r.problems) lines.push(`  ${c.red('problem:')} ${p}`);
  if (r.dns) {
    lines.push('');
    const state = !r.dns.needed ? 'not restricted' : r.dns.allowed ? c.green('allowed') : c.red('blocked');
    // An allowed lookup is one line (the rule that lets it out); -v walks every hop, as does a blocked lookup.
    const walk = !r.dns.allowed || (r.dns.needed && view.verbose);
    const by = r.dns.needed && r.dns.allowed && !walk ? dnsAllowedBy(cluster, r.dns.hops) : '';
    lines.push(`${c.bold('DNS lookup')} of ${r.to} from ${r.from}: ${state}${r.dns.needed ? by : ': the client is not isolated for egress'}`);
    if (walk) {
      const shown = shownHops(r.dns.hops);
      for (const h of shown) lines.push(...hopLines(view, h, '  '));
      if (shown.length < r.dns.hops.length) lines.push(`  … ${r.dns.hops.length - shown.length} more lookups alike (-o json lists every one)`);
    }
  }
  if (r.service) {
    const s = r.service;
    const tp = typeof s.targetPort === 'number' ? `${s.targetPort}` : `${s.targetPort} (a named container port)`;
    lines.push('');
    lines.push(`${c.bold('Service')} ${s.namespace}/${s.name} port ${s.port}/${s.protocol} → target port ${tp} on ${s.endpoints.length === 1 ? '1 endpoint' : `${s.endpoints.length} endpoints`}${s.endpoints.length ? `: ${s.endpoints.join(', ')}` : ''}`);
  }
  if (r.hops.length > 0) {
    lines.push('');
    const allowed = r.hops.filter((h) => h.verdict.allowed).length;
    lines.push(c.bold(r.hops.length === 1 ? 'Connection' : `Connections: ${allowed} of ${r.hops.length} allowed`));
    const shown = shownHops(r.hops);
    for (const h of shown) lines.push(...hopLines(view, h, '  '));
    if (shown.length < r.hops.length) lines.push(`  … ${r.hops.length - shown.length} more connections alike (-o json lists every one)`);
  }
  const notes = [...r.notes];
  if (cluster.rejectedPolicies.length > 0) notes.push(rejectedSentence(cluster, view.rel));
  if (notes.length) {
    lines.push('');
    for (const n of notes) lines.push(...wrap(`note: ${n}`, WIDTH, '      ').map((l, i) => (i === 0 ? `${c.dim('note:')}${l.slice(5)}` : l)));
  }
  return `${lines.join('\n')}\n`;
}

/** ` by ns/pol egress rule 1`: the rules that let the lookups out (a NetworkPolicy rule, or a cluster policy's Accept), each once. */
function dnsAllowedBy(cluster: Cluster, hops: readonly Hop[]): string {
  const refs = new Set<string>();
  for (const h of hops) {
    if (!h.verdict.allowed) continue;
    for (const s of explainConnection(cluster, h).egress.steps) {
      if (s.tier === 'NetworkPolicy') for (const ref of s.admittedBy) refs.add(formatRuleCite(ref, false));
      else if (s.outcome === 'accept' && s.decidedBy) refs.add(formatRuleCite(s.decidedBy, false));
    }
  }
  const list = [...refs];
  return list.length ? ` by ${list.length > 2 ? `${list.slice(0, 2).join(', ')} and ${list.length - 2} more` : list.join(', ')} (-v: every hop)` : '';
}

/** The lines under the walk: each cluster policy step with its rule and place, ties, and (when denied) nearest misses. */
function tierDetailLines(view: View, d: DirectionExplanation, indent: string): string[] {
  const c = view.c;
  const lines: string[] = [];
  for (const step of d.steps) {
    if (step.tier === 'NetworkPolicy' || !step.decidedBy) continue;
    const cite = step.decidedBy;
    const p = citedClusterPolicy(view.cluster, cite);
    const rule = p ? (cite.direction === 'ingress' ? p.ingress : p.egress)[cite.rule] : undefined;
    const mark = step.outcome === 'accept' ? c.green('✓') : step.outcome === 'deny' ? c.red('✗') : c.dim('→');
    lines.push(`${indent}${mark} ${describeStep(step)}${at(view, cite.source)}${rule ? `: ${describeTierRule(rule)}` : ''}`);
    if (step.ambiguousWith.length > 0) {
      lines.push(`${indent}    ${c.yellow('!')} ambiguous: ${step.ambiguousWith.map(policyRefText).join(', ')} ${step.ambiguousWith.length === 1 ? 'has' : 'have'} the same priority (${cite.priority ?? '?'}) and would decide otherwise; the API leaves their order undefined (kordon orders them by name)`);
    }
  }
  if (!d.allowed) {
    const misses = d.steps.flatMap((s) => (s.tier === 'NetworkPolicy' ? [] : s.nearMisses));
    if (misses.length > 0) {
      lines.push(`${indent}nearest ${misses.length === 1 ? 'miss' : 'misses'} among the cluster policies:`);
      for (const m of misses.slice(0, 6)) {
        const action = m.tier === 'NetworkPolicy' ? '' : ` (${m.action})`;
        lines.push(`${indent}${c.yellow('~')} [${m.tier}] ${formatRuleCite(m.rule)}${action}${at(view, m.rule.source)}: ${describeMissFailure(m)}`);
        lines.push(`${indent}    ${describeMiss(m)}`);
      }
      if (misses.length > 6) lines.push(`${indent}  … and ${misses.length - 6} more (see -o json)`);
    }
  }
  return lines;
}

/** The text answer fits a 120-column terminal or review comment. */
const WIDTH = 120;

/** Words folded at `width`, continuation lines indented. */
function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = indent + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}
