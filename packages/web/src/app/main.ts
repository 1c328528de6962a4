import { decodeSource, type Diagnostic, type SourceFile } from '@kordon/engine';
import type { Level } from '../view/analysis.js';
import type { FindingView, Request, Response, Snapshot } from '../view/controller.js';
import { sortFindings, type FindingItem } from '../view/findings.js';
import { NEW_POLICY } from '../view/template.js';
import { byId, clear, h } from './dom.js';
import { Editor } from './editor.js';
import { ExplainPanel, shortName } from './explain-panel.js';
import { EXAMPLES } from './examples.js';
import { GraphPanel, renderLegend } from './graph-view.js';
import { MatrixPanel } from './matrix-view.js';
import { ProposePanel } from './propose-panel.js';
import './styles.css';

// ---------------------------------------------------------------------------------------------
// The engine's worker: one request at a time; while one runs, only the newest edit waits.

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
let nextId = 1;
const waiting = new Map<number, (r: Response) => void>();
worker.onmessage = (e: MessageEvent<{ id: number; res: Response }>) => {
  const done = waiting.get(e.data.id);
  waiting.delete(e.data.id);
  done?.(e.data.res);
};
worker.onerror = (e) => showError(`the engine stopped: ${e.message}`);

function ask(req: Request): Promise<Response> {
  const id = nextId++;
  return new Promise((ok) => {
    waiting.set(id, ok);
    worker.postMessage({ id, req });
  });
}

let busy = false;
let pendingEdit: { name: string; text: string } | undefined;
let findingsStale = false;
let findings: FindingView[] = [];

/** One request to the engine, then the newest edit that arrived meanwhile, then lint; `data-busy` is false when all is done. */
async function send(req: Request): Promise<void> {
  busy = true;
  document.body.dataset['busy'] = 'true';
  if (req.type === 'load') setStatus('Evaluating…');
  let next: Request | undefined = req;
  while (next) {
    const t0 = performance.now();
    const kind = next.type;
    const res = await ask(next);
    if (res.type === 'snapshot') {
      if (kind !== 'settings') findingsStale = true;
      await render(res);
      const ms = performance.now() - t0;
      document.body.dataset['updateMs'] = ms.toFixed(1);
      document.body.dataset['engineMs'] = res.timings.total.toFixed(1);
      statusFor(res, ms);
    } else if (res.type === 'error') showError(res.message);
    next = takePending();
    // Lint after the views are up to date: an edit never waits for it.
    if (!next && findingsStale) {
      findingsStale = false;
      const f = await ask({ type: 'lint' });
      if (f.type === 'findings') {
        findings = f.findings;
        if (snapshot) renderFindings(snapshot);
      }
      const x = await ask({ type: 'exposure' });
      if (x.type === 'exposure') byId('exposure').textContent = x.text;
      next = takePending();
    }
  }
  busy = false;
  document.body.dataset['busy'] = 'false';
}

function takePending(): Request | undefined {
  const e = pendingEdit;
  pendingEdit = undefined;
  return e ? { type: 'edit', name: e.name, text: e.text } : undefined;
}

function edit(name: string, text: string): void {
  files.set(name, text);
  undecodable.delete(name);
  if (busy) pendingEdit = { name, text };
  else void send({ type: 'edit', name, text });
}

// ---------------------------------------------------------------------------------------------
// Page state.

const files = new Map<string, string>();
/** Bytes that were not UTF-8 in a file as read (from the server or dropped), until the file is edited in the page. */
const undecodable = new Map<string, NonNullable<SourceFile['undecodable']>>();
let snapshot: Snapshot | undefined;
let tab: 'matrix' | 'graph' = 'matrix';
let origin = '';

