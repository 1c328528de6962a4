import { buildCluster, clusterModel, loadSources, type Cluster, type Diagnostic, type LoadedObject, type Pod } from '@kordon/engine';
import type { ExpectationFile } from '../expect/format.js';
import { runExpectations, type TestReport } from '../expect/run.js';
import { lint } from '../lint/lint.js';
import type { Finding } from '../types.js';
import type { FlowFile } from './flows.js';
import { plan, type PlannedPolicy } from './plan.js';
import { guardrailFile, type Guardrail } from './guardrails.js';
import { cidrSamples, provePolicies, type PolicyProof } from './proof.js';
import { endKey, requirements, type Need, type Requirements } from './required.js';
import { renderFiles } from './render.js';
import { buildUnits, type Unit } from './units.js';

export interface GenerateOptions {
  /** Widest IPv4 block observed addresses are merged in (32: every address exact). */
  prefix4: number;
  /** Widest IPv6 block (128: exact). */
  prefix6: number;
  /** Also isolate kube-system, kube-public, kube-node-lease and the DNS namespace. */
  systemNamespaces: boolean;
  dns?: { namespace: string; selector: Record<string, string> };
  /** ClusterNetworkPolicy guardrails to write beside the NetworkPolicies. */
  guardrails?: readonly Guardrail[];
}

export const DEFAULT_GENERATE_OPTIONS: GenerateOptions = { prefix4: 32, prefix6: 128, systemNamespaces: false };

export interface GenerateInput {
  /** The manifests: workloads, pods, Services, namespaces, and any NetworkPolicies they hold. */
  objects: readonly LoadedObject[];
  expectations: readonly ExpectationFile[];
  flows: readonly FlowFile[];
  options?: Partial<GenerateOptions>;
}

export interface GeneratedFile {
  name: string;
  namespace: string;
  text: string;
}

export interface GenerateProof extends PolicyProof {
  /** The expectation files run as `kordon test` runs them, against the cluster with the generated policies. */
  expectations: TestReport;
  /** Problems validation finds in the generated files (none, when all is well). */
  validation: Diagnostic[];
  /** `kordon lint` findings in the generated files, warnings and errors. */
  lint: Finding[];
  /** `dns-blocked` findings for pods an expectation keeps from the DNS: what was asked for, not a flaw. */
  lintAsked: Finding[];
  /** Every asked connection allowed, every denied one denied, the files valid and lint clean. */
  holds: boolean;
}

export interface GenerateResult {
  files: GeneratedFile[];
  policies: readonly PlannedPolicy[];
  units: readonly Unit[];
  /** Namespaces isolated, and namespaces with pods left alone. */
  scope: string[];
  skipped: string[];
  /** Input NetworkPolicies of the generated namespaces, set aside (the generated set replaces them). */
  replaced: string[];
  inputs: { expectations: number; flows: number; connections: number; denied: number };
  /** The concrete connections asked for, `ns/pod -> ns/pod 80/TCP` (addresses as they are). */
  connections: { allow: string[]; deny: string[] };
  notes: string[];
  problems: string[];
  proof: GenerateProof;
  /** The cluster with the generated policies in place. */
  cluster: Cluster;
}

/** Where the generated files are said to be, in diagnostics and lint findings. */
export const GENERATED_PREFIX = 'generated/';

/**
 * Writes least-privilege NetworkPolicies for the connections asked for (expectations) and observed (flows), and proves
 * them with the engine: the cluster with the generated policies in place of the generated namespaces' own.
 */
