import type { ConnectionChange, ConnectionDiff } from './diff.js';
import type { ConnectionList, ConnectionPeer } from './list.js';

/** An arrow of a graph: a connection, or a change of one. */
interface Edge {
  from: ConnectionPeer;
  to: ConnectionPeer;
  label: string;
  change?: ConnectionChange['change'];
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csvRow = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\n`;
const mdCell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function connectionsText(list: ConnectionList): string {
  if (list.connections.length === 0) return 'no connections are allowed\n';
  return list.connections.map((c) => `${c.from.name} => ${c.to.name} : ${c.text}\n`).join('');
}

export function connectionsCsv(list: ConnectionList): string {
  return csvRow(['from', 'to', 'ports']) + list.connections.map((c) => csvRow([c.from.name, c.to.name, c.text])).join('');
}

export function connectionsMarkdown(list: ConnectionList): string {
  const head = `| from | to | ports |\n| --- | --- | --- |\n`;
  return head + list.connections.map((c) => `| ${mdCell(c.from.name)} | ${mdCell(c.to.name)} | ${mdCell(c.text)} |\n`).join('');
}

const SIGN = { added: '+', removed: '-', changed: '~' } as const;

export function connectionDiffText(diff: ConnectionDiff): string {
  if (diff.changes.length === 0) return 'no change in connections\n';
  const lines = diff.changes.map((c) => {
    const ports = c.change === 'added' ? c.newText : c.change === 'removed' ? c.oldText : `${c.oldText} -> ${c.newText}`;
    return `${SIGN[c.change]} ${c.from.name} => ${c.to.name} : ${ports}`;
  });
  const n = (k: ConnectionChange['change']) => diff.changes.filter((c) => c.change === k).length;
  return `${lines.join('\n')}\n${n('added')} added, ${n('removed')} removed, ${n('changed')} changed\n`;
}

export function connectionDiffCsv(diff: ConnectionDiff): string {
  return csvRow(['change', 'from', 'to', 'old', 'new']) + diff.changes.map((c) => csvRow([c.change, c.from.name, c.to.name, c.oldText, c.newText])).join('');
}

export function connectionDiffMarkdown(diff: ConnectionDiff): string {
  if (diff.changes.length === 0) return 'No change in connections.\n';
  const head = `| change | from | to | before | after |\n| --- | --- | --- | --- | --- |\n`;
  return head + diff.changes.map((c) => `| ${c.change} | ${mdCell(c.from.name)} | ${mdCell(c.to.name)} | ${mdCell(c.oldText)} | ${mdCell(c.newText)} |\n`).join('');
}

const listEdges = (list: ConnectionList): Edge[] => list.connections.map((c) => ({ from: c.from, to: c.to, label: c.text }));
const diffEdges = (diff: ConnectionDiff): Edge[] =>
  diff.changes.map((c) => ({ from: c.from, to: c.to, change: c.change, label: c.change === 'changed' ? `${c.oldText} → ${c.newText}` : c.change === 'added' ? `+ ${c.newText}` : `- ${c.oldText}` }));

/** Nodes in a stable order, namespaces together; outside addresses apart. */
function nodesOf(edges: readonly Edge[]): { byNamespace: Map<string, ConnectionPeer[]>; outside: ConnectionPeer[]; id: Map<string, string> } {
  const seen = new Map<string, ConnectionPeer>();
  for (const e of edges) for (const p of [e.from, e.to]) if (!seen.has(p.name)) seen.set(p.name, p);
  const sorted = [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byNamespace = new Map<string, ConnectionPeer[]>();
  const outside: ConnectionPeer[] = [];
  const id = new Map<string, string>();
  sorted.forEach((p, k) => {
    id.set(p.name, `n${k}`);
    if (p.kind === 'addresses' || p.namespace === undefined) outside.push(p);
    else byNamespace.set(p.namespace, [...(byNamespace.get(p.namespace) ?? []), p]);
  });
  return { byNamespace, outside, id };
}

/** What a node shows inside its namespace box: the name without the namespace. */
function shortLabel(p: ConnectionPeer): string {
  if (p.kind === 'addresses' || p.kind === 'namespace' || p.namespace === undefined) return p.name;
  return p.name.slice(p.namespace.length + 1);
}

const dotString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const DOT_COLOR = { added: 'darkgreen', removed: 'red3', changed: 'darkorange' } as const;

function dot(edges: readonly Edge[], title: string): string {
  const { byNamespace, outside, id } = nodesOf(edges);
  const lines = [`digraph ${dotString(title)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=10];'];
  let k = 0;
  for (const [ns, peers] of byNamespace) {
    // A namespace grouping draws namespaces as nodes, with no box around each.
    if (peers.every((p) => p.kind === 'namespace')) {
      for (const p of peers) lines.push(`  ${id.get(p.name)} [label=${dotString(p.name)}];`);
      continue;
    }
    lines.push(`  subgraph cluster_${k++} {`, `    label=${dotString(ns)};`, '    style=dashed; color=gray50; fontname="Helvetica";');
    for (const p of peers) lines.push(`    ${id.get(p.name)} [label=${dotString(shortLabel(p))}];`);
    lines.push('  }');
  }
  for (const p of outside) lines.push(`  ${id.get(p.name)} [label=${dotString(p.name.replace(/, /g, '\n'))}, shape=ellipse, color=gray40];`);
  for (const e of edges) {
    const style = e.change ? `, color=${DOT_COLOR[e.change]}, fontcolor=${DOT_COLOR[e.change]}${e.change === 'removed' ? ', style=dashed' : ''}` : '';
    lines.push(`  ${id.get(e.from.name)} -> ${id.get(e.to.name)} [label=${dotString(e.label)}${style}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export const connectionsDot = (list: ConnectionList): string => dot(listEdges(list), 'kordon connections');
export const connectionDiffDot = (diff: ConnectionDiff): string => dot(diffEdges(diff), 'kordon connection changes');

/** Mermaid text in quotes: its own entity for a quote, no line breaks. */
const mmd = (s: string): string => `"${s.replace(/"/g, '#quot;').replace(/\r?\n/g, ' ')}"`;
const MERMAID_COLOR = { added: '#1a7f37', removed: '#cf222e', changed: '#bc4c00' } as const;

function mermaid(edges: readonly Edge[]): string {
  const { byNamespace, outside, id } = nodesOf(edges);
  const lines = ['flowchart LR'];
  let k = 0;
  for (const [ns, peers] of byNamespace) {
    if (peers.every((p) => p.kind === 'namespace')) {
      for (const p of peers) lines.push(`  ${id.get(p.name)}[${mmd(p.name)}]`);
      continue;
    }
    lines.push(`  subgraph ns${k++}[${mmd(ns)}]`);
    for (const p of peers) lines.push(`    ${id.get(p.name)}[${mmd(shortLabel(p))}]`);
    lines.push('  end');
  }
  for (const p of outside) lines.push(`  ${id.get(p.name)}([${mmd(p.name)}])`);
  const styles: string[] = [];
  edges.forEach((e, i) => {
    lines.push(`  ${id.get(e.from.name)} ${e.change === 'removed' ? '-.->' : '-->'}|${mmd(e.label)}| ${id.get(e.to.name)}`);
    if (e.change) styles.push(`  linkStyle ${i} stroke:${MERMAID_COLOR[e.change]},color:${MERMAID_COLOR[e.change]}`);
  });
  return `${[...lines, ...styles].join('\n')}\n`;
}

export const connectionsMermaid = (list: ConnectionList): string => mermaid(listEdges(list));
export const connectionDiffMermaid = (diff: ConnectionDiff): string => mermaid(diffEdges(diff));