const matrix = new MatrixPanel(byId('matrix-view'), {
  explain: (row, col) => void explainCell(row, col),
  hover: (text) => {
    byId('hover').textContent = text ?? 'Hover or focus a cell to read it; click or press Enter for the full explanation.';
  },
});
const graph = new GraphPanel(
  byId('graph-view'),
  {
    explainEdge: (source, target) => void explainIds(source, target),
    focusNamespace: (ns) => {
      byId<HTMLSelectElement>('ns-filter').value = ns;
      void send({ type: 'settings', settings: { namespaces: [ns] } });
    },
  },
  byId('graph-status'),
);
renderLegend(byId('graph-legend'));
// Below 1280 px the graph needs the room: the legend starts folded.
byId<HTMLDetailsElement>('graph-legend-box').open = window.innerWidth >= 1280;
let editTimer: number | undefined;
const editor = new Editor(byId('editor'), {
  change: (given, text) => {
    // Typing into the empty editor starts a file.
    const name = given || 'manifests.yaml';
    if (!files.has(name)) {
      files.set(name, text);
      editor.setFiles([...files.keys()], name, text);
    }
    files.set(name, text);
    window.clearTimeout(editTimer);
    editTimer = window.setTimeout(() => edit(name, text), 120);
  },
  select: (name) => selectFile(name),
});

function selectFile(name: string): void {
  editor.setFiles([...files.keys()], name, files.get(name) ?? '');
  if (snapshot) editor.setDiagnostics(snapshot.diagnostics, jumpTo);
}

function jumpTo(d: { file: string; line: number; column: number }): void {
  if (!files.has(d.file)) return;
  if (editor.file !== d.file) selectFile(d.file);
  editor.goTo(d.line, d.column);
}

async function render(s: Snapshot): Promise<void> {
  snapshot = s;
  document.body.classList.toggle('has-input', files.size > 0);
  byId('origin').textContent = s.origin || origin;
  const names = [...files.keys()];
  const current = files.has(editor.file) ? editor.file : (names.find((n) => /polic|netpol|network/i.test(n)) ?? names[0] ?? '');
  editor.setFiles(names, current, files.get(current) ?? '');
  editor.setDiagnostics(s.diagnostics, jumpTo);
  renderControls(s);
  renderIsolation(s);
  renderClusterPolicies(s);
  renderFindings(s);
  renderChange(s);
  matrix.render(s.matrix, s.changes.cells);
  renderAskNames(s);
  const endpoints = s.matrix.groups.filter((g) => g.kind !== 'ip').length;
  byId('matrix-caption').textContent = `${endpoints} ${s.settings.level === 'namespace' ? 'namespaces' : s.settings.level === 'workload' ? 'workloads' : 'pods'}${s.stats.addresses ? ` and ${s.stats.addresses} outside address${s.stats.addresses === 1 ? '' : 'es'}` : ''} on ${s.matrix.column.label}`;
  if (tab === 'graph') await renderGraph(s);
  // After every edit, port or level change: the explanation is asked again (or cleared), never left stale.
  await explanation.refresh();
}

async function renderGraph(s: Snapshot): Promise<void> {
  const note = byId('graph-note');
  const parts: string[] = [];
  if (s.graphLevel !== s.settings.level) parts.push(`drawn by ${s.graphLevel}: the ${s.settings.level} view has too many nodes to draw`);
  if (s.graph.hiddenEdges > 0) parts.push(`${s.graph.hiddenEdges} more edges not drawn; filter by namespace to see them`);
  note.textContent = parts.join('. ');
  note.hidden = parts.length === 0;
  await graph.render(s.graph);
  const list = byId('edge-list');
  clear(list);
  for (const e of s.graph.edges.slice(0, 300)) {
    const name = (id: string) => id.replace(/^(p|w|ns|ip):/, '');
    list.append(h('li', {}, h('button', { type: 'button', class: `linkish ${e.change ?? ''}`, onclick: () => void explainIds(e.source, e.target) }, `${name(e.source)} → ${name(e.target)}${e.state === 'some' ? ' (some pods or ports)' : ''}${e.change ? ` (${e.change})` : ''}`)));
  }
  byId('edge-count').textContent = `${s.graph.edges.length} connection${s.graph.edges.length === 1 ? '' : 's'}`;
}

