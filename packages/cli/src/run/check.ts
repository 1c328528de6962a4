import {
  checkConnection,
  describePeer,
  describePortSpec,
  describeRule,
  describeRuleRef,
  parsePortProto,
  policyRefText,
  resolveName,
  serviceNetworkNote,
  type CheckResult,
  type Cluster,
  type DirectionVerdict,
  type Hop,
  type Location,
  type NearMiss,
  type Policy,
  type RuleRef,
} from '@kordon/engine';
import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { CheckOptions } from '../commands/check.js';
import { colorsFor, UsageError, type CliContext, type Colors } from '../io.js';
import { TierPolicies, tierDetailLines, tierStepJson, tierWalk } from './tiers.js';
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

function refJson(policies: Map<string, Policy>, ref: RuleRef): RefJson {
  const o: RefJson = { policy: ref.policy, direction: ref.direction, rule: ref.rule, text: describeRuleRef(ref) };
  if (ref.peer !== undefined) o.peer = ref.peer;
  if (ref.port !== undefined) o.port = ref.port;
  const loc = ruleLocation(policies.get(ref.policy), ref);
  if (loc) {
    o.file = loc.file;
    o.line = loc.line;
    o.column = loc.column;
  }
  return o;
}

function directionJson(policies: Map<string, Policy>, v: DirectionVerdict): Record<string, unknown> {
  const o: Record<string, unknown> = { direction: v.direction, allowed: v.allowed, isolated: v.isolated };
  if (v.bypass) o['bypass'] = v.bypass;
  o['selectedBy'] = v.selectedBy;
  o['allowedBy'] = v.allowedBy.map((r) => refJson(policies, r));
  o['nearMisses'] = v.nearMisses.map((m) => ({ ...refJson(policies, m.ref), failed: m.failed, reason: m.reason, why: m.why }));
  if (v.ignored) o['ignored'] = v.ignored.map((r) => refJson(policies, r));
  if (v.tiers) o['tiers'] = v.tiers.map(tierStepJson);
  return o;
}

function hopJson(policies: Map<string, Policy>, h: Hop): Record<string, unknown> {
  const o: Record<string, unknown> = { purpose: h.purpose, from: h.from, to: h.to, port: h.port, protocol: h.protocol, allowed: h.verdict.allowed };
  if (h.verdict.always) o['always'] = h.verdict.always;
  o['egress'] = directionJson(policies, h.verdict.egress);
  o['ingress'] = directionJson(policies, h.verdict.ingress);
  return o;
}

export function checkJson(cluster: Cluster, r: CheckResult): Record<string, unknown> {
  const policies = new Map(cluster.policies.map((p) => [p.id, p]));
  const o: Record<string, unknown> = { verdict: r.verdict, partial: r.partial, summary: r.summary, from: r.from, to: r.to };
  if (r.port !== undefined) o['port'] = r.port;
  o['problems'] = r.problems;
  o['issues'] = r.issues;
  o['notes'] = r.notes;
  if (r.dns) o['dns'] = { needed: r.dns.needed, allowed: r.dns.allowed, assumed: r.dns.assumed, hops: r.dns.hops.map((h) => hopJson(policies, h)) };
  if (r.service) o['service'] = r.service;
  o['hops'] = r.hops.map((h) => hopJson(policies, h));
  o['rejectedPolicies'] = cluster.rejectedPolicies.map((p) => `${p.namespace}/${p.name}`);
  if (cluster.rejectedClusterPolicies.length > 0) o['rejectedClusterPolicies'] = cluster.rejectedClusterPolicies.map((p) => policyRefText(p.ref));
  return o;
}

// ---------------------------------------------------------------------------------------------
// Text

function ruleLocation(policy: Policy | undefined, ref: Pick<RuleRef, 'direction' | 'rule'>): Location | undefined {
  if (!policy) return undefined;
  return policy.locate ? policy.locate(['spec', ref.direction, ref.rule]) : policy.source;
}

/** What every line of the text answer shares. */
interface View {
  policies: Map<string, Policy>;
  c: Colors;
  rel: (file: string) => string;
  service?: CheckResult['service'];
  verbose: boolean;
  /** Policies already named with their place. */
  named: Set<string>;
  /** The cluster policies, when the input has any. */
  tiers?: TierPolicies;
}

/** ` at FILE:LINE`, the file named as this answer names files. */
const at = (view: View, loc: Location | undefined): string => (loc && loc.line > 0 ? ` at ${view.rel(loc.file)}:${loc.line}` : '');

