import type { ClusterReadOptions, SourceText } from '@kordon/source';
import { UsageError, type CliContext } from './io.js';

/** The global cluster options, as kubectl names them. */
export interface ClusterSettings {
  kubeconfig?: string;
  context?: string;
  /** --cluster: read the cluster besides the paths. */
  also: boolean;
  timeoutSeconds?: number;
}

export function clusterSettings(g: Record<string, unknown>): ClusterSettings {
  const s: ClusterSettings = { also: g['cluster'] === true };
  if (typeof g['kubeconfig'] === 'string') s.kubeconfig = g['kubeconfig'];
  if (typeof g['context'] === 'string') s.context = g['context'];
  if (typeof g['requestTimeout'] === 'string') {
    const n = Number(g['requestTimeout'].replace(/s$/, ''));
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`bad --request-timeout ${JSON.stringify(g['requestTimeout'])}: give seconds, e.g. 30`);
    s.timeoutSeconds = n;
  }
  return s;
}

/** The arguments a command reads: with none (or --cluster), the cluster of the current kubeconfig context. */
export function withCluster(paths: readonly string[], ctx: CliContext): string[] {
  return paths.length === 0 || ctx.cluster?.also ? [...paths, 'cluster:'] : [...paths];
}

/** Reads the cluster as the settings say; the KUBECONFIG of the command's environment counts. */
export async function readClusterFor(ctx: CliContext, extra: Partial<ClusterReadOptions> = {}): Promise<SourceText> {
  const { readCluster } = await import('@kordon/source');
  const s = ctx.cluster ?? { also: false };
  return readCluster({
    env: ctx.io.env,
    ...(s.kubeconfig !== undefined ? { kubeconfig: s.kubeconfig } : {}),
    ...(s.context !== undefined ? { context: s.context } : {}),
    ...(s.timeoutSeconds !== undefined ? { timeoutMs: s.timeoutSeconds * 1000 } : {}),
    ...extra,
  });
}
