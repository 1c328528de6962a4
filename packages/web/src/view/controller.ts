import { checkConnection, type CheckRequest, type Cluster, type Diagnostic, type SourceFile } from '@kordon/engine';
import { exposure, exposureText, type ExposureReport } from '@kordon/review';
import { Analysis, CELL_ALL, CELL_NONE, diffViews, type ColumnChoice, type Group, type Isolation, type Level, type MatrixView } from './analysis.js';
import { explainCheck, type Explanation, type ExplainLine, type SourceLink } from './explain.js';
import { graphOf, type DirectionFilter, type GraphData } from './graph.js';
import { propose, type ProposalAction, type ProposalView } from './propose.js';
import { Session } from './session.js';
import { clusterPolicyItems, type ClusterPolicyItem } from './tiers.js';

/** A lint finding as the page lists it. */
export interface FindingView {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  detail?: string;
  link?: SourceLink;
}

/** Lint: the page lists what it returns. */
export type LintFn = (cluster: Cluster) => FindingView[];

export interface Settings {
  /** undefined: chosen from the input's size. */
  level?: Level;
  column?: string;
  namespaces: string[];
  direction: DirectionFilter;
}

export type Request =
  /** `problems`: what reading the input found before any file was parsed (unreadable files, links not served). */
  | { type: 'load'; files: SourceFile[]; origin: string; problems?: Diagnostic[] }
  | { type: 'edit'; name: string; text: string }
  | { type: 'remove'; name: string }
  | { type: 'settings'; settings: Partial<Settings> }
  /** The full answer for one cell of the current matrix, by row and column or by its groups' ids (ids survive edits). */
  | { type: 'explain'; row: number; col: number }
  | { type: 'explain'; from: string; to: string }
  /** `kordon check --from --to [--port]`: names as the CLI takes them (`ns/pod`, `ns/workload`, a Service name, an IP). */
  | { type: 'check'; from: string; to: string; port?: string }
  /** Lint findings of the current input; asked for after each snapshot, so that lint never delays an edit. */
  | { type: 'lint' }
  /** `kordon exposure` of the current input, asked for after each snapshot like lint. */
  | { type: 'exposure' }
  /** "Allow this connection" / "Deny" on a cell (by its groups' ids): the smallest change, as `generate --diff` plans it. */
  | { type: 'propose'; action: ProposalAction; from: string; to: string };

export interface Snapshot {
  type: 'snapshot';
  origin: string;
  files: { name: string; errors: number; warnings: number }[];
  diagnostics: Diagnostic[];
  stats: { pods: number; namespaces: number; policies: number; clusterPolicies: number; rejected: number; workloads: number; classes: number; addresses: number };
  /** The cluster policies, Admin then Baseline, each tier in evaluation order. */
  clusterPolicies: ClusterPolicyItem[];
  isolation: { ingress: Record<Isolation, number>; egress: Record<Isolation, number> };
  namespaces: string[];
  columns: { key: string; label: string }[];
  levels: Level[];
  /** Names the "ask" form offers: sources (pods, workloads) and destinations (those, and Service DNS names). */
  names: { sources: string[]; targets: string[] };
  settings: Settings & { level: Level; column: string };
  matrix: MatrixView;
  changes: { cells: number[]; opened: number; closed: number };
  graph: GraphData;
  /** The level the graph shows (coarser than the matrix when the matrix has too many rows to draw). */
  graphLevel: Level;
  timings: { load: number; build: number; analysis: number; view: number; total: number };
  /** The last edit rebuilt only the policies. */
  incremental: boolean;
}

export type Response =
  | Snapshot
  | { type: 'explanation'; explanation: Explanation }
  | { type: 'findings'; findings: FindingView[]; ms: number }
  /** The report of `kordon exposure` and its text, word for word what the CLI prints. */
  | { type: 'exposure'; report: ExposureReport; text: string }
  | { type: 'proposal'; proposal: ProposalView }
  | { type: 'error'; message: string };

/** Rows the views handle comfortably: above, the page offers only coarser levels. */
const POD_LEVEL_MAX = 2000;
const GROUP_LEVEL_MAX = 3000;
const GRAPH_NODES_MAX = 400;

/** The engine side of the page: owns the files, the analysis and the view settings; answers requests. */
export class Controller {
  private readonly session = new Session();
  private analysis: Analysis | undefined;
  private diagnostics: Diagnostic[] = [];
  private inputProblems: Diagnostic[] = [];
  private lastView: MatrixView | undefined;
  private lastGraphView: MatrixView | undefined;
  private origin = '';
  private timings = { load: 0, build: 0 };
  private incremental = false;
  private settings: Settings = { namespaces: [], direction: 'both' };