function renderControls(s: Snapshot): void {
  const level = byId<HTMLSelectElement>('level');
  clear(level);
  for (const l of s.levels) level.append(h('option', { value: l, selected: l === s.settings.level }, l === 'pod' ? 'pod' : l));
  const port = byId<HTMLSelectElement>('port');
  clear(port);
  for (const c of s.columns) port.append(h('option', { value: c.key, selected: c.key === s.settings.column }, c.label));
  port.disabled = s.columns.length === 0;
  const ns = byId<HTMLSelectElement>('ns-filter');
  const chosen = s.settings.namespaces[0] ?? '';
  clear(ns);
  ns.append(h('option', { value: '', selected: chosen === '' }, 'all namespaces'));
  for (const n of s.namespaces) ns.append(h('option', { value: n, selected: n === chosen }, n));
  byId<HTMLSelectElement>('direction').value = s.settings.direction;
  byId<HTMLSelectElement>('direction').disabled = chosen === '';
  const st = s.stats;
  byId('stats').textContent = `${st.pods} pods · ${st.namespaces} namespaces · ${st.policies} policies${st.clusterPolicies ? ` · ${st.clusterPolicies} cluster policies` : ''}${st.rejected ? ` · ${st.rejected} rejected` : ''}`;
}

function renderIsolation(s: Snapshot): void {
  const box = byId('isolation');
  clear(box);
  const row = (dir: 'ingress' | 'egress') => {
    const c = s.isolation[dir];
    const chip = (cls: string, n: number, word: string) => (n > 0 ? h('span', { class: `chip ${cls}` }, `${n} ${word}`) : null);
    return h('div', { class: 'iso-row' }, h('span', { class: 'iso-dir' }, dir === 'ingress' ? 'Ingress' : 'Egress'), chip('deny', c.deny, 'default-deny'), chip('restricted', c.restricted, 'restricted'), chip('open', c.open, 'wide open'), chip('host', c.host, 'hostNetwork'));
  };
  box.append(row('ingress'), row('egress'));
}

/** The cluster policies in the order the tiers try them; each name shows its line in the editor. */
function renderClusterPolicies(s: Snapshot): void {
  const section = byId('tiers-section');
  section.hidden = s.clusterPolicies.length === 0;
  const list = byId('tiers');
  clear(list);
  for (const p of s.clusterPolicies) {
    const go = p.link ? () => jumpTo(p.link!) : undefined;
    list.append(
      h(
        'li',
        { class: 'tier-item' },
        h('span', { class: `tier-name ${p.tier.toLowerCase()}` }, `${p.tier} · ${p.priority}`),
        go ? h('button', { type: 'button', class: 'linkish plain tier-policy', onclick: go, 'aria-label': `${p.id}: show in the editor` }, p.id) : h('span', { class: 'tier-policy' }, p.id),
        h('span', { class: 'tier-detail' }, `${p.subject} (${p.pods} pod${p.pods === 1 ? '' : 's'}); ${p.rules}`),
      ),
    );
  }
}