/** The matched parts of a rule: `to[1] pods with app=db in namespace data; ports[0] 5432/TCP`. */
function matchedParts(policy: Policy | undefined, ref: RuleRef): string {
  if (!policy) return '';
  const rule = (ref.direction === 'ingress' ? policy.ingress : policy.egress)[ref.rule];
  if (!rule) return '';
  const field = ref.direction === 'ingress' ? 'from' : 'to';
  const peer = ref.peer !== undefined && rule.peers?.[ref.peer] ? `${field}[${ref.peer}]: ${describePeer(policy, rule.peers[ref.peer]!)}` : `any ${ref.direction === 'ingress' ? 'source' : 'destination'} (no ${field})`;
  const port = ref.port !== undefined && rule.ports?.[ref.port] ? `ports[${ref.port}]: ${describePortSpec(rule.ports[ref.port]!)}` : 'every port (no ports)';
  return `${peer}; ${port}`;
}

function directionLines(view: View, v: DirectionVerdict, who: string, indent: string): string[] {
  const { policies, c } = view;
  const head = `${indent}${v.direction === 'egress' ? 'egress ' : 'ingress'} of ${who}: `;
  const ok = (s: string) => (v.allowed ? c.green(s) : c.red(s));
  if (v.tiers && view.tiers) {
    // Cluster policies around NetworkPolicy: the walk first, then what each tier matched.
    const lines = [`${head}${ok(v.allowed ? 'allowed' : 'denied')}: ${tierWalk(v)}`, ...tierDetailLines(view.tiers, v, c, `${indent}    `)];
    if (v.tiers.some((s) => s.tier === 'NetworkPolicy' && s.outcome !== 'not-isolated')) {
      const [first = '', ...rest] = directionLines(view, { ...v, tiers: undefined } as DirectionVerdict, who, `${indent}    `);
      lines.push(`${indent}    [NetworkPolicy] ${first.slice(first.indexOf('isolated by'))}`, ...rest);
    }
    return lines;
  }
  switch (v.bypass) {
    case 'not-a-pod':
      return [`${head}${ok('allowed')}: an address outside the cluster's pods has no policies`];
    case 'host-network':
      return [`${head}${ok('allowed')}: it uses hostNetwork, and policies never select such pods`];
    case 'not-isolated':
      return [`${head}${ok('allowed')}: not isolated (no policy selects it with policyType ${v.direction === 'ingress' ? 'Ingress' : 'Egress'})`];
    default:
      break;
  }
  const lines: string[] = [];
  // Where each policy is written is said the first time the answer names it, not on every hop.
  const isolating = v.selectedBy.map((id) => (view.named.has(id) ? id : (view.named.add(id), `${id}${at(view, policies.get(id)?.source)}`))).join(', ');
  lines.push(`${head}${ok(v.allowed ? 'allowed' : 'denied')}: isolated by ${isolating}`);
  const sub = `${indent}    `;
  for (const ref of v.allowedBy) {
    const p = policies.get(ref.policy);
    lines.push(`${sub}${c.green('✓')} admitted by ${describeRuleRef(ref)}${at(view, ruleLocation(p, ref))}`);
    lines.push(`${sub}    ${matchedParts(p, ref)}`);
  }
  if (!v.allowed) {
    if (v.nearMisses.length > 0) {
      lines.push(`${sub}no rule admits it; nearest ${v.nearMisses.length === 1 ? 'miss' : 'misses'}:`);
      for (const m of v.nearMisses) lines.push(...nearMissLines(view, m, sub));
    } else {
      lines.push(...unmatchedRules(view, v, sub));
    }
    for (const ref of v.ignored ?? []) lines.push(...ignoredLines(view, ref, v.direction, sub));
  }
  return lines;
}

/** A rule that would admit the connection, made ineffective by its policy's policyTypes. */
function ignoredLines(view: View, ref: RuleRef, direction: string, indent: string): string[] {
  const p = view.policies.get(ref.policy);
  const types = p ? [p.ingressIsolation ? 'Ingress' : '', p.egressIsolation ? 'Egress' : ''].filter(Boolean).join(', ') : '';
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  return [
    `${indent}${view.c.yellow('!')} ${describeRuleRef(ref)}${at(view, ruleLocation(p, ref))} would admit it, but is ignored:`,
    `${indent}    policyTypes [${types}] leaves out ${type}; add ${type} to spec.policyTypes to make the rule count`,
  ];
}

function nearMissLines(view: View, m: NearMiss, indent: string): string[] {
  const p = view.policies.get(m.ref.policy);
  const what = m.failed === 'port' ? 'the peer matches but the port does not' : 'the port matches but the peer does not';
  const lines = [`${indent}${view.c.yellow('~')} ${describeRuleRef(m.ref)}${at(view, ruleLocation(p, m.ref))}: ${what}`, `${indent}    ${m.reason}`];
  const note = servicePortNote(view, p, m);
  if (note) lines.push(`${indent}    ${note}`);
  return lines;
}

