import { buildCluster, loadSources, parseCidr, serviceNetworkNote, unknownPodIPNote, type BuildOptions, type Cluster, type ClusterNetwork, type Diagnostic } from '@kordon/engine';
import { colorsFor, UsageError, type CliContext } from './io.js';
import { readInputs } from './input.js';
import { withCluster } from './cluster.js';
import { formatDiagnostics, plural, sortDiagnostics } from './output/diagnostics.js';

export interface Loaded {
  cluster: Cluster;
  /** Reading, loading, building and validation problems, sorted by place. */
  diagnostics: Diagnostic[];
  files: number;
  objects: number;
}

export interface LoadOptions {
  dns?: { namespace: string; selector: Record<string, string> };
  network?: ClusterNetwork;
}

/** Reads PATHS and builds the cluster model; every diagnostic is kept (nothing stops at the first bad object). */
export async function loadInput(paths: readonly string[], ctx: CliContext, options: LoadOptions = {}): Promise<Loaded> {
  const inputs = await readInputs(withCluster(paths, ctx), ctx);
  const loaded = loadSources(inputs.files);
  const built = buildCluster(loaded.objects, buildOptions(options));
  return {
    cluster: built.cluster,
    diagnostics: sortDiagnostics([...inputs.diagnostics, ...loaded.diagnostics, ...built.diagnostics]),
    files: inputs.files.length,
    objects: loaded.objects.length,
  };
}

export function buildOptions(options: LoadOptions): BuildOptions {
  return { ...(options.dns ? { dns: options.dns } : {}), ...(options.network ? { network: options.network } : {}) };
}

/** `--pod-cidr` and `--service-cidr`, each CIDR[,CIDR]: where pods with no IP (workload templates) sit. */
export interface NetworkFlags {
  podCidr?: string;
  serviceCidr?: string;
}

export function parseNetwork(flags: NetworkFlags): ClusterNetwork | undefined {
  if (flags.podCidr === undefined && flags.serviceCidr === undefined) return undefined;
  const list = (flag: string, text: string | undefined): string[] =>
    (text ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '').map((t) => {
      if (!parseCidr(t)) throw new UsageError(`bad ${flag} ${JSON.stringify(t)}: not a CIDR`, `write CIDR[,CIDR], e.g. ${flag} 10.244.0.0/16,fd00:10:244::/56`);
      return t;
    });
  return { podCidrs: list('--pod-cidr', flags.podCidr), serviceCidrs: list('--service-cidr', flags.serviceCidr) };
}

/** The note every evaluating command prints when verdicts depend on pods' unknown IPs. */
export function reportUnknownPodIPs(ctx: CliContext, cluster: Cluster, side = ''): void {
  for (const note of [unknownPodIPNote(cluster), serviceNetworkNote(cluster)]) if (note) ctx.io.err(`kordon: note: ${side}${note}\n`);
}

/** Prints diagnostics to stderr (commands other than validate), and says which invalid policies were left out. */
export function reportDiagnostics(ctx: CliContext, loaded: Loaded): void {
  const c = colorsFor(ctx, 'err');
  let s = formatDiagnostics(loaded.diagnostics, c);
  const rej = loaded.cluster.rejectedPolicies;
  if (rej.length > 0) s += `${c.yellow(c.bold('kordon'))}: ${rejectedSentence(loaded.cluster)}\n`;
  if (s) ctx.io.err(s);
}

export function rejectedSentence(cluster: Cluster, rel: (file: string) => string = (f) => f): string {
  const rej = cluster.rejectedPolicies;
  const names = rej.map((r) => `${r.namespace}/${r.name}${r.source ? ` (${rel(r.source.file)}:${r.source.line})` : ''}`).join(', ');
  return `${plural(rej.length, 'invalid NetworkPolicy', 'invalid NetworkPolicies')} left out of the evaluation, as the API server would never have stored ${rej.length === 1 ? 'it' : 'them'}: ${names}`;
}

/** Evaluating commands need something to evaluate. */
export function requireObjects(loaded: Loaded): void {
  if (loaded.objects === 0) throw new UsageError('the input holds no Kubernetes objects', 'give manifests (YAML or JSON), a directory of them, or - with kubectl get ... -o yaml on stdin');
}

/** `-o` values a command accepts. */
export function parseFormat<T extends string>(value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`unknown output format ${JSON.stringify(value)}: use ${allowed.join(', ')}`);
}

/** `--dns ns/label=value[,label=value]`: where the cluster DNS pods are. */
export function parseDns(text: string): { namespace: string; selector: Record<string, string> } {
  const m = /^([^/]+)\/(.+)$/.exec(text.trim());
  const selector: Record<string, string> = {};
  for (const part of m?.[2]?.split(',') ?? []) {
    const kv = /^([^=]+)=(.*)$/.exec(part.trim());
    if (!kv) throw new UsageError(`bad --dns ${JSON.stringify(text)}: write ns/label=value[,label=value]`);
    selector[kv[1]!] = kv[2]!;
  }
  if (!m || Object.keys(selector).length === 0) throw new UsageError(`bad --dns ${JSON.stringify(text)}: write ns/label=value[,label=value]`);
  return { namespace: m[1]!, selector };
}

/** `-n/--namespace` and `-A/--all-namespaces`, as kubectl spells them. */
export interface NamespaceOptions {
  namespace?: string;
  allNamespaces?: boolean;
}

/**
 * Which namespaces a display shows; undefined: all of them (the default, as the input is not a kubeconfig context).
 * Only what is printed narrows: policies of other namespaces still count wherever they select peers.
 */
export function namespaceFilter(opts: NamespaceOptions): ((namespace: string | undefined) => boolean) | undefined {
  if (opts.namespace !== undefined && opts.allNamespaces) throw new UsageError('-n/--namespace and -A/--all-namespaces cannot be used together');
  if (opts.namespace === undefined || opts.allNamespaces) return undefined;
  const ns = opts.namespace;
  return (n) => n === ns;
}