function renderFindings(s: Snapshot): void {
  const list = byId('findings');
  clear(list);
  const items: FindingItem[] = sortFindings([
    ...findings.map((f) => {
      const item: FindingItem = { severity: f.severity, rule: f.rule, text: f.message };
      if (f.detail) item.detail = f.detail;
      if (f.link) item.link = f.link;
      return item;
    }),
    ...s.diagnostics.filter((d) => d.severity !== 'info').map((d: Diagnostic): FindingItem => ({ severity: d.severity, rule: d.code, text: d.message, link: { file: d.file, line: d.line, column: d.column } })),
  ]);
  byId('findings-count').textContent = String(items.length);
  if (items.length === 0) {
    list.append(h('li', { class: 'none' }, 'No findings.'));
    return;
  }
  for (const it of items.slice(0, 300)) {
    const where = it.link ? `${shortName(it.link.file)}:${it.link.line}` : '';
    const go = it.link ? () => jumpTo(it.link!) : undefined;
    list.append(
      h(
        'li',
        { class: `finding ${it.severity}`, 'data-severity': it.severity },
        h('span', { class: `sev ${it.severity}` }, it.severity),
        h('span', { class: 'rule' }, it.rule),
        // The message itself is the way to its line: the likeliest thing to click.
        go ? h('button', { type: 'button', class: 'finding-text linkish plain', onclick: go }, it.text) : h('span', { class: 'finding-text' }, it.text),
        it.detail ? h('details', {}, h('summary', {}, 'why, and the fix'), h('span', { class: 'finding-detail' }, it.detail)) : null,
        go ? h('button', { type: 'button', class: 'linkish where', 'aria-label': `${where}: show in the editor`, onclick: go }, where) : null,
      ),
    );
  }
}

function renderChange(s: Snapshot): void {
  const el = byId('change');
  const { opened, closed, cells } = s.changes;
  if (cells.length === 0) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  el.textContent = `Last edit: ${closed} cell${closed === 1 ? '' : 's'} closed, ${opened} opened (outlined)`;
}

function statusFor(s: Snapshot, ms: number): void {
  setStatus(`Evaluated in the browser: ${s.stats.pods} pods, ${s.stats.policies} policies in ${ms.toFixed(0)} ms (engine ${s.timings.total.toFixed(0)} ms)`);
}

function setStatus(text: string | undefined): void {
  if (text !== undefined) byId('status').textContent = text;
}

function showError(message: string): void {
  const el = byId('error');
  el.hidden = false;
  el.textContent = message;
}

// ---------------------------------------------------------------------------------------------
// Explanations.

const explanation = new ExplainPanel({
  ask,
  jumpTo,
  groupIds: () => new Set(snapshot?.matrix.groups.map((g) => g.id) ?? []),
});

async function explainCell(row: number, col: number): Promise<void> {
  const g = snapshot?.matrix.groups;
  const from = g?.[row];
  const to = g?.[col];
  if (!from || !to) return;
  await explanation.show({ kind: 'cell', from: from.id, to: to.id });
  proposals.offer({ from: from.id, to: to.id });
}

// "Allow this connection" / "Deny": the change goes into the page's files, one edit after another, as typing would.
const proposals = new ProposePanel({
  ask,
  apply: async (list) => {
    for (const f of list) {
      files.set(f.name, f.text);
      undecodable.delete(f.name);
    }
    if (list[0]) {
      selectFile(list[0].name);
      // The editor opens on the policy the change wrote.
      const at = list[0].text.split('\n').findIndex((l) => /^# (Changed|Added):/.test(l));
      if (at >= 0) editor.goTo(at + 1, 1);
    }
    for (const f of list) {
      while (busy) await new Promise((ok) => setTimeout(ok, 20));
      await send({ type: 'edit', name: f.name, text: f.text });
    }
  },
  texts: (names) => names.map((name) => ({ name, text: files.get(name) })),
  remove: async (names) => {
    for (const name of names) {
      files.delete(name);
      while (busy) await new Promise((ok) => setTimeout(ok, 20));
      await send({ type: 'remove', name });
    }
  },
});

async function explainIds(source: string, target: string): Promise<void> {
  const s = snapshot;
  if (!s) return;
  // The graph may be coarser than the matrix: switch the matrix to the graph's level so the cell exists.
  if (s.graphLevel !== s.settings.level) await send({ type: 'settings', settings: { level: s.graphLevel } });
  await explanation.show({ kind: 'cell', from: source, to: target });
  proposals.offer({ from: source, to: target });
}

function setupAsk(): void {
  const form = byId<HTMLFormElement>('ask-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const from = byId<HTMLInputElement>('ask-from').value.trim();
    const to = byId<HTMLInputElement>('ask-to').value.trim();
    const port = byId<HTMLInputElement>('ask-port').value.trim();
    if (!from || !to) return;
    proposals.clear();
    void explanation.show({ kind: 'check', from, to, ...(port ? { port } : {}) });
  });
}