  constructor(private readonly lint?: LintFn) {}

  handle(req: Request): Response {
    const t0 = now();
    switch (req.type) {
      case 'load':
        this.origin = req.origin;
        this.inputProblems = req.problems ?? [];
        this.session.setFiles(req.files);
        this.lastView = undefined;
        this.lastGraphView = undefined;
        this.settings = { namespaces: [], direction: 'both' };
        this.rebuild();
        return this.snapshot(t0);
      case 'edit':
        this.session.setFile(req.name, req.text);
        this.rebuild();
        return this.snapshot(t0);
      case 'remove':
        this.session.removeFile(req.name);
        this.rebuild();
        return this.snapshot(t0);
      case 'settings': {
        const s = { ...this.settings, ...req.settings };
        // A new level or port is a new picture, not a change to highlight.
        if (s.level !== this.settings.level || s.column !== this.settings.column) {
          this.lastView = undefined;
          this.lastGraphView = undefined;
        }
        this.settings = s;
        this.timings = { load: 0, build: 0 };
        return this.snapshot(t0);
      }
      case 'explain':
        return { type: 'explanation', explanation: 'from' in req ? this.explain(req.from, req.to) : this.explainAt(req.row, req.col) };
      case 'check':
        return { type: 'explanation', explanation: this.check(req) };
      case 'lint':
        return { type: 'findings', findings: this.runLint(), ms: now() - t0 };
      case 'propose': {
        const a = this.analysis;
        const view = this.lastView;
        if (!a || !view) return { type: 'error', message: 'load manifests first' };
        const files = this.session.names().map((name) => ({ name, text: this.session.text(name) ?? '' }));
        return { type: 'proposal', proposal: propose(files, a, view, req.from, req.to, req.action) };
      }
      case 'exposure': {
        const report = exposure(this.analysis?.cluster ?? this.session.evaluate().cluster);
        return { type: 'exposure', report, text: exposureText(report) };
      }
    }
  }

  private rebuild(): void {
    const ev = this.session.evaluate();
    this.timings = ev.timings;
    this.incremental = ev.incremental;
    this.diagnostics = this.inputProblems.length ? [...this.inputProblems, ...ev.diagnostics] : ev.diagnostics;
    const t = now();
    this.analysis = new Analysis(ev.cluster);
    this.timings.build += now() - t;
  }

  private runLint(): FindingView[] {
    if (!this.lint || !this.analysis) return [];
    try {
      return this.lint(this.analysis.cluster);
    } catch (err) {
      return [{ rule: 'lint-failed', severity: 'error', message: `lint failed: ${err instanceof Error ? err.message : String(err)}` }];
    }
  }

  private levels(a: Analysis): Level[] {
    const out: Level[] = ['namespace'];
    const workloads = a.groups('workload').groups.length;
    if (workloads <= GROUP_LEVEL_MAX) out.unshift('workload');
    if (a.cluster.pods.length <= POD_LEVEL_MAX) out.unshift('pod');
    return out;
  }

  private autoLevel(a: Analysis, levels: Level[]): Level {
    if (a.cluster.pods.length <= 60 && levels.includes('pod')) return 'pod';
    if (levels.includes('workload') && a.groups('workload').groups.length <= 400) return 'workload';
    return 'namespace';
  }