export function generatePolicies(input: GenerateInput): GenerateResult {
  const options: GenerateOptions = { ...DEFAULT_GENERATE_OPTIONS, ...input.options };
  const buildOpts = options.dns ? { dns: options.dns } : {};
  const workloads = input.objects.filter((o) => o.kind !== 'NetworkPolicy');
  const base = buildCluster(workloads, buildOpts).cluster;
  const { units, unitOf } = buildUnits(base.pods);
  const req = requirements(base, input.expectations, input.flows.flatMap((f) => f.flows));
  const planned = plan(base, units, unitOf, req, options);
  const files = renderFiles(planned.policies, { namespace: base.dns.namespace, selector: { ...base.dns.selector } }).map((f) => ({ ...f, name: `${GENERATED_PREFIX}${f.name}` }));
  const guard = guardrailFile(base, options.guardrails ?? [], req.allow, unitOf);
  if (guard.file) files.push({ ...guard.file, name: `${GENERATED_PREFIX}${guard.file.name}` });

  const generated = loadSources(files);
  const kept = input.objects.filter((o) => o.kind !== 'NetworkPolicy' || !planned.scope.has(o.namespace ?? 'default'));
  const replaced = input.objects.filter((o) => o.kind === 'NetworkPolicy' && planned.scope.has(o.namespace ?? 'default')).map((o) => `${o.namespace ?? 'default'}/${o.name}`);
  // Every cluster has its DNS namespace: when the input leaves it out, the proof assumes it (and says so).
  const assumed = assumedDnsNamespace(base);
  const final = buildCluster([...kept, ...generated.objects, ...assumed], buildOpts);
  const isGenerated = (file: string | undefined) => file !== undefined && file.startsWith(GENERATED_PREFIX);
  const validation = [...generated.diagnostics, ...final.diagnostics].filter((d) => isGenerated(d.file) && d.severity !== 'info');
  const allFindings = lint(final.cluster).findings.filter((f) => isGenerated(f.location?.file) && f.severity !== 'info');
  // A pod an expectation keeps from the DNS cannot resolve names: lint is right to say so, and the expectation asks it.
  const dnsKept = [...req.dnsDenied.keys()].map((p) => `${p.namespace}/${p.name} `);
  const asked = (f: Finding) => f.rule === 'dns-blocked' && dnsKept.some((p) => f.message.startsWith(p));
  const lintFindings = allFindings.filter((f) => !asked(f));
  const lintAsked = allFindings.filter(asked);

  const plannedById = new Map(planned.policies.map((p) => [`${p.namespace}/${p.name}`, p]));
  const basePod = new Map(base.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  const proof = provePolicies({ final: final.cluster, base, unitOf, planned: plannedById, scope: planned.scope, basePod }, req, cidrSamples(planned.policies));
  const expectations = runExpectations(final.cluster, input.expectations);
  const holds = proof.allowed.failures.length === 0 && proof.denied.failures.length === 0 && expectations.failed === 0 && validation.length === 0 && lintFindings.length === 0;

  return {
    files,
    policies: planned.policies,
    units,
    scope: [...planned.scope].sort(),
    skipped: planned.skipped,
    replaced,
    inputs: { expectations: input.expectations.reduce((n, f) => n + f.expectations.length, 0), flows: input.flows.reduce((n, f) => n + f.flows.length, 0), connections: req.allow.length, denied: req.deny.length },
    connections: { allow: req.allow.map(needText), deny: req.deny.map(needText) },
    notes: [...guard.notes, ...(assumed.length ? [`the input has no namespace ${base.dns.namespace}: the proof assumes it exists, as it does in every cluster`] : []), ...input.flows.flatMap((f) => f.notes.map((x) => `${f.file}: ${x}`)), ...req.notes, ...planned.notes, ...unknowable(base, req, planned.scope, input)],
    problems: req.problems,
    proof: { ...proof, expectations, validation, lint: lintFindings, lintAsked, holds },
    cluster: final.cluster,
  };
}

/** What the inputs cannot say, in words. */
function unknowable(base: Cluster, req: Requirements, scope: ReadonlySet<string>, input: GenerateInput): string[] {
  const out: string[] = [];
  if (input.expectations.length === 0 && input.flows.length === 0) {
    out.push('no expectations and no observed flows: each namespace gets default deny and DNS only. Which Services a workload calls lives in its configuration, not in its manifests; give --expect FILE or --flows FILE to open them');
  }
  // Pods some asked connection reaches (pods of base, as the requirements are read from it): a Service none of whose
  // pods is among them has no client.
  const served = new Set<Pod>();
  for (const n of req.allow) if (n.dst.kind === 'pod') served.add(n.dst.pod);
  const model = clusterModel(base);
  const dark = base.services.filter((s) => scope.has(s.namespace) && Object.keys(s.selector ?? {}).length > 0 && !model.servicePods(s).some((p) => served.has(p)));
  if (dark.length > 0) out.push(`${dark.length === 1 ? 'Service' : 'Services'} ${dark.slice(0, 8).map((s) => `${s.namespace}/${s.name}`).join(', ')}${dark.length > 8 ? ` and ${dark.length - 8} more` : ''} ${dark.length === 1 ? 'gets' : 'get'} no client: nothing asked for or observed reaches ${dark.length === 1 ? 'it' : 'them'}, so the generated policies close ${dark.length === 1 ? 'it' : 'them'}`);
  return out;
}

export function assumedDnsNamespace(base: Cluster): LoadedObject[] {
  const ns = base.dns.namespace;
  if (base.namespaces.some((n) => n.name === ns)) return [];
  return loadSources([{ name: `assumed/${ns}.yaml`, text: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n` }]).objects;
}

const needText = (n: Need): string => `${endKey(n.src)} -> ${endKey(n.dst)} ${n.port}/${n.protocol}`;