/** The commonest port mistake: the rule names the Service's port, and the pods receive on its target port. */
function servicePortNote(view: View, policy: Policy | undefined, m: NearMiss): string | undefined {
  const s = view.service;
  if (!s || m.failed !== 'port' || !policy || s.targetPort === s.port) return undefined;
  const rule = (m.ref.direction === 'ingress' ? policy.ingress : policy.egress)[m.ref.rule];
  if (!rule?.ports?.some((x) => x.port === s.port && x.protocol === s.protocol)) return undefined;
  return `${s.port}/${s.protocol} is the port of Service ${s.namespace}/${s.name}, which sends it to target port ${s.targetPort}: policies see the target port`;
}

/** No near miss: every rule of the isolating policies misses on both peer and port, or there are no rules at all. */
function unmatchedRules(view: View, v: DirectionVerdict, indent: string): string[] {
  const { policies, c } = view;
  const lines: string[] = [];
  const LIMIT = 8;
  let shown = 0;
  let hidden = 0;
  for (const id of v.selectedBy) {
    const p = policies.get(id);
    if (!p) continue;
    const rules = v.direction === 'ingress' ? p.ingress : p.egress;
    if (rules.length === 0) {
      lines.push(`${indent}${c.red('✗')} ${id} has no ${v.direction} rules: it allows nothing`);
      continue;
    }
    for (const rule of rules) {
      if (shown >= LIMIT) {
        hidden++;
        continue;
      }
      shown++;
      lines.push(`${indent}${c.red('✗')} ${id} ${v.direction} rule ${rule.index}${at(view, ruleLocation(p, { direction: rule.direction, rule: rule.index }))} matches neither peer nor port: ${describeRule(p, rule)}`);
    }
  }
  if (hidden > 0) lines.push(`${indent}  … and ${hidden} more rules (see -o json or kordon explain)`);
  return lines;
}

function hopLines(view: View, h: Hop, indent: string): string[] {
  const c = view.c;
  const verdict = h.verdict.allowed ? c.green('allowed') : c.red('denied');
  const lines = [`${indent}${c.bold(`${h.from} → ${h.to} ${h.port}/${h.protocol}`)}: ${verdict}`];
  if (h.verdict.always === 'same-pod') lines.push(`${indent}    always allowed: a pod can always reach itself`);
  else if (h.verdict.always === 'own-node') lines.push(`${indent}    always allowed: traffic between a pod and its own node is never filtered`);
  lines.push(...directionLines(view, h.verdict.egress, h.from, `${indent}  `));
  lines.push(...directionLines(view, h.verdict.ingress, h.to, `${indent}  `));
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
  const policies = new Map(cluster.policies.map((p) => [p.id, p]));
  const view: View = { policies, c, rel: options.rel ?? ((f) => f), verbose: options.verbose === true, named: new Set(), ...(cluster.clusterPolicies.length > 0 ? { tiers: new TierPolicies(cluster) } : {}), ...(r.service ? { service: r.service } : {}) };
  const lines: string[] = [];
  const badge = r.verdict === 'allowed' ? c.green(c.bold('ALLOWED')) : c.red(c.bold(r.partial ? 'DENIED (partly)' : 'DENIED'));
  lines.push(`${badge}  ${r.summary}`);
  for (const p of r.problems) lines.push(`  ${c.red('problem:')} ${p}`);
  if (r.dns) {
    lines.push('');
    const state = !r.dns.needed ? 'not restricted' : r.dns.allowed ? c.green('allowed') : c.red('blocked');
    // An allowed lookup is one line (the rule that lets it out); -v walks every hop, as does a blocked lookup.
    const walk = !r.dns.allowed || (r.dns.needed && view.verbose);
    const by = r.dns.needed && r.dns.allowed && !walk ? dnsAllowedBy(r.dns.hops) : '';
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

/** ` by ns/pol egress rule 1`: the rules that let the lookups out, each once. */
function dnsAllowedBy(hops: readonly Hop[]): string {
  const refs = new Set<string>();
  for (const h of hops) if (h.verdict.allowed) for (const ref of h.verdict.egress.allowedBy) refs.add(`${ref.policy} egress rule ${ref.rule}`);
  const list = [...refs];
  return list.length ? ` by ${list.length > 2 ? `${list.slice(0, 2).join(', ')} and ${list.length - 2} more` : list.join(', ')} (-v: every hop)` : '';
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
