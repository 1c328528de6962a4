import type { Diagnostic, DiagnosticCode, Location, PathSegment, SourceFile } from '@kordon/engine';
import { formatPath, parsePortProto } from '@kordon/engine';
import { readYamlDocument } from '../util/yamlfile.js';

/** Every pod matching the selector (in `namespace`, or in namespaces matching `namespaceLabels`, or anywhere). */
export interface PodSelectorRef {
  namespace?: string;
  namespaceLabels?: Record<string, string>;
  labels: Record<string, string>;
}

/** One side of an expectation: a name `kordon check` understands, or a selector over pods. */
export type EndpointRef = { kind: 'name'; text: string } | { kind: 'selector'; selector: PodSelectorRef };

export type Outcome = 'allowed' | 'denied';

export interface Expectation {
  name: string;
  from: EndpointRef;
  to: EndpointRef;
  port?: string;
  expect: Outcome;
  /** What a tutorial claimed, when the expectation records it. */
  tutorial?: Outcome;
  because?: string;
  /** Where the expectation is written, and its fields. */
  location: Location;
  locate(path: readonly PathSegment[]): Location;
}

export interface ExpectationFile {
  file: string;
  expectations: Expectation[];
  diagnostics: Diagnostic[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const FIELDS = new Set(['name', 'from', 'to', 'port', 'expect', 'tutorial', 'because']);
const SELECTOR_FIELDS = new Set(['namespace', 'namespaceLabels', 'labels']);
const OUTCOMES = new Set(['allowed', 'denied']);

/** Reads an expectation file; every problem is a located diagnostic and well-formed entries are kept. */
export function parseExpectations(file: SourceFile): ExpectationFile {
  const doc = readYamlDocument(file);
  const diagnostics = [...doc.diagnostics];
  const expectations: Expectation[] = [];
  const problem = (path: PathSegment[], code: DiagnosticCode, message: string, hint: string, value?: unknown): void => {
    const d: Diagnostic = { code, severity: 'error', message, hint, path: formatPath(path), ...doc.locate(path) };
    if (value !== undefined) d.value = typeof value === 'string' ? value : JSON.stringify(value);
    diagnostics.push(d);
  };
  if (doc.value === undefined) return { file: file.name, expectations, diagnostics };
  const root = doc.value;
  if (!isObj(root)) {
    problem([], 'expect-shape', 'an expectation file is a mapping with a list `expectations`', 'start the file with `expectations:`');
    return { file: file.name, expectations, diagnostics };
  }
  for (const k of Object.keys(root)) if (k !== 'expectations') problem([k], 'expect-field-unknown', `unknown field ${k}`, 'the file holds one key, `expectations`');
  const list = root['expectations'];
  if (!Array.isArray(list)) {
    problem(list === undefined ? [] : ['expectations'], 'expect-shape', list === undefined ? 'missing `expectations`' : '`expectations` must be a list', 'write `expectations:` followed by `- name: ...` items');
    return { file: file.name, expectations, diagnostics };
  }
  list.forEach((item, i) => {
    const at: PathSegment[] = ['expectations', i];
    if (!isObj(item)) {
      problem(at, 'expect-shape', `expectation ${i + 1} must be a mapping with from, to and expect`, 'write `- name: ...` then `from:`, `to:`, `expect:` on the lines below');
      return;
    }
    let ok = true;
    const bad = (field: string, message: string, hint: string, value?: unknown) => {
      ok = false;
      problem([...at, field], 'expect-field-invalid', message, hint, value);
    };
    for (const k of Object.keys(item)) if (!FIELDS.has(k)) bad(k, `unknown field ${k}`, `fields are ${[...FIELDS].join(', ')}`);
    const name = item['name'];
    if (name !== undefined && typeof name !== 'string') bad('name', '`name` must be a string', 'write a sentence', name);
    const from = endpoint(item['from'], [...at, 'from'], bad);
    const to = endpoint(item['to'], [...at, 'to'], bad);
    const port = item['port'];
    let portText: string | undefined;
    if (port !== undefined) {
      portText = String(port);
      if ((typeof port !== 'string' && typeof port !== 'number') || !parsePortProto(portText)) bad('port', `port ${portText} is not N or N/PROTOCOL`, 'write 80, 80/TCP or 53/UDP', port);
    }
    const expect = item['expect'];
    if (expect === undefined) bad('expect', '`expect` is missing', 'write `expect: allowed` or `expect: denied`');
    else if (typeof expect !== 'string' || !OUTCOMES.has(expect)) bad('expect', `expect must be allowed or denied, not ${String(expect)}`, 'write `expect: allowed` or `expect: denied`', expect);
    const tutorial = item['tutorial'];
    if (tutorial !== undefined && (typeof tutorial !== 'string' || !OUTCOMES.has(tutorial))) bad('tutorial', `tutorial must be allowed or denied, not ${String(tutorial)}`, 'record what the tutorial claimed: allowed or denied', tutorial);
    const because = item['because'];
    if (because !== undefined && typeof because !== 'string') bad('because', '`because` must be text', 'write a sentence', because);
    if (!ok || !from || !to) return;
    const e: Expectation = {
      name: typeof name === 'string' ? name : `${describe(from)} -> ${describe(to)}${portText ? ` ${portText}` : ''}`,
      from,
      to,
      expect: expect as Outcome,
      location: doc.locate(at),
      locate: (p) => doc.locate([...at, ...p]),
    };
    if (portText !== undefined) e.port = portText;
    if (typeof tutorial === 'string') e.tutorial = tutorial as Outcome;
    if (typeof because === 'string') e.because = because;
    expectations.push(e);
  });
  return { file: file.name, expectations, diagnostics };
}

function endpoint(v: unknown, path: PathSegment[], bad: (field: string, message: string, hint: string, value?: unknown) => void): EndpointRef | undefined {
  const field = String(path[path.length - 1]);
  const hint = 'write ns/pod, ns/workload, an IP, a Service name, or {namespace: ns, labels: {k: v}}';
  if (v === undefined) {
    bad(field, `\`${field}\` is missing`, hint);
    return undefined;
  }
  if (typeof v === 'string' && v.trim() !== '') return { kind: 'name', text: v.trim() };
  if (!isObj(v)) {
    bad(field, `\`${field}\` must be a name or a selector mapping`, hint, v);
    return undefined;
  }
  let ok = true;
  for (const k of Object.keys(v)) {
    if (!SELECTOR_FIELDS.has(k)) {
      bad(field, `unknown selector field ${k}`, `a selector has namespace, namespaceLabels and labels`);
      ok = false;
    }
  }
  const labels = stringMap(v['labels']);
  const nsLabels = stringMap(v['namespaceLabels']);
  if (v['labels'] !== undefined && !labels) {
    bad(field, '`labels` must map label keys to string values', 'write labels: {app: web}', v['labels']);
    ok = false;
  }
  if (v['namespaceLabels'] !== undefined && !nsLabels) {
    bad(field, '`namespaceLabels` must map label keys to string values', 'write namespaceLabels: {team: a}', v['namespaceLabels']);
    ok = false;
  }
  const ns = v['namespace'];
  if (ns !== undefined && (typeof ns !== 'string' || ns === '')) {
    bad(field, '`namespace` must be a namespace name', 'write namespace: default', ns);
    ok = false;
  }
  if (ns === undefined && v['namespaceLabels'] === undefined && v['labels'] === undefined) {
    bad(field, 'an empty selector would mean every pod of the cluster', 'name a namespace or labels');
    ok = false;
  }
  if (!ok) return undefined;
  const selector: PodSelectorRef = { labels: labels ?? {} };
  if (typeof ns === 'string') selector.namespace = ns;
  if (nsLabels) selector.namespaceLabels = nsLabels;
  return { kind: 'selector', selector };
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
    else return undefined;
  }
  return out;
}

export function describe(e: EndpointRef): string {
  if (e.kind === 'name') return e.text;
  const s = e.selector;
  const labels = Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',');
  const nsl = s.namespaceLabels ? Object.entries(s.namespaceLabels).map(([k, v]) => `${k}=${v}`).join(',') : undefined;
  const where = s.namespace ?? (nsl !== undefined ? `namespaces {${nsl}}` : 'any namespace');
  return `pods {${labels}} in ${where}`;
}
