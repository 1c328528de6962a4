import { canonicalIP, computeMatrix, parsePortProto, type Matrix, type PortProto } from '@kordon/engine';
import type { MatrixOptions } from '../commands/matrix.js';
import { colorsFor, UsageError, type CliContext, type Colors } from '../io.js';
import { csvRow } from '../output/csv.js';
import { mdCell } from '../output/markdown.js';
import { pad, renderTable } from '../output/table.js';
import { Chunked } from '../output/chunked.js';
import { loadInput, namespaceFilter, parseFormat, parseNetwork, rejectedSentence, reportDiagnostics, reportUnknownPodIPs, requireObjects } from '../pipeline.js';

/** Above this many endpoints a terminal table is no use to anyone: the counts are printed instead. */
export const TEXT_LIMIT = 300;

export async function runMatrix(ctx: CliContext, paths: readonly string[], opts: MatrixOptions): Promise<number> {
  const format = parseFormat(opts.output, ['text', 'json', 'csv', 'md'] as const);
  const ports: PortProto[] = opts.port.map((p) => {
    const pp = parsePortProto(p);
    if (!pp) throw new UsageError(`bad --port ${JSON.stringify(p)}: write N/PROTO with N from 1 to 65535 and PROTO TCP, UDP or SCTP`);
    return pp;
  });
  const ips = opts.ip.map((ip) => {
    const c = canonicalIP(ip);
    if (!c) throw new UsageError(`bad --ip ${JSON.stringify(ip)}: not an IPv4 or IPv6 address`);
    return c;
  });
  const keep = namespaceFilter(opts);
  const network = parseNetwork(opts);
  const loaded = await loadInput(paths, ctx, network ? { network } : {});
  reportDiagnostics(ctx, loaded);
  requireObjects(loaded);
  reportUnknownPodIPs(ctx, loaded.cluster);
  for (const ip of ips) {
    const pod = loaded.cluster.pods.find((p) => !p.hostNetwork && p.ips.includes(ip));
    // The matrix keeps --ip addresses as outside endpoints; say so when one is a pod's address.
    if (pod) ctx.io.err(`kordon: --ip ${ip} is the address of pod ${pod.namespace}/${pod.name}; the matrix treats it as an outside address (selectors do not match it)\n`);
  }
  // --count over the whole cluster asks only for pair counts: the engine then keeps no rows.
  const countsOnly = opts.count === true && !keep;
  const full = computeMatrix(loaded.cluster, ports.length ? { ports, ips, countsOnly } : { ips, countsOnly });
  const matrix = keep ? narrowMatrix(full, (i) => i >= full.podCount || keep(loaded.cluster.pods[i]!.namespace)) : full;
  const out = new Chunked((s) => ctx.io.out(s));
  if (opts.count) {
    if (format === 'json') out.write(`${JSON.stringify(countJson(matrix))}\n`);
    else if (format === 'text') out.write(renderCounts(matrix, colorsFor(ctx, 'out')));
    else if (format === 'csv') writeCountsCsv(matrix, out);
    else writeCountsMd(matrix, out);
  } else if (format === 'json') writeJson(matrix, out);
  else if (format === 'csv') writeCsv(matrix, out);
  else if (matrix.endpoints.length === 0) out.write(format === 'md' ? 'No pods in the input.\n' : 'no pods in the input (and no --ip): nothing to show\n');
  else if (format === 'md') writeMd(matrix, out);
  else if (matrix.endpoints.length > TEXT_LIMIT) {
    ctx.io.err(`kordon: ${matrix.endpoints.length} endpoints are too many for a terminal table; printing the counts (use -o json or -o csv for every cell)\n`);
    out.write(renderCounts(matrix, colorsFor(ctx, 'out')));
  } else writeText(matrix, loaded.cluster.rejectedPolicies.length ? rejectedSentence(loaded.cluster) : undefined, out, colorsFor(ctx, 'out'));
  out.flush();
  return 0;
}

/**
 * The matrix between the endpoints `shown` keeps (pods of the namespaces asked for, and every --ip), computed on the
 * whole input: a display filter only.
 */