function renderAskNames(s: Snapshot): void {
  const fill = (id: string, names: readonly string[]) => {
    const list = byId(id);
    clear(list);
    for (const n of names) list.append(h('option', { value: n }));
  };
  fill('ask-sources', s.names.sources);
  fill('ask-targets', s.names.targets);
}

// ---------------------------------------------------------------------------------------------
// Input: the server's files, dropped or opened files, pasted text, bundled examples.

/** `problems`: what reading found before parsing (from the server: unreadable files, links it does not serve). */
async function loadFiles(list: SourceFile[], from: string, replace = true, problems: Diagnostic[] = []): Promise<void> {
  if (replace) {
    files.clear();
    undecodable.clear();
  }
  for (const f of list) {
    files.set(f.name, f.text);
    if (f.undecodable?.length) undecodable.set(f.name, f.undecodable);
    else undecodable.delete(f.name);
  }
  origin = from;
  explanation.clear();
  proposals.clear();
  const first = [...files.keys()].find((n) => /polic|netpol|network/i.test(n)) ?? [...files.keys()][0] ?? '';
  editor.setFiles([...files.keys()], first, files.get(first) ?? '');
  const sources = [...files].map(([name, text]): SourceFile => {
    const bad = undecodable.get(name);
    return bad ? { name, text, undecodable: bad } : { name, text };
  });
  await send({ type: 'load', files: sources, origin: from, problems });
}

async function readDropped(list: FileList | File[]): Promise<void> {
  // Decoded as the CLI decodes a file, so a byte that is not UTF-8 is reported at its place, not hidden as U+FFFD.
  const read = await Promise.all([...list].map(async (f) => decodeSource(f.name, new Uint8Array(await f.arrayBuffer()))));
  if (read.length) await loadFiles(read, read.length === 1 ? read[0]!.name : `${read.length} files`, false);
}

function uniqueName(base: string): string {
  if (!files.has(`${base}.yaml`)) return `${base}.yaml`;
  for (let k = 2; ; k++) if (!files.has(`${base}-${k}.yaml`)) return `${base}-${k}.yaml`;
}

function setupInput(): void {
  const picker = byId<HTMLSelectElement>('example');
  for (const ex of EXAMPLES) picker.append(h('option', { value: ex.id }, ex.title));
  picker.addEventListener('change', () => {
    const ex = EXAMPLES.find((x) => x.id === picker.value);
    if (ex) void loadFiles(ex.files, ex.title);
  });
  byId('example-wrap').hidden = EXAMPLES.length === 0;
  const demo = EXAMPLES.find((x) => x.id.startsWith('demo:'));
  byId('empty-demo').hidden = !demo;
  byId('empty-demo').addEventListener('click', () => demo && void loadFiles(demo.files, demo.title));
  byId('empty-open').addEventListener('click', () => byId('open').click());
  byId('empty-paste').addEventListener('click', () => byId('paste').click());
  const fileInput = byId<HTMLInputElement>('file-input');
  byId('open').addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    if (fileInput.files) void readDropped(fileInput.files);
    fileInput.value = '';
  });
  const dialog = byId<HTMLDialogElement>('paste-dialog');
  byId('paste').addEventListener('click', () => {
    dialog.showModal();
    byId<HTMLTextAreaElement>('paste-text').focus();
  });
  byId('paste-cancel').addEventListener('click', () => dialog.close());
  byId('paste-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = byId<HTMLTextAreaElement>('paste-text').value;
    dialog.close();
    if (text.trim()) void loadFiles([{ name: uniqueName('pasted'), text }], 'pasted YAML', false);
    byId<HTMLTextAreaElement>('paste-text').value = '';
  });
  byId('new-policy').addEventListener('click', () => {
    const name = uniqueName('policy');
    files.set(name, NEW_POLICY);
    editor.setFiles([...files.keys()], name, NEW_POLICY);
    edit(name, NEW_POLICY);
    editor.goTo(4, 9);
  });
  byId('download').addEventListener('click', () => {
    const name = editor.file;
    if (!name) return;
    const blob = new Blob([files.get(name) ?? ''], { type: 'application/yaml' });
    const a = h('a', { href: URL.createObjectURL(blob), download: name.split('/').pop() ?? 'manifest.yaml' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  // Pasting anywhere outside a text field loads the clipboard as a new file.
  document.addEventListener('paste', (e) => {
    const t = e.target as HTMLElement;
    if (t.closest('textarea, input')) return;
    const text = e.clipboardData?.getData('text/plain');
    if (text && text.trim()) void loadFiles([{ name: uniqueName('pasted'), text }], 'pasted YAML', false);
  });
  let depth = 0;
  document.addEventListener('dragenter', (e) => {
    e.preventDefault();
    depth++;
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) document.body.classList.remove('dragging');
  });
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    document.body.classList.remove('dragging');
    if (e.dataTransfer?.files.length) void readDropped(e.dataTransfer.files);
  });
}

