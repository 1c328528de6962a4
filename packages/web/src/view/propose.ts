import { loadSources, type SourceFile } from '@kordon/engine';
import { applyChange, changeText, parseExpectations, proposeChange, type FlowChange } from '@kordon/review';
import type { Analysis, Group, MatrixView } from './analysis.js';

export type ProposalAction = 'allow' | 'deny';

/** What "Allow this connection" or "Deny" would change, from `generate --diff`'s planner, and the files it writes. */
export interface ProposalView {
  action: ProposalAction;
  /** "Allow shop/web → shop/api on 8080/TCP". */
  title: string;
  /** Nothing to propose (a port column that stands for many ports, a namespace without pods), in words. */
  problem?: string;
  /** The change proven: every asked connection as asked, files valid, lint clean. */
  holds: boolean;
  /** One line per policy added or changed. */
  changes: string[];
  /** Flows the change opens or closes besides the one asked for, as `kordon diff` names them. */
  besides: Array<{ change: 'allowed' | 'denied'; text: string }>;
  /** The whole report, as `kordon generate --diff` prints it. */
  report: string;
  /** The files with the change in place (a changed policy in its own file), to put in the editor. */
  files: Array<{ name: string; text: string; created: boolean }>;
  /** Asked connections the change does not get right, with the engine's reason. */
  failures: string[];
}

/** Pairs asked for at most: a namespace cell of large namespaces stands for many pods. */
const MAX_ENDS = 40;
const SINGLE_PORT = /^\d+\/(TCP|UDP|SCTP)$/;

/** The names `kordon test` takes for the ends of a cell: the pod, the workload, the address, or a namespace's pods. */
function ends(a: Analysis, g: Group): string[] {
  if (g.kind === 'namespace') return a.cluster.pods.filter((p) => p.namespace === g.namespace && !p.hostNetwork).slice(0, MAX_ENDS).map((p) => `${p.namespace}/${p.name}`);
  return [g.ref ?? g.label];
}

const q = (s: string): string => JSON.stringify(s);

const flowText = (f: FlowChange): string => `${f.from} → ${f.to} on ${f.allPorts ? 'all ports' : f.ports.map((p) => (p === '*' ? 'other ports' : p)).join(', ')}${f.pairs > 1 ? ` (${f.pairs} pod pairs)` : ''}`;

/**
 * The smallest change to the page's policies that allows (or denies) one cell of the matrix on its port: the cell's
 * ends go in as an expectation file, `proposeChange` (the planner of `kordon generate --diff`) answers, and the change
 * is written into the page's own files.
 */
export function propose(files: readonly SourceFile[], a: Analysis, view: MatrixView, fromId: string, toId: string, action: ProposalAction): ProposalView {
  const src = view.groups.find((g) => g.id === fromId);
  const dst = view.groups.find((g) => g.id === toId);
  const port = view.column.label;
  const name = (g: Group | undefined, id: string) => (!g ? id : g.kind === 'pod' || g.kind === 'workload' ? `${g.namespace}/${g.label}` : g.label);
  const title = `${action === 'allow' ? 'Allow' : 'Deny'} ${name(src, fromId)} → ${name(dst, toId)} on ${port}`;
  const empty = { action, title, holds: false, changes: [], besides: [], report: '', files: [], failures: [] };
  if (!src || !dst) return { ...empty, problem: 'this cell is no longer in the matrix' };
  if (!SINGLE_PORT.test(view.column.key)) return { ...empty, problem: `the column "${port}" stands for several ports: choose one port in the Port menu, then ask again` };
  const froms = ends(a, src);
  const tos = ends(a, dst);
  if (froms.length === 0 || tos.length === 0) return { ...empty, problem: 'a namespace of this cell has no pods a policy can select' };
  const lines = ['expectations:'];
  for (const f of froms) for (const t of tos) if (f !== t) lines.push(`  - {name: ${q(`${action} ${f} to ${t}`)}, from: ${q(f)}, to: ${q(t)}, port: ${q(view.column.key)}, expect: ${action === 'allow' ? 'allowed' : 'denied'}}`);
  const expectation = parseExpectations({ name: 'the page', text: `${lines.join('\n')}\n` });
  const objects = loadSources(files).objects;
  const r = proposeChange({ objects, expectations: [expectation], flows: [] });
  const written = applyChange(files, r.documents, (ns) => (ns === '' ? 'cluster-guardrails.yaml' : `${ns}-allowed.yaml`));
  const changed = new Set([...r.extended.map((e) => e.policy), ...r.narrowed.map((n) => n.policy)]);
  return {
    action,
    title,
    holds: r.proof.holds,
    changes: [
      ...r.added.map((p) => `added ${p.namespace}/${p.name}: ${p.comment[0] ?? ''}`),
      ...[...changed].map((id) => `changed ${id}: ${[...r.extended.filter((e) => e.policy === id).map((e) => `${e.rules} ${e.direction} ${e.rules === 1 ? 'rule' : 'rules'} added`), ...r.narrowed.filter((n) => n.policy === id).map((n) => n.text.slice(id.length + 2))].join('; ')}`),
    ],
    besides: r.besides.map((f) => ({ change: f.change, text: flowText(f) })),
    report: changeText(r),
    files: written.map((w) => ({ name: w.name, text: w.text, created: w.created })),
    failures: [...[...r.proof.allowed.failures, ...r.proof.denied.failures].map((f) => `${f.flow}: ${f.reason}`), ...r.proof.expectations.results.filter((x) => !x.passed).map((x) => `${x.expectation.name}: ${x.summary}`)].filter((x, i, all) => all.indexOf(x) === i),
  };
}