  private snapshot(t0: number): Snapshot {
    const a = this.analysis ?? new Analysis(this.session.evaluate().cluster);
    const tA = now();
    const levels = this.levels(a);
    const level = this.settings.level && levels.includes(this.settings.level) ? this.settings.level : this.autoLevel(a, levels);
    const choice: ColumnChoice = a.choice(this.settings.column);
    const view = a.view(level, choice, a.endpointCount <= 20000 || level !== 'pod');
    const tV = now();
    const changes = diffViews(this.lastView, view);
    let graphView = view;
    let graphLevel = level;
    if (view.groups.length > GRAPH_NODES_MAX) {
      graphLevel = level === 'pod' && a.groups('workload').groups.length <= GRAPH_NODES_MAX ? 'workload' : 'namespace';
      graphView = a.view(graphLevel, choice, false);
    }
    const graph = graphOf(graphView, { namespaces: this.settings.namespaces, direction: this.settings.direction }, this.lastGraphView);
    this.lastView = view;
    this.lastGraphView = graphView;
    const iso = () => ({ open: 0, restricted: 0, deny: 0, host: 0, mixed: 0, outside: 0 }) as Record<Isolation, number>;
    const isolation = { ingress: iso(), egress: iso() };
    for (const p of a.podIsolation) {
      isolation.ingress[p.ingress]++;
      isolation.egress[p.egress]++;
    }
    const c = a.cluster;
    const files = this.session.names().map((name) => ({
      name,
      errors: this.diagnostics.filter((d) => d.file === name && d.severity === 'error').length,
      warnings: this.diagnostics.filter((d) => d.file === name && d.severity === 'warning').length,
    }));
    const end = now();
    return {
      type: 'snapshot',
      origin: this.origin,
      files,
      diagnostics: this.diagnostics,
      stats: { pods: c.pods.length, namespaces: c.namespaces.length, policies: c.policies.length, clusterPolicies: c.clusterPolicies.length, rejected: c.rejectedPolicies.length, workloads: c.workloads.length, classes: a.classCount, addresses: a.ips.length },
      clusterPolicies: clusterPolicyItems(c),
      isolation,
      namespaces: c.namespaces.map((n) => n.name),
      columns: a.columnChoices().map(({ key, label }) => ({ key, label })),
      levels,
      names: namesOf(c),
      settings: { ...this.settings, level, column: choice.key },
      matrix: view,
      changes: { cells: changes.changed, opened: changes.opened, closed: changes.closed },
      graph,
      graphLevel,
      incremental: this.incremental,
      timings: { load: this.timings.load, build: this.timings.build, analysis: tV - tA, view: end - tV, total: end - t0 },
    };
  }

  explainAt(row: number, col: number): Explanation {
    const g = this.lastView?.groups;
    const src = g?.[row];
    const dst = g?.[col];
    if (g && (!src || !dst)) return { verdict: 'denied', title: 'no such cell', summary: `row ${row}, column ${col} is outside the matrix`, lines: [] };
    return this.explain(src?.id ?? '', dst?.id ?? '');
  }

  /** The full `kordon check` answer for one cell of the current matrix, by the ids of its row and column groups. */
  explain(fromId: string, toId: string): Explanation {
    const a = this.analysis;
    const view = this.lastView;
    if (!a || !view) return { verdict: 'denied', title: 'nothing loaded', summary: 'load manifests first', lines: [] };
    const src = view.groups.find((g) => g.id === fromId);
    const dst = view.groups.find((g) => g.id === toId);
    if (!src || !dst) return { verdict: 'denied', title: 'no such cell', summary: `${fromId} → ${toId} is not in the matrix`, lines: [] };
    if (src.kind === 'namespace' || dst.kind === 'namespace') return this.explainNamespaces(a, view, src, dst);
    return this.explainPair(a, view.column, refOf(src), refOf(dst));
  }

  /** What `kordon check` answers for the same names: the engine's checkConnection, DNS lookup and Service included. */
  check(req: CheckRequest): Explanation {
    const a = this.analysis;
    if (!a) return { verdict: 'denied', title: 'nothing loaded', summary: 'load manifests first', lines: [] };
    const clean: CheckRequest = { from: req.from.trim(), to: req.to.trim() };
    if (req.port !== undefined && req.port.trim() !== '') clean.port = req.port.trim();
    return explainCheck(a.cluster, checkConnection(a.cluster, clean));
  }

  private explainPair(a: Analysis, choice: ColumnChoice, from: string, to: string): Explanation {
    const cluster = a.cluster;
    const check = (k: number) => {
      const c = a.columns[k]!;
      const req: CheckRequest = { from, to, port: `${c.port}/${c.protocol}` };
      return checkConnection(cluster, req);
    };
    if (choice.columns.length === 1) {
      const e = explainCheck(cluster, check(choice.columns[0]!));
      if (a.columns[choice.columns[0]!]!.label === '*') e.lines.unshift({ text: `port ${a.columns[choice.columns[0]!]!.port} stands for every port no policy or container names`, depth: 0, tone: 'note' });
      return e;
    }
    // Several columns: a line per column, then the full answer for the first one that is allowed (or the first).
    const labels = a.columnChoices();
    const results = choice.columns.map((k) => ({ label: labels[k]!.label, r: check(k) }));
    const open = results.filter((x) => x.r.verdict === 'allowed');
    const some = results.filter((x) => x.r.partial);
    const pick = open[0] ?? some[0] ?? results[0];
    if (!pick) return { verdict: 'denied', title: `${from} → ${to}`, summary: 'no ports to check', lines: [] };
    const e = explainCheck(cluster, pick.r);
    const perPort: ExplainLine[] = results.map(({ label, r }) => ({ text: `${label}: ${r.verdict}${r.partial ? ' (some endpoints)' : ''}`, depth: 0, tone: r.verdict === 'allowed' ? 'allowed' : 'denied' }));
    const verdict = open.length === results.length ? 'allowed' : open.length === 0 && some.length === 0 ? 'denied' : 'partial';
    return {
      ...e,
      verdict,
      title: `${from} → ${to} on ${choice.label}`,
      summary: portsSummary(from, to, open.map((x) => x.label), some.map((x) => x.label), results.length),
      lines: [...perPort, { text: `details for ${pick.label}:`, depth: 0, tone: 'note' }, ...e.lines],
    };
  }

