import { buildCluster, clusterModel, evaluate, loadSources, type Cluster, type Diagnostic, type Direction, type Endpoint, type LoadedObject, type Pod, type Policy, type Protocol } from '@kordon/engine';
import { stringify } from 'yaml';
import { diffClusters, type DiffReport, type FlowChange } from '../diff/diff.js';
import { runExpectations, type TestReport } from '../expect/run.js';
import { lint } from '../lint/lint.js';
import type { Finding } from '../types.js';
import { assumedDnsNamespace, DEFAULT_GENERATE_OPTIONS, GENERATED_PREFIX, type GenerateInput, type GenerateOptions, type GeneratedFile } from './generate.js';
import { guardrailFile } from './guardrails.js';
import { flatten, narrowings, type Narrowing } from './narrow.js';
import { plan, type PlannedPolicy } from './plan.js';
import type { FlowCheck } from './proof.js';
import { endKey, needKey, requirements, type End, type Need } from './required.js';
import { renderPolicy, ruleData } from './render.js';
import { buildUnits, type Unit } from './units.js';

type Data = Record<string, unknown>;

/** Rules appended to a policy of the input that already selects exactly the workload for that direction. */
export interface Extension {
  policy: string;
  direction: Direction;
  rules: number;
  /** The workload it was written for, and where the connections come from. */
  text: string;
}

export interface ChangeProof {
  allowed: FlowCheck;
  denied: FlowCheck;
  expectations: TestReport;
  validation: Diagnostic[];
  /** Lint findings the change brings (findings the input's policies had already are not counted). */
  lint: Finding[];
  /** New findings in changed policies that had warnings before the change: the input's flaws, said apart. */
  lintInherited: Finding[];
  holds: boolean;
}

export interface ChangeResult {
  /** New policies, for workloads no policy of the input selects exactly. */
  added: PlannedPolicy[];
  extended: Extension[];
  narrowed: Narrowing[];
  /** Per namespace, the new policies and the changed ones in full, ready for `kubectl apply -f`. */
  files: GeneratedFile[];
  /** The same, one policy each, with the place in the input a changed one replaces. */
  documents: ChangeDocument[];
  /** What the change does to connectivity, as `kordon diff` reports it. */
  diff: DiffReport;
  /** Changed flows of the diff that were not asked for: what the change opens (or closes) besides. */
  besides: FlowChange[];
  inputs: { connections: number; denied: number; alreadyAllowed: number; alreadyDenied: number };
  notes: string[];
  problems: string[];
  proof: ChangeProof;
  before: Cluster;
  after: Cluster;
}

const wl = (p: Pod): string => (p.owner ? `${p.namespace}/${p.owner.name}` : `${p.namespace}/${p.name}`);

/**
 * The smallest change to the input's own NetworkPolicies that allows every connection asked for (rules added: to a
 * policy that selects exactly the workload, else in a new policy) and denies every connection an expectation says
 * must be denied (the admitting peers narrowed), proven with the engine and shown as `kordon diff` shows a change.
 */