function setupViews(): void {
  const tabs = [byId('tab-matrix'), byId('tab-graph')];
  const choose = (which: 'matrix' | 'graph', focus = false) => {
    tab = which;
    for (const t of tabs) {
      const on = t.id === `tab-${which}`;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      if (on && focus) t.focus();
    }
    byId('panel-matrix').hidden = which !== 'matrix';
    byId('panel-graph').hidden = which !== 'graph';
    if (which === 'graph' && snapshot) void renderGraph(snapshot).then(() => graph.resize());
  };
  for (const t of tabs) {
    t.addEventListener('click', () => choose(t.id === 'tab-graph' ? 'graph' : 'matrix'));
    t.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        e.preventDefault();
        choose(tab === 'matrix' ? 'graph' : 'matrix', true);
      }
    });
  }
  byId<HTMLSelectElement>('level').addEventListener('change', (e) => void send({ type: 'settings', settings: { level: (e.target as HTMLSelectElement).value as Level } }));
  byId<HTMLSelectElement>('port').addEventListener('change', (e) => void send({ type: 'settings', settings: { column: (e.target as HTMLSelectElement).value } }));
  byId<HTMLSelectElement>('ns-filter').addEventListener('change', (e) => {
    const v = (e.target as HTMLSelectElement).value;
    void send({ type: 'settings', settings: { namespaces: v ? [v] : [] } });
  });
  byId<HTMLSelectElement>('direction').addEventListener('change', (e) => void send({ type: 'settings', settings: { direction: (e.target as HTMLSelectElement).value as 'both' | 'in' | 'out' } }));
}

async function start(): Promise<void> {
  setupInput();
  setupViews();
  setupAsk();
  // Served by `kordon serve`: the files come from the server. As a static site: start empty.
  try {
    const res = await fetch('./api/manifests', { cache: 'no-store' });
    if (res.ok && (res.headers.get('content-type') ?? '').includes('json')) {
      const body = (await res.json()) as { origin: string; files: SourceFile[]; problems?: Diagnostic[] };
      document.body.dataset['mode'] = 'served';
      await loadFiles(body.files, body.origin, true, body.problems ?? []);
      return;
    }
    if (res.status === 500) {
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      showError(`the server could not read the manifests: ${body.error ?? res.statusText}`);
    }
  } catch {
    // No server: the static site.
  }
  document.body.dataset['mode'] = 'static';
  document.body.dataset['busy'] = 'false';
  setStatus('Drop manifests on the page, paste YAML, or choose an example.');
}

void start();