export function narrowMatrix(m: Matrix, shown: (i: number) => boolean): Matrix {
  const keep: number[] = [];
  for (let i = 0; i < m.endpoints.length; i++) if (shown(i)) keep.push(i);
  const podCount = keep.filter((i) => i < m.podCount).length;
  const allowed = (col: number, i: number, j: number) => m.allowed(col, keep[i]!, keep[j]!);
  const row = (col: number, i: number) => {
    const full = m.row(col, keep[i]!);
    let s = '';
    for (const j of keep) s += full[j];
    return s;
  };
  const pairs = m.columns.map((_, col) => {
    let n = 0;
    for (let i = 0; i < keep.length; i++) for (let j = 0; j < keep.length; j++) if (allowed(col, i, j)) n++;
    return n;
  });
  return { endpoints: keep.map((i) => m.endpoints[i]!), podCount, columns: m.columns, allowed, row, allowedPairs: (col) => pairs[col]!, sameAs: (col) => m.sameAs(col), stats: m.stats, classOf: (i) => m.classOf(keep[i]!) };
}

export function countJson(m: Matrix): { pods: number; endpoints: number; allowedPairs: Record<string, number> } {
  const allowedPairs: Record<string, number> = {};
  m.columns.forEach((c, i) => (allowedPairs[c.label] = m.allowedPairs(i)));
  return { pods: m.podCount, endpoints: m.endpoints.length, allowedPairs };
}

/** Pairs a column can hold: every ordered pair, self included, except outside address to outside address. */
function pairCount(m: Matrix): number {
  const n = m.endpoints.length;
  const ips = n - m.podCount;
  return n * n - ips * ips;
}

function renderCounts(m: Matrix, c: Colors): string {
  const total = pairCount(m);
  const rows = m.columns.map((col, i) => {
    const n = m.allowedPairs(i);
    return [col.label, String(n), total ? `${((100 * n) / total).toFixed(1)}%` : '-'];
  });
  return `${m.podCount} pods, ${m.endpoints.length} endpoints, ${total} ordered pairs per port\n` + renderTable(['PORT', 'ALLOWED PAIRS', 'SHARE'], rows, { align: ['left', 'right', 'right'], headerStyle: c.bold });
}

function writeCountsCsv(m: Matrix, out: Chunked): void {
  out.write(csvRow(['port', 'allowedPairs', 'pairs']));
  const total = String(pairCount(m));
  m.columns.forEach((col, i) => out.write(csvRow([col.label, String(m.allowedPairs(i)), total])));
}

function writeCountsMd(m: Matrix, out: Chunked): void {
  out.write(`| port | allowed pairs | pairs |\n| --- | ---: | ---: |\n`);
  const total = pairCount(m);
  m.columns.forEach((col, i) => out.write(`| ${mdCell(col.label)} | ${m.allowedPairs(i)} | ${total} |\n`));
}

/** Exactly `{endpoints, ports, allowed}`, written row by row so that a large matrix never sits in memory as text. */
function writeJson(m: Matrix, out: Chunked): void {
  const list = (xs: readonly string[], indent: string) => (xs.length ? `[\n${xs.map((x) => `${indent}  ${JSON.stringify(x)}`).join(',\n')}\n${indent}]` : '[]');
  out.write(`{\n  "endpoints": ${list(m.endpoints, '  ')},\n  "ports": ${list(m.columns.map((c) => c.label), '  ')},\n  "allowed": {`);
  m.columns.forEach((col, k) => {
    out.write(`${k ? ',' : ''}\n    ${JSON.stringify(col.label)}: [`);
    for (let i = 0; i < m.endpoints.length; i++) out.write(`${i ? ',' : ''}\n      "${m.row(k, i)}"`);
    out.write(m.endpoints.length ? '\n    ]' : ']');
  });
  out.write(m.columns.length ? '\n  }\n}\n' : '}\n}\n');
}