export function proposeChange(input: GenerateInput): ChangeResult {
  const options: GenerateOptions = { ...DEFAULT_GENERATE_OPTIONS, ...input.options };
  const buildOpts = options.dns ? { dns: options.dns } : {};
  const baseObjects = input.objects.filter((o) => o.kind !== 'NetworkPolicy');
  const base = buildCluster(baseObjects, buildOpts).cluster;
  const assumed = assumedDnsNamespace(base);
  const before = buildCluster([...input.objects, ...assumed], buildOpts).cluster;
  const { units, unitOf } = buildUnits(base.pods);
  const req = requirements(base, input.expectations, input.flows.flatMap((f) => f.flows));
  const beforePod = new Map(before.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const basePod = new Map(base.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const endpointIn = (pods: ReadonlyMap<string, Pod>) => (e: End): Endpoint | undefined => {
    if (e.kind === 'ip') return e;
    const p = pods.get(endKey(e));
    return p ? { kind: 'pod', pod: p } : undefined;
  };
  const inBefore = endpointIn(beforePod);

  const dns = { namespace: base.dns.namespace, selector: { ...base.dns.selector } };
  const taken = new Set(before.policies.map((p) => p.id));
  const npObject = (id: string) => input.objects.find((o) => o.kind === 'NetworkPolicy' && `${o.namespace ?? 'default'}/${o.name}` === id);

  // First what must close: the admitting peers narrowed, or the end that no policy isolates isolated.
  // A name lookup an expectation closes is a connection to the DNS pods that must be denied.
  const dnsDeny: Need[] = [...req.dnsDenied].flatMap(([pod, protos]) => req.dnsPods.flatMap((d) => [...protos].map((protocol) => ({ src: { kind: 'pod' as const, pod }, dst: { kind: 'pod' as const, pod: d }, port: 53, protocol, origins: [`an expectation keeps ${endKey({ kind: 'pod', pod })} from the DNS`], count: 1 }))));
  const narrowed = narrowings(before, [...req.deny, ...dnsDeny], endpointIn(beforePod), unitOf, (p) => basePod.get(`${p.namespace}/${p.name}`));
  const raws = new Map<string, Data>();
  const rawOf = (id: string): Data | undefined => {
    if (!raws.has(id)) {
      const o = npObject(id);
      if (o) raws.set(id, applicable(o.raw));
    }
    return raws.get(id);
  };
  for (const n of narrowed.narrowings) {
    const raw = rawOf(n.policy);
    if (raw) n.apply(raw);
  }
  for (const raw of raws.values()) flatten(raw);
  const isolations = isolationsFor(narrowed.unisolated, unitOf, base, taken);
  const mid = buildCluster([...replaced(input.objects, raws), ...assumed, ...loadSources(changeFiles(input.objects, isolations, raws, [], [], dns).files).objects], buildOpts).cluster;

  // Then what must open, against the policies with those changes: the sides that deny an asked connection.
  const midPod = new Map(mid.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const inMid = endpointIn(midPod);
  const missing: Need[] = [];
  let alreadyAllowed = 0;
  const sidesOf = (n: { src: End; dst: End; port: number; protocol: Protocol }): Set<Direction> | undefined => {
    const from = inMid(n.src);
    const to = inMid(n.dst);
    if (!from || !to) return undefined;
    const v = evaluate(mid, { from, to, port: n.port, protocol: n.protocol });
    if (v.allowed) return undefined;
    return new Set((['egress', 'ingress'] as const).filter((d) => !v[d].allowed));
  };
  for (const n of req.allow) {
    const sides = sidesOf(n);
    if (sides) missing.push({ ...n, sides });
    else alreadyAllowed++;
  }
  // Pods that look Service names up, and pods whose egress the change isolates, need the DNS: a rule opens it.
  const dnsPod = req.dnsPods[0];
  const asked = new Set(req.allow.map(needKey));
  const lookups = new Set([...req.dnsNeeded, ...isolations.filter((p) => p.direction === 'egress').flatMap((p) => p.unit!.pods)]);
  for (const pod of dnsPod ? lookups : []) {
    for (const protocol of ['UDP', 'TCP'] as const) {
      const n = { src: { kind: 'pod' as const, pod }, dst: { kind: 'pod' as const, pod: dnsPod! }, port: 53, protocol };
      if (asked.has(needKey(n)) || req.dnsDenied.get(pod)?.has(protocol)) continue;
      const sides = sidesOf(n);
      if (sides) missing.push({ ...n, sides, origins: [`${unitOf.get(pod)?.title ?? endKey(n.src)} looks up Service names`], count: 1 });
    }
  }

  const planned = plan(base, units, unitOf, { ...req, allow: missing, dnsNeeded: new Set() }, { ...options, systemNamespaces: true, namespacePolicies: false, taken: new Set([...taken, ...isolations.map((p) => `${p.namespace}/${p.name}`)]) });
  const added: PlannedPolicy[] = [...isolations];
  const extended: Extension[] = [];
  for (const p of planned.policies) {
    const dir = p.direction!;
    const rules = dir === 'ingress' ? p.ingress : p.egress;
    const isolation = isolations.find((x) => x.unit === p.unit && x.direction === dir);
    if (isolation) {
      (dir === 'ingress' ? isolation.ingress : isolation.egress).push(...rules);
      isolation.comment.push(...p.comment);
      continue;
    }
    const target = p.unit ? selectingExactly(mid, p.unit, dir) : undefined;
    const raw = target ? rawOf(target.id) : undefined;
    if (!target || !raw) {
      added.push(p);
      continue;
    }
    extended.push({ policy: target.id, direction: dir, rules: rules.length, text: p.comment[0] ?? '' });
    const spec = raw['spec'] as Data;
    spec[dir] = [...((spec[dir] as Data[] | undefined) ?? []), ...rules.map((r) => ruleData(r, dir === 'ingress' ? 'from' : 'to', p.namespace, dns))];
  }

  const { files, documents } = changeFiles(input.objects, added, raws, extended, narrowed.narrowings, dns);
  const guard = guardrailFile(base, options.guardrails ?? [], req.allow, unitOf);
  if (guard.file) {
    files.push({ ...guard.file, name: `${GENERATED_PREFIX}${guard.file.name}` });
    for (const text of guard.file.text.split(/^---\n/m)) documents.push({ policy: /\bname: (\S+)/.exec(text)?.[1] ?? 'guardrail', namespace: '', change: 'added', text });
  }
  const generated = loadSources(files);
  const built = buildCluster([...replaced(input.objects, raws), ...generated.objects, ...assumed], buildOpts);
  const after = built.cluster;
  const isGenerated = (file: string | undefined) => file !== undefined && file.startsWith(GENERATED_PREFIX);
  const validation = [...generated.diagnostics, ...built.diagnostics].filter((d) => isGenerated(d.file) && d.severity !== 'info');
  // Findings the input had already (rule indexes may have moved) are not the change's; nor is a DNS an expectation closes.
  const findingKey = (f: Finding) => `${f.rule}\u0000${f.message.replace(/\[\d+\]/g, '[]')}`;
  const beforeFindings = lint(before).findings.filter((f) => f.severity !== 'info');
  const had = new Set(beforeFindings.map(findingKey));
  // A changed policy that had warnings keeps them: they are the input's, said apart.
  // So does one that admitted every peer (a rule without peers): what the narrowed rule lists is narrower than it was.
  const wide = new Set(narrowed.narrowings.filter((n) => n.action === 'list-peers').map((n) => n.policy));
  const beforeDocs = documentRanges(before);
  const flawed = new Set(before.policies.filter((p) => raws.has(p.id) && (wide.has(p.id) || beforeFindings.some((f) => f.location?.file === p.source?.file && within(beforeDocs, p, f)))).map((p) => p.id));
  const afterDocs = documentRanges(after);
  const flawedAfter = after.policies.filter((p) => flawed.has(p.id));
  const dnsKept = [...req.dnsDenied.keys()].map((p) => `${p.namespace}/${p.name} `);
  const askedDns = (f: Finding) => f.rule === 'dns-blocked' && dnsKept.some((p) => f.message.startsWith(p));
  const changedFindings = lint(after).findings.filter((f) => isGenerated(f.location?.file) && f.severity !== 'info' && !had.has(findingKey(f)) && !askedDns(f));
  // A pod the input already kept from the DNS still is: the change did not close it (its message names new policies).
  const dnsBefore = (f: Finding): boolean => {
    const name = /^(\S+?\/\S+?)[,\s]/.exec(f.message)?.[1];
    const pod = name === undefined ? undefined : beforePod.get(name);
    const dnsTarget = req.dnsPods[0] ? beforePod.get(`${req.dnsPods[0].namespace}/${req.dnsPods[0].name}`) : undefined;
    return pod !== undefined && dnsTarget !== undefined && !evaluate(before, { from: { kind: 'pod', pod }, to: { kind: 'pod', pod: dnsTarget }, port: 53, protocol: 'UDP' }).egress.allowed;
  };
  const inFlawed = (f: Finding) => (f.rule === 'dns-blocked' && dnsBefore(f)) || flawedAfter.some((p) => p.source?.file === f.location?.file && within(afterDocs, p, f));
  const lintFindings = changedFindings.filter((f) => !inFlawed(f));
  const lintInherited = changedFindings.filter(inFlawed);

  const afterPod = new Map(after.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const inAfter = endpointIn(afterPod);
  const check = (needs: readonly Need[], want: boolean): FlowCheck => {
    const failures: FlowCheck['failures'] = [];
    for (const n of needs) {
      const from = inAfter(n.src);
      const to = inAfter(n.dst);
      if (!from || !to) continue;
      const v = evaluate(after, { from, to, port: n.port, protocol: n.protocol });
      if (v.allowed === want) continue;
      const why = (['egress', 'ingress'] as const).map((d) => v[d]).filter((d) => d.allowed !== want).map((d) => (want ? `${d.direction} denied (isolated by ${d.selectedBy.join(', ')})` : `${d.direction} allowed by ${d.allowedBy.map((r) => `${r.policy} spec.${r.direction}[${r.rule}]`).join(', ') || d.bypass || 'no policy'}`));
      failures.push({ flow: `${endKey(n.src)} -> ${endKey(n.dst)} ${n.port}/${n.protocol}`, origins: n.origins, reason: why.join('; ') });
    }
    return { total: needs.length, failures };
  };
  const allowed = check(req.allow, true);
  const denied = check(req.deny, false);
  const alreadyDenied = req.deny.filter((n) => {
    const from = inBefore(n.src);
    const to = inBefore(n.dst);
    return from && to && !evaluate(before, { from, to, port: n.port, protocol: n.protocol }).allowed;
  }).length;
  const expectations = runExpectations(after, input.expectations);
  const diff = diffClusters(before, after);
  const holds = allowed.failures.length === 0 && denied.failures.length === 0 && expectations.failed === 0 && validation.length === 0 && lintFindings.length === 0;
  return {
    added,
    extended,
    narrowed: narrowed.narrowings,
    files,
    documents,
    diff,
    besides: besidesAsked(diff, [...req.allow, ...missing], req.deny),
    inputs: { connections: req.allow.length, denied: req.deny.length, alreadyAllowed, alreadyDenied },
    notes: [...guard.notes, ...input.flows.flatMap((f) => f.notes.map((x) => `${f.file}: ${x}`)), ...req.notes, ...planned.notes, ...narrowed.notes],
    problems: req.problems,
    proof: { allowed, denied, expectations, validation, lint: lintFindings, lintInherited, holds },
    before,
    after,
  };
}

/** Where each policy's document ends: the line the next policy of its file starts on. */
function documentRanges(cluster: Cluster): Map<Policy, number> {
  const byFile = new Map<string, Policy[]>();
  for (const p of cluster.policies) {
    if (!p.source) continue;
    const list = byFile.get(p.source.file);
    if (list) list.push(p);
    else byFile.set(p.source.file, [p]);
  }
  const end = new Map<Policy, number>();
  for (const ps of byFile.values()) {
    ps.sort((a, b) => a.source!.line - b.source!.line);
    ps.forEach((p, i) => end.set(p, ps.slice(i + 1).find((q) => q.source!.line > p.source!.line)?.source!.line ?? Infinity));
  }
  return end;
}

/** A finding located inside the policy's document: after its start and before the next policy of the file. */
function within(ends: ReadonlyMap<Policy, number>, p: Policy, f: Finding): boolean {
  const line = f.location?.line ?? 0;
  return line >= (p.source?.line ?? 0) && line < (ends.get(p) ?? Infinity);
}

/** The input with each changed policy in place of its own. */
function replaced(objects: readonly LoadedObject[], raws: ReadonlyMap<string, Data>): LoadedObject[] {
  return objects.filter((o) => !(o.kind === 'NetworkPolicy' && raws.has(`${o.namespace ?? 'default'}/${o.name}`)));
}

/**
 * A policy that isolates one workload for one direction, for connections that must be denied where nothing isolates
 * the end: the destination's ingress when it is a pod, else the source's egress. Rules for what must stay open follow.
 */
function isolationsFor(needs: readonly Need[], unitOf: ReadonlyMap<Pod, Unit>, base: Cluster, taken: ReadonlySet<string>): PlannedPolicy[] {
  const out = new Map<string, PlannedPolicy>();
  const used = new Set(taken);
  for (const n of needs) {
    const side = n.dst.kind === 'pod' && !n.dst.pod.hostNetwork ? { pod: n.dst.pod, direction: 'ingress' as const } : n.src.kind === 'pod' && !n.src.pod.hostNetwork ? { pod: n.src.pod, direction: 'egress' as const } : undefined;
    const unit = side ? unitOf.get(basePodOf(base, side.pod) ?? side.pod) : undefined;
    if (!side || !unit) continue;
    const k = `${unit.id}\u0000${side.direction}`;
    if (out.has(k)) continue;
    let name = `${unit.name}-${side.direction}`;
    for (let i = 2; used.has(`${unit.namespace}/${name}`); i++) name = `${unit.name}-${side.direction}-${i}`;
    used.add(`${unit.namespace}/${name}`);
    out.set(k, {
      namespace: unit.namespace,
      name,
      kind: 'workload',
      unit,
      direction: side.direction,
      selector: unit.selector,
      policyTypes: [side.direction === 'ingress' ? 'Ingress' : 'Egress'],
      ingress: [],
      egress: [],
      comment: [`Isolates ${unit.title} for ${side.direction}: no policy did, and ${endKey(n.src)} -> ${endKey(n.dst)} ${n.port}/${n.protocol} must be denied (${n.origins.join('; ')}).`],
    });
  }
  return [...out.values()];
}

const basePodOf = (base: Cluster, p: Pod): Pod | undefined => base.pods.find((x) => x.namespace === p.namespace && x.name === p.name);

/** The policy of the input that selects exactly the unit's pods and isolates it for the direction, if there is one. */
function selectingExactly(before: Cluster, unit: Unit, direction: Direction): Policy | undefined {
  const mine = new Set(unit.pods.map((p) => p.name));
  const model = clusterModel(before);
  return model
    .policiesIn(unit.namespace)
    // A policy without rules for the direction, or named as a deny, is a deny: rules are not added to it.
    .filter((p) => p.namespace === unit.namespace && !/deny/i.test(p.name) && (direction === 'ingress' ? p.ingressIsolation && p.ingress.length > 0 : p.egressIsolation && p.egress.length > 0))
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .find((p) => {
      // Who the policy selects is the model's answer (its namespace, its podSelector, never a hostNetwork pod).
      const sel = model.selectedPods(p);
      return sel.length === mine.size && sel.every((x) => mine.has(x.name));
    });
}

/** What the server adds to an object: not part of what one applies. */
function applicable(raw: Data): Data {
  const out = JSON.parse(JSON.stringify(raw)) as Data;
  delete out['status'];
  const meta = out['metadata'] as Data | undefined;
  if (meta) {
    for (const k of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink']) delete meta[k];
    const ann = meta['annotations'] as Data | undefined;
    if (ann) {
      delete ann['kubectl.kubernetes.io/last-applied-configuration'];
      if (Object.keys(ann).length === 0) delete meta['annotations'];
    }
  }
  return out;
}

/** One policy of the change as YAML: a policy of the input in full as changed, or a new one. */
export interface ChangeDocument {
  /** `ns/name` (a cluster policy: its name). */
  policy: string;
  namespace: string;
  change: 'changed' | 'added';
  /** For a changed policy: the file and line of the input it replaces. */
  replaces?: { file: string; line: number };
  text: string;
}

function changeFiles(objects: readonly LoadedObject[], added: readonly PlannedPolicy[], raws: ReadonlyMap<string, Data>, extended: readonly Extension[], narrowed: readonly Narrowing[], dns: { namespace: string; selector: Record<string, string> }): { files: GeneratedFile[]; documents: ChangeDocument[] } {
  const documents: ChangeDocument[] = [];
  for (const [id, raw] of raws) {
    const obj = objects.find((o) => o.kind === 'NetworkPolicy' && `${o.namespace ?? 'default'}/${o.name}` === id);
    if (!obj) continue;
    const why = [
      `Changed: ${id} from ${obj.source.file}:${obj.source.line}.`,
      ...extended.filter((e) => e.policy === id).map((e) => `+ ${e.rules} ${e.direction} ${e.rules === 1 ? 'rule' : 'rules'}: ${e.text}`),
      ...narrowed.filter((n) => n.policy === id).map((n) => `~ ${n.text.slice(id.length + 2)} (${n.origins.join('; ')})`),
    ];
    const text = `${why.map((l) => `# ${l.replace(/[\r\n]+/g, ' ')}`).join('\n')}\n${stringify(raw, { lineWidth: 0, aliasDuplicateObjects: false })}`;
    documents.push({ policy: id, namespace: obj.namespace ?? 'default', change: 'changed', replaces: { file: obj.source.file, line: obj.source.line }, text });
  }
  for (const p of added) documents.push({ policy: `${p.namespace}/${p.name}`, namespace: p.namespace, change: 'added', text: renderPolicy({ ...p, comment: ['Added:', ...p.comment] }, dns) });
  return { files: filesOf(documents), documents };
}

/** The documents per namespace, one file each (`generated/<ns>.yaml`; cluster policies in `generated/cluster-guardrails.yaml`). */
function filesOf(documents: readonly ChangeDocument[]): GeneratedFile[] {
  const byNs = new Map<string, string[]>();
  for (const d of documents) byNs.set(d.namespace, [...(byNs.get(d.namespace) ?? []), d.text]);
  return [...byNs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ns, docs]) => ({ name: `${GENERATED_PREFIX}${ns === '' ? 'cluster-guardrails' : ns}.yaml`, namespace: ns, text: docs.join('---\n') }));
}

/** The diff's flows that are more than what was asked: other ports, other pods, wider address ranges, or closed. */
function besidesAsked(diff: DiffReport, allow: readonly Need[], deny: readonly Need[]): FlowChange[] {
  const name = (e: End) => (e.kind === 'ip' ? e.ip : wl(e.pod));
  const count = (needs: readonly Need[]) => {
    const m = new Map<string, { ports: Set<string>; pairs: Set<string> }>();
    for (const n of needs) {
      const k = `${name(n.src)}\u0000${name(n.dst)}`;
      const e = m.get(k) ?? { ports: new Set(), pairs: new Set() };
      e.ports.add(`${n.port}/${n.protocol}`);
      e.pairs.add(`${endKey(n.src)}\u0000${endKey(n.dst)}`);
      m.set(k, e);
    }
    return m;
  };
  const allowed = count(allow);
  const denied = count(deny);
  return diff.changes.filter((c) => {
    const a = (c.change === 'allowed' ? allowed : denied).get(`${c.from}\u0000${c.to}`);
    return !a || c.allPorts || !c.ports.every((p) => a.ports.has(p)) || c.pairs > a.pairs.size;
  });
}