  private explainNamespaces(a: Analysis, view: MatrixView, src: Group, dst: Group): Explanation {
    // A namespace cell sums workload pairs: list them, and explain one in full (a denied one when some are denied).
    const sub = a.view('workload', view.column, false);
    const n = sub.groups.length;
    const inNs = (g: Group, box: Group) => (box.kind === 'ip' ? g.id === box.id : g.namespace === box.label && g.kind !== 'ip');
    const rows: { s: Group; d: Group; state: number }[] = [];
    sub.groups.forEach((s, i) => {
      if (!inNs(s, src)) return;
      sub.groups.forEach((d, j) => {
        if (!inNs(d, dst)) return;
        rows.push({ s, d, state: sub.cells[i * n + j]! });
      });
    });
    const denied = rows.filter((r) => r.state === CELL_NONE);
    const full = rows.filter((r) => r.state === CELL_ALL);
    const pick = denied[0] ?? rows[0];
    const lines: ExplainLine[] = rows.slice(0, 40).map((r) => ({
      text: `${refOf(r.s)} → ${refOf(r.d)}: ${r.state === CELL_ALL ? 'allowed' : r.state === CELL_NONE ? 'denied' : 'some pods allowed'}`,
      depth: 0,
      tone: r.state === CELL_NONE ? 'denied' : 'allowed',
    }));
    if (rows.length > 40) lines.push({ text: `… ${rows.length - 40} more pairs`, depth: 0, tone: 'note' });
    const verdict = denied.length === rows.length ? 'denied' : full.length === rows.length ? 'allowed' : 'partial';
    const summary = `${src.label} → ${dst.label}: ${full.length} of ${rows.length} workload pairs allowed, ${denied.length} denied`;
    if (!pick) return { verdict, title: `${src.label} → ${dst.label}`, summary, lines };
    const detail = this.explainPair(a, view.column, refOf(pick.s), refOf(pick.d));
    return { verdict, title: `${src.label} → ${dst.label}`, summary, lines: [...lines, { text: `in detail: ${detail.title}: ${detail.summary}`, depth: 0, tone: 'note' }, ...detail.lines] };
  }
}

/** What a pair's answer over several port columns comes to, naming the open columns. */
export function portsSummary(from: string, to: string, open: readonly string[], some: readonly string[], total: number): string {
  if (open.length === total) return `${from} can reach ${to} on every port column (${total} of ${total})`;
  const list = (xs: readonly string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} and ${xs.length - 8} more` : xs.join(', '));
  const parts: string[] = [];
  if (open.length > 0) parts.push(`${from} can reach ${to} only on ${list(open)} (${open.length} of ${total} port columns)`);
  if (some.length > 0) parts.push(`${open.length > 0 ? 'and ' : `${from} reaches `}some endpoints of ${to} on ${list(some)}`);
  if (parts.length === 0) return `${from} cannot reach ${to} on any port`;
  return `${parts.join(' ')}; denied on the other ${total - open.length - some.length}`;
}

/** Names `checkConnection` resolves, as the ask form suggests them (capped: a datalist of 100,000 names helps nobody). */
function namesOf(c: Cluster, max = 500): { sources: string[]; targets: string[] } {
  const sources: string[] = [];
  for (const w of c.workloads) sources.push(`${w.namespace}/${w.name}`);
  for (const p of c.pods) if (!p.fromTemplate) sources.push(`${p.namespace}/${p.name}`);
  const services = c.services.map((s) => `${s.name}.${s.namespace}`);
  const uniq = (xs: string[]) => [...new Set(xs)].slice(0, max);
  return { sources: uniq(sources), targets: uniq([...services, ...sources]) };
}

function refOf(g: Group): string {
  return g.ref ?? g.label;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
