import { parsePortProto, type Cluster, type PortProto } from '@kordon/engine';
import type { ConnectionDiff, ConnectionList, Focus, GroupBy, ListOptions } from '@kordon/review';
import type { ListCommandOptions } from '../commands/list.js';
import { UsageError, type CliContext } from '../io.js';
import { loadInput, namespaceFilter, parseFormat, parseNetwork, reportDiagnostics, requireObjects } from '../pipeline.js';
import { renderSvg } from '../output/graphviz.js';
import { toYaml } from '../output/yaml.js';

export const LIST_FORMATS = ['text', 'json', 'yaml', 'csv', 'md', 'dot', 'svg', 'mermaid'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

export function parseGroupBy(value: string): GroupBy {
  if (value === 'pod' || value === 'workload' || value === 'namespace') return value;
  throw new UsageError(`bad --by ${JSON.stringify(value)}: use pod, workload or namespace`);
}

export function parseListPort(value: string | undefined): PortProto | undefined {
  if (value === undefined) return undefined;
  const pp = parsePortProto(value);
  if (!pp) throw new UsageError(`bad --port ${JSON.stringify(value)}: write N or N/PROTO with N from 1 to 65535 and PROTO TCP, UDP or SCTP`);
  return pp;
}

/** The focus options against one cluster (a name must name something there). */
export async function listOptions(cluster: Cluster, opts: { by: string; from?: string; to?: string; port?: string }): Promise<ListOptions> {
  const { resolveFocus } = await import('@kordon/review');
  const focus = (flag: string, text: string | undefined): Focus | undefined => {
    if (text === undefined) return undefined;
    const f = resolveFocus(cluster, text);
    if ('error' in f) throw new UsageError(`${flag} ${text}: ${f.error}`);
    return f;
  };
  const from = focus('--from', opts.from);
  const to = focus('--to', opts.to);
  const port = parseListPort(opts.port);
  return { by: parseGroupBy(opts.by), ...(from ? { from } : {}), ...(to ? { to } : {}), ...(port ? { port } : {}) };
}

export async function runList(ctx: CliContext, paths: readonly string[], opts: ListCommandOptions): Promise<number> {
  const format = parseFormat(opts.output, LIST_FORMATS);
  parseGroupBy(opts.by);
  parseListPort(opts.port);
  const keep = namespaceFilter(opts);
  const network = parseNetwork(opts);
  const loaded = await loadInput(paths, ctx, network ? { network } : {});
  reportDiagnostics(ctx, loaded);
  requireObjects(loaded);
  const review = await import('@kordon/review');
  const all = review.listConnections(loaded.cluster, await listOptions(loaded.cluster, opts));
  // A connection shows when either end is in a namespace asked for.
  const shown = (ns: string | undefined) => ns !== undefined && keep!(ns);
  const list = keep ? { ...all, connections: all.connections.filter((c) => shown(c.from.namespace) || shown(c.to.namespace)) } : all;
  ctx.io.out(await renderList(list, format));
  for (const n of list.notes) if (format === 'text') ctx.io.err(`kordon: note: ${n}\n`);
  return 0;
}

function listJson(list: ConnectionList): unknown {
  return {
    by: list.by,
    connections: list.connections.map((c) => ({ from: c.from, to: c.to, ports: c.ports.all ? 'all' : c.ports.ranges, text: c.text })),
    notes: list.notes,
  };
}

export async function renderList(list: ConnectionList, format: ListFormat): Promise<string> {
  const r = await import('@kordon/review');
  switch (format) {
    case 'json':
      return `${JSON.stringify(listJson(list), null, 2)}\n`;
    case 'yaml':
      return toYaml(listJson(list));
    case 'csv':
      return r.connectionsCsv(list);
    case 'md':
      return r.connectionsMarkdown(list);
    case 'dot':
      return r.connectionsDot(list);
    case 'svg':
      return renderSvg(r.connectionsDot(list));
    case 'mermaid':
      return r.connectionsMermaid(list);
    default:
      return r.connectionsText(list);
  }
}

function diffJson(d: ConnectionDiff): unknown {
  return {
    by: d.by,
    changes: d.changes.map((c) => ({ change: c.change, from: c.from, to: c.to, old: c.old ? (c.old.all ? 'all' : c.old.ranges) : null, new: c.new ? (c.new.all ? 'all' : c.new.ranges) : null, oldText: c.oldText, newText: c.newText })),
    notes: d.notes,
  };
}

export async function renderConnectionDiff(d: ConnectionDiff, format: ListFormat): Promise<string> {
  const r = await import('@kordon/review');
  switch (format) {
    case 'json':
      return `${JSON.stringify(diffJson(d), null, 2)}\n`;
    case 'yaml':
      return toYaml(diffJson(d));
    case 'csv':
      return r.connectionDiffCsv(d);
    case 'md':
      return r.connectionDiffMarkdown(d);
    case 'dot':
      return r.connectionDiffDot(d);
    case 'svg':
      return renderSvg(r.connectionDiffDot(d));
    case 'mermaid':
      return r.connectionDiffMermaid(d);
    default:
      return r.connectionDiffText(d);
  }
}
