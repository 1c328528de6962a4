import { buildCluster, loadSources, type Cluster, type Diagnostic, type Policy } from '@kordon/engine';
import { colorsFor, UsageError, type CliContext } from './io.js';
import { readInputs } from './input.js';
import { formatDiagnostics, plural, sortDiagnostics } from './output/diagnostics.js';

export interface Loaded {
  cluster: Cluster;
  /** Reading, loading, building and validation problems, sorted by place. */
  diagnostics: Diagnostic[];
  files: number;
  objects: number;
  /**
   * Whether file:line positions of this policy (`ns/name`) are cheap to compute. They are not in a large JSON file: the
   * engine reads those with JSON.parse and finds positions by parsing the whole file again as YAML, which takes seconds
   * (and more memory than a 50 MB file leaves) for what is one line of output.
   */
  locatable(policyId: string): boolean;
  /** The cluster with those policies' positions removed, for commands that print positions. */
  view: Cluster;
}

/** The engine's own threshold for its fast JSON path (load.ts, FAST_JSON_BYTES). */
const LARGE_JSON_BYTES = 1 << 20;

export const POSITIONS_NOTE = 'file:line positions are not shown for policies in JSON files over 1 MB (finding them would re-read the whole file)';

export interface LoadOptions {
  dns?: { namespace: string; selector: Record<string, string> };
}

/** Reads PATHS and builds the cluster model; every diagnostic is kept (nothing stops at the first bad object). */
export async function loadInput(paths: readonly string[], ctx: CliContext, options: LoadOptions = {}): Promise<Loaded> {
  const inputs = await readInputs(paths, ctx.io);
  const loaded = loadSources(inputs.files);
  const built = buildCluster(loaded.objects, options.dns ? { dns: options.dns } : {});
  const large = new Set(inputs.files.filter((f) => f.text.length > LARGE_JSON_BYTES && /^\s*[[{]/.test(f.text.slice(0, 4096))).map((f) => f.name));
  const unlocatable = new Set(loaded.objects.filter((o) => o.kind === 'NetworkPolicy' && large.has(o.file)).map((o) => `${o.namespace ?? 'default'}/${o.name}`));
  return {
    cluster: built.cluster,
    diagnostics: sortDiagnostics([...inputs.diagnostics, ...loaded.diagnostics, ...built.diagnostics]),
    files: inputs.files.length,
    objects: loaded.objects.length,
    locatable: (id) => !unlocatable.has(id),
    view: unlocatable.size === 0 ? built.cluster : { ...built.cluster, policies: built.cluster.policies.map((p) => (unlocatable.has(p.id) ? positionless(p) : p)) },
  };
}

/** The policy without `source` and `locate` (copied field by field: `source` may be a getter that would compute it). */
function positionless(p: Policy): Policy {
  return {
    id: p.id,
    namespace: p.namespace,
    name: p.name,
    podSelector: p.podSelector,
    ingressIsolation: p.ingressIsolation,
    egressIsolation: p.egressIsolation,
    policyTypesDefaulted: p.policyTypesDefaulted,
    ingress: p.ingress,
    egress: p.egress,
  };
}

/** Prints diagnostics to stderr (commands other than validate), and says which invalid policies were left out. */
export function reportDiagnostics(ctx: CliContext, loaded: Loaded): void {
  const c = colorsFor(ctx, 'err');
  let s = formatDiagnostics(loaded.diagnostics, c);
  const rej = loaded.cluster.rejectedPolicies;
  if (rej.length > 0) s += `${c.yellow(c.bold('kordon'))}: ${rejectedSentence(loaded.cluster)}\n`;
  if (loaded.view !== loaded.cluster) s += `${c.cyan('note')}: ${POSITIONS_NOTE}\n`;
  if (s) ctx.io.err(s);
}

export function rejectedSentence(cluster: Cluster): string {
  const rej = cluster.rejectedPolicies;
  const names = rej.map((r) => `${r.namespace}/${r.name}${r.source ? ` (${r.source.file}:${r.source.line})` : ''}`).join(', ');
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