/** One header row, then a row per port and source: `port,from,<every destination>`. */
function writeCsv(m: Matrix, out: Chunked): void {
  out.write(csvRow(['port', 'from', ...m.endpoints]));
  m.columns.forEach((col, k) => {
    for (let i = 0; i < m.endpoints.length; i++) out.write(csvRow([col.label, m.endpoints[i]!, ...m.row(k, i)]));
  });
}

const MD_SYMBOL: Record<string, string> = { '1': '✓', '0': '✗', '-': '-' };

function writeMd(m: Matrix, out: Chunked): void {
  out.write(`# Reachability matrix\n\nRows open connections to columns: ✓ allowed, ✗ denied, - two outside addresses.\n`);
  m.columns.forEach((col, k) => {
    out.write(`\n## ${col.label === '*' ? 'any other port' : col.label}\n\n`);
    out.write(`| from \\ to | ${m.endpoints.map(mdCell).join(' | ')} |\n| --- |${' :---: |'.repeat(m.endpoints.length)}\n`);
    for (let i = 0; i < m.endpoints.length; i++) {
      const row = m.row(k, i);
      let s = `| ${mdCell(m.endpoints[i]!)} |`;
      for (const ch of row) s += ` ${MD_SYMBOL[ch]} |`;
      out.write(`${s}\n`);
    }
  });
}

interface Group {
  name: string;
  members: number[];
}

function groupsOf(m: Matrix): Group[] {
  const groups: Group[] = [];
  m.endpoints.forEach((e, i) => {
    const name = i < m.podCount ? e.slice(0, e.indexOf('/')) : 'outside addresses';
    const last = groups[groups.length - 1];
    if (last && last.name === name) last.members.push(i);
    else groups.push({ name, members: [i] });
  });
  return groups;
}

/**
 * A table per port: rows are sources, columns destinations, numbered so that the columns stay narrow; namespaces are
 * set apart by a heading row and a vertical rule.
 */
function writeText(m: Matrix, rejected: string | undefined, out: Chunked, c: Colors): void {
  const n = m.endpoints.length;
  const groups = groupsOf(m);
  const numW = String(n).length;
  const shortName = (i: number) => (i < m.podCount ? m.endpoints[i]!.slice(m.endpoints[i]!.indexOf('/') + 1) : m.endpoints[i]!);
  const labelW = Math.max(4, ...m.endpoints.map((_, i) => shortName(i).length)) + numW + 4;
  const cell = (s: string) => pad(s, numW, 'right');
  const symbol = (ch: string) => (ch === '1' ? c.green(cell('✓')) : ch === '0' ? c.dim(cell('·')) : c.dim(cell('-')));
  out.write(`${c.bold('Reachability')}: a row opens connections to a column (${c.green('✓')} allowed, · denied, - two outside addresses)\n`);
  if (rejected) out.write(`${c.yellow('note:')} ${rejected}\n`);
  // Columns with the same answer in every cell are printed once, under all their labels.
  const label = (l: string) => (l === '*' ? 'any other port (*)' : l);
  m.columns.forEach((col, k) => {
    if (m.sameAs(k) !== k) return;
    const same = m.columns.filter((_, o) => m.sameAs(o) === k).map((o) => label(o.label));
    const title = same.length === 1 ? (col.label === '*' ? label('*') : `port ${col.label}`) : `ports ${same.join(', ')} (same answers)`;
    out.write(`\n${c.bold(title)}\n`);
    let head = pad('', labelW);
    groups.forEach((g, gi) => {
      if (gi) head += ' │';
      for (const j of g.members) head += ` ${cell(String(j + 1))}`;
    });
    out.write(`${c.dim(head)}\n`);
    for (const g of groups) {
      out.write(`${c.bold(g.name)}\n`);
      for (const i of g.members) {
        const row = m.row(k, i);
        let line = `  ${pad(String(i + 1), numW, 'right')}  ${pad(shortName(i), labelW - numW - 4)}`;
        groups.forEach((h, hi) => {
          if (hi) line += ` ${c.dim('│')}`;
          for (const j of h.members) line += ` ${symbol(row[j]!)}`;
        });
        out.write(`${line}\n`);
      }
    }
  });
}
