import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Diagnostic, DiagnosticCode, Location, PathSegment } from '../diagnostics.js';
import { firstBadCharacter, decodeUtf8, MAX_UNDECODABLE, type BadCharacter, type Undecodable } from './bytes.js';
import { jsonStructureOf } from './json-duplicates.js';
import { sourceBy } from './lazy-source.js';
import { jsonLocator } from './json-positions.js';
import { jsonStreamDocuments } from './json-stream.js';
import { MAX_NESTING, nestingProblem, type NestingProblem } from './nesting.js';
import { splitDocuments } from './split.js';
import { describeSyntaxErrors, type SyntaxProblem } from './yaml-errors.js';
import { fastChild, readYamlFast, type FastNode } from './yaml-fast.js';
import { liteScalarAt, readYamlLite, type LiteDocument } from './yaml-lite.js';
import type { Part } from './split.js';

export { MAX_NESTING };

/** A file's text, as the CLI or the browser read it. */
export interface SourceFile {
  name: string;
  text: string;
  /** Bytes of the file that are not UTF-8, each read as U+FFFD (`decodeSource` lists them). */
  undecodable?: readonly Undecodable[];
}

/** How a scalar was written: kordon re-reads plain scalars with YAML 1.1 rules, as kubectl does. */
export interface ScalarSource {
  text: string;
  plain: boolean;
}

/** One Kubernetes object of the input, with the means to point back into its file. */
export interface LoadedObject {
  kind: string;
  apiVersion: string;
  name: string;
  namespace?: string;
  /** The object as plain data (YAML 1.2 / JSON values). */
  raw: Record<string, unknown>;
  file: string;
  /** Where the object starts. */
  source: Location;
  /** Where a field is written; falls back to the nearest ancestor that is written. */
  locate(path: readonly PathSegment[]): Location;
  /** The source text of a scalar field, or undefined when the path is not a scalar or positions are unknown. */
  scalarAt(path: readonly PathSegment[]): ScalarSource | undefined;
  /** Map keys written more than once inside this object, with their paths. */
  duplicateKeys: readonly { path: readonly PathSegment[]; key: string; at: Location }[];
}

export interface LoadResult {
  objects: LoadedObject[];
  diagnostics: Diagnostic[];
}


/** Reads every file: YAML or JSON, multi-document streams and `kind: List` are flattened into objects. */
export function loadSources(files: readonly SourceFile[]): LoadResult {
  const objects: LoadedObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    const r = loadSource(f);
    // Plain loops: spreading hundreds of thousands of items into push() overflows the stack.
    append({ objects, diagnostics }, r);
  }
  return { objects, diagnostics };
}

function append(into: LoadResult, r: LoadResult): void {
  for (const o of r.objects) into.objects.push(o);
  for (const d of r.diagnostics) into.diagnostics.push(d);
}

/** A file's bytes as a SourceFile: UTF-8, with the bytes that are not listed for the loader to point at. */
export function decodeSource(name: string, bytes: Uint8Array): SourceFile {
  const { text, undecodable } = decodeUtf8(bytes);
  return undecodable.length > 0 ? { name, text, undecodable } : { name, text };
}

/** The text one reader reads (a whole file, or one document of it), and where its offsets are in the file. */
interface Span {
  file: string;
  text: string;
  at: (offset: number) => Location;
}

/**
 * Reads a file whole when it reads cleanly; otherwise splits it on its `---` lines first, as kubectl does, so that a
 * syntax error, a nesting too deep or a byte that is not text loses its own document only.
 */
export function loadSource(file: SourceFile): LoadResult {
  const { name, text } = file;
  if (text.trimStart() === '') {
    return { objects: [], diagnostics: [{ ...fileProblem(name, 'input-empty', 'this file holds no objects', 'remove it or add manifests'), severity: 'warning' }] };
  }
  const undecodable = file.undecodable ?? [];
  const lines = lazyLines(name, text);
  if (undecodable.length > MAX_UNDECODABLE) {
    const first = firstBadCharacter(text, undecodable, 0, text.length) as BadCharacter;
    return { objects: [], diagnostics: [badCharacterProblem(name, { offset: first.offset, message: 'this file is not UTF-8 text (binary?), so it cannot be YAML or JSON; skipped' }, lines)] };
  }
  let whole: LoadResult | undefined;
  if (undecodable.length === 0 && !text.includes('\u0000')) {
    whole = loadSpan({ file: name, text, at: lines });
    if (!whole.diagnostics.some((d) => d.code === 'yaml-syntax' || d.code === 'input-too-deep')) return whole;
  }
  const parts = splitDocuments(text);
  if (whole && parts.length === 1) return whole;
  const out: LoadResult = { objects: [], diagnostics: [] };
  for (const p of parts) {
    const bad = firstBadCharacter(text, undecodable, p.start, p.end);
    if (bad) out.diagnostics.push(badCharacterProblem(name, bad, lines));
    else append(out, loadSpan({ file: name, text: text.slice(p.start, p.end), at: (o) => lines(p.start + o) }));
  }
  return out;
}

function loadSpan(span: Span): LoadResult {
  const trimmed = span.text.trimStart();
  // JSON is read with JSON.parse, many times faster than a YAML reader; positions are computed only when asked for.
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const fast = loadJsonFast(span);
    if (fast) return fast;
  }
  // So is a stream of JSON documents between `---` lines, document by document, when every one of them is JSON.
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('---')) {
    const fast = loadJsonStream(span);
    if (fast) return fast;
  }
  return liteSpan(span, false) ?? fastSpan(span) ?? fullSpan(span);
}

function fileProblem(file: string, code: DiagnosticCode, message: string, hint: string): Diagnostic {
  return { code, severity: 'error', message, hint, path: '', file, line: 1, column: 1 };
}

function badCharacterProblem(file: string, bad: BadCharacter, lines: (offset: number) => Location): Diagnostic {
  return {
    ...fileProblem(file, 'input-binary', bad.message, 'save the file as UTF-8 text (kubectl reads nothing else); pass only Kubernetes manifests'),
    ...lines(bad.offset),
  };
}

function nestingDiagnostic(problem: NestingProblem, at: Location): Diagnostic {
  const message =
    problem.kind === 'cyclic'
      ? 'this document refers to itself through an alias (`*x` inside `&x`): it has no end, and is skipped'
      : `this document nests maps and lists more than ${MAX_NESTING} levels deep; it is skipped`;
  const hint = problem.kind === 'cyclic' ? 'an alias may only repeat a node that is complete where it is used' : 'no Kubernetes object nests so deep: check how the file was made';
  return { code: problem.kind === 'cyclic' ? 'input-cyclic' : 'input-too-deep', severity: 'error', message, hint, path: '', ...at };
}

function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError || (err instanceof Error && /call stack/i.test(err.message));
}

// ---------------------------------------------------------------------------------------------

/**
 * YAML through the fast reader when it can answer exactly as the full one would (see yaml-fast.ts); line numbers are
 * worked out only when a message or a reference needs one.
 */
export function loadYamlFast(file: string, text: string): LoadResult | undefined {
  return fastSpan({ file, text, at: lazyLines(file, text) });
}

function fastSpan(span: Span): LoadResult | undefined {
  const { file, text, at } = span;
  const fast = readYamlFast(text);
  if (!fast) return undefined;
  const objects: LoadedObject[] = [];
  const diagnostics: Diagnostic[] = [];
  fast.values.forEach((value, d) => {
    const root = fast.roots[d];
    collectObjects(value, [], (raw, prefix) => {
      const locate = (path: readonly PathSegment[]): Location => locateIn(FAST_TREE, root, [...prefix, ...path], at);
      objects.push(makeObject(raw, file, { file, line: 0, column: 0 }, locate, (path) => scalarIn(FAST_TREE, root, [...prefix, ...path], text), [], () => locate([])));
    }, (message, prefix) => {
      diagnostics.push({ code: 'object-invalid', severity: 'error', message, path: formatPrefix(prefix), hint: 'each document must be a Kubernetes object with apiVersion and kind', ...locateIn(FAST_TREE, root, prefix, at) });
    });
  });
  return { objects, diagnostics };
}

/**
 * YAML through the quick reader (yaml-lite.ts), document by document; a document it leaves goes to the fast and then
 * the full reader alone. Undefined when it can read none of them (then the whole span goes to those readers, as
 * before), or with `only`, when it cannot read every one (for the tests that compare the readers).
 */
function liteSpan(span: Span, only: boolean): LoadResult | undefined {
  const { text } = span;
  // A carriage return breaks lines for YAML, also inside what reads as one line here (a comment).
  if (text.includes('\r')) return undefined;
  const parts = splitDocuments(text);
  const docs: (LiteDocument | undefined)[] = [];
  let read = 0;
  for (const p of parts) {
    const d = readYamlLite(text, p.start, p.end);
    if (d) read++;
    else if (only) return undefined;
    docs.push(d);
  }
  if (read === 0) return undefined;
  const out: LoadResult = { objects: [], diagnostics: [] };
  parts.forEach((p, k) => {
    const d = docs[k];
    if (d) liteObjects(span, p, d, out);
    else {
      const part: Span = { file: span.file, text: text.slice(p.start, p.end), at: (o) => span.at(p.start + o) };
      append(out, fastSpan(part) ?? fullSpan(part));
    }
  });
  return out;
}

/** Positioned trees of the documents asked about last: messages often point at one object's fields in a row. */
const liteTrees = new Map<Part, FastNode | undefined>();
const LITE_TREES_KEPT = 16;

function liteTree(text: string, part: Part): FastNode | undefined {
  if (liteTrees.has(part)) return liteTrees.get(part);
  const root = readYamlLite(text, part.start, part.end, true)?.root;
  if (liteTrees.size >= LITE_TREES_KEPT) liteTrees.delete(liteTrees.keys().next().value as Part);
  liteTrees.set(part, root);
  return root;
}

function liteObjects(span: Span, part: Part, doc: LiteDocument, out: LoadResult): void {
  const { file, text, at } = span;
  collectObjects(doc.value, [], (raw, prefix) => {
    const locate = (path: readonly PathSegment[]): Location => locateIn(FAST_TREE, liteTree(text, part), [...prefix, ...path], at);
    // The start of a document's own object is known without its tree.
    const source = prefix.length === 0 ? () => at(doc.start) : () => locate([]);
    out.objects.push(makeObject(raw, file, { file, line: 0, column: 0 }, locate, (path) => liteScalarAt(doc, [...prefix, ...path], text), [], source));
  }, (message, prefix) => {
    out.diagnostics.push({ code: 'object-invalid', severity: 'error', message, path: formatPrefix(prefix), hint: 'each document must be a Kubernetes object with apiVersion and kind', ...locateIn(FAST_TREE, liteTree(text, part), prefix, at) });
  });
}

/** YAML through the quick reader alone, or undefined when it cannot read every document (for tests). */
export function loadYamlLite(file: string, text: string): LoadResult | undefined {
  return liteSpan({ file, text, at: lazyLines(file, text) }, true);
}

/** Offset to line and column; the line starts are found on the first call only. */
function lazyLines(file: string, text: string): (offset: number) => Location {
  let lines: LineCounter | undefined;
  return (offset) => {
    if (!lines) {
      lines = new LineCounter();
      lines.addNewLine(0);
      for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) lines.addNewLine(k + 1);
    }
    const p = lines.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
}

/** The full reader (the `yaml` library): every position and problem; exported for the tests that compare the two. */
export function loadYaml(file: string, text: string): LoadResult {
  return fullSpan({ file, text, at: lazyLines(file, text) });
}

function fullSpan(span: Span): LoadResult {
  const { file, text, at } = span;
  const diagnostics: Diagnostic[] = [];
  const objects: LoadedObject[] = [];
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    // logLevel: the library's warnings would reach stderr as Node process warnings; problems are diagnostics here.
    docs = parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false, strict: true, merge: true, logLevel: 'error' });
  } catch (err) {
    // The parser recurses once per level: a document nested thousands deep overflows the stack.
    if (!isStackOverflow(err)) throw err;
    diagnostics.push(nestingDiagnostic({ kind: 'deep', path: [] }, at(text.length - text.trimStart().length)));
    return { objects, diagnostics };
  }
  const docList = (Array.isArray(docs) ? docs : []) as ParsedDocument[];
  for (const doc of docList) {
    const value = documentValue(doc, text, at, diagnostics);
    if (value === undefined) continue;
    const root = doc.contents as Node;
    collectObjects(value, [], (raw, prefix) => {
      const locate = (path: readonly PathSegment[]): Location => locateIn(YAML_TREE, root, [...prefix, ...path], at);
      objects.push(
        makeObject(raw, file, locate([]), locate, (path) => scalarIn(YAML_TREE, root, [...prefix, ...path], text), duplicatesIn(root, prefix, at)),
      );
    }, (message, prefix) => {
      diagnostics.push({ code: 'object-invalid', severity: 'error', message, path: formatPrefix(prefix), hint: 'each document must be a Kubernetes object with apiVersion and kind', ...locateIn(YAML_TREE, root, prefix, at) });
    });
  }
  return { objects, diagnostics };
}

function syntaxProblem(errors: Parameters<typeof describeSyntaxErrors>[0], text: string, at: (offset: number) => Location): Diagnostic {
  const p = describeSyntaxErrors(errors, text) as SyntaxProblem;
  return { code: 'yaml-syntax', severity: 'error', message: p.message, hint: p.hint, path: '', ...at(p.offset) };
}

/** A document's value, or undefined when it is empty or cannot be read (then one diagnostic says why). */
type ParsedDocument = Document.Parsed;

function documentValue(doc: ParsedDocument, text: string, at: (offset: number) => Location, diagnostics: Diagnostic[]): unknown {
  const first = doc.errors[0];
  if (first) {
    // One error per document: the parser's later ones mostly restate the first.
    diagnostics.push(isStackOverflow(first) || /call stack/i.test(first.message) ? nestingDiagnostic({ kind: 'deep', path: [] }, at(doc.range[0])) : syntaxProblem(doc.errors, text, at));
    return undefined;
  }
  if (doc.contents === null) return undefined; // an empty document between two '---'
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    diagnostics.push(
      isStackOverflow(err)
        ? nestingDiagnostic({ kind: 'deep', path: [] }, at(doc.contents.range[0]))
        : { code: 'yaml-syntax', severity: 'error', message: err instanceof Error ? firstLine(err.message) : 'this document cannot be read', path: '', ...at(doc.contents.range[0]) },
    );
    return undefined;
  }
  const problem = nestingProblem(value);
  if (problem) {
    diagnostics.push(nestingDiagnostic(problem, locateIn(YAML_TREE, doc.contents as Node, problem.path, at)));
    return undefined;
  }
  return value ?? undefined;
}

function loadJsonFast(span: Span): LoadResult | undefined {
  const { file, text, at } = span;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // let the YAML reader report the error with its position
  }
  const objects: LoadedObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const structure = jsonStructureOf(text, value, MAX_NESTING);
  if (structure.tooDeepAt !== undefined) {
    diagnostics.push(nestingDiagnostic({ kind: 'deep', path: [] }, at(structure.tooDeepAt)));
    return { objects, diagnostics };
  }
  // Positions are worked out only when a message or a reference needs one, and only along the paths asked for.
  let offsetOf: ((path: readonly PathSegment[]) => number) | undefined;
  const lazyLocate = (path: readonly PathSegment[]): Location => at((offsetOf ??= jsonLocator(text))(path));
  const dups = structure.duplicates;
  collectObjects(value, [], (raw, prefix) => {
    const locate = (path: readonly PathSegment[]) => lazyLocate([...prefix, ...path]);
    const mine = dups
      .filter((d) => d.path.length >= prefix.length && prefix.every((seg, k) => d.path[k] === seg))
      .map((d) => ({ path: d.path.slice(prefix.length), key: d.key, at: at(d.offset) }));
    objects.push(makeObject(raw, file, { file, line: 0, column: 0 }, locate, () => undefined, mine, () => locate([])));
  }, (message, prefix) => {
    diagnostics.push({ code: 'object-invalid', severity: 'error', message, path: formatPrefix(prefix), ...lazyLocate(prefix) });
  });
  return { objects, diagnostics };
}

function loadJsonStream(span: Span): LoadResult | undefined {
  const docs = jsonStreamDocuments(span.text);
  if (!docs || docs.length === 0) return undefined;
  const out: LoadResult = { objects: [], diagnostics: [] };
  for (const [start, end] of docs) {
    const r = loadJsonFast({ file: span.file, text: span.text.slice(start, end), at: (o) => span.at(start + o) });
    if (!r) return undefined; // a document JSON.parse refuses: the YAML reader has the last word on the whole stream
    append(out, r);
  }
  return out;
}

function formatPrefix(prefix: readonly PathSegment[]): string {
  return prefix.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

/** An item of a typed list, with the kind and apiVersion the list implies when it does not say them itself. */
function withListType(item: unknown, kind: string | undefined, apiVersion: unknown): unknown {
  if (kind === undefined || typeof item !== 'object' || item === null || Array.isArray(item)) return item;
  const o = item as Record<string, unknown>;
  if (o['kind'] !== undefined && o['apiVersion'] !== undefined) return item;
  return { ...o, kind: o['kind'] ?? kind, apiVersion: o['apiVersion'] ?? apiVersion };
}

/** Flattens `kind: List` (and `*List` kinds such as `PodList` from `kubectl get -o yaml`) into their items. */
function collectObjects(
  value: unknown,
  prefix: PathSegment[],
  emit: (raw: Record<string, unknown>, prefix: PathSegment[]) => void,
  problem: (message: string, prefix: PathSegment[]) => void,
): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    // A top-level JSON array of objects is accepted as a list.
    value.forEach((v, i) => collectObjects(v, [...prefix, i], emit, problem));
    return;
  }
  if (typeof value !== 'object') {
    problem(`expected a Kubernetes object here, found ${JSON.stringify(value).slice(0, 40)}`, prefix);
    return;
  }
  const obj = value as Record<string, unknown>;
  const kind = obj['kind'];
  // kordon's own files (expectations for `kordon test`) often sit beside the manifests they describe.
  if (kind === undefined && prefix.length === 0 && ('expectations' in obj || 'diagnostics' in obj)) return;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(obj['items'])) {
    // A typed list as the API server returns it (`PodList`, `NamespaceList`) leaves kind and apiVersion off its items.
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    (obj['items'] as unknown[]).forEach((v, i) => collectObjects(withListType(v, itemKind, obj['apiVersion']), [...prefix, 'items', i], emit, problem));
    return;
  }
  if (typeof kind !== 'string' || typeof obj['apiVersion'] !== 'string') {
    problem(`this object has no ${typeof kind !== 'string' ? 'kind' : 'apiVersion'}`, prefix);
    return;
  }
  emit(obj, prefix);
}

function makeObject(
  raw: Record<string, unknown>,
  file: string,
  source: Location,
  locate: (path: readonly PathSegment[]) => Location,
  scalarAt: (path: readonly PathSegment[]) => ScalarSource | undefined,
  duplicateKeys: LoadedObject['duplicateKeys'],
  lazySource?: () => Location,
): LoadedObject {
  const meta = (raw['metadata'] ?? {}) as Record<string, unknown>;
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined;
  const kind = raw['kind'] as string;
  const apiVersion = raw['apiVersion'] as string;
  let obj: LoadedObject;
  if (lazySource) {
    // The same fields in the same order, `source` an accessor (lazy-source.ts says why it is shared).
    const head = { kind, apiVersion, name, raw, file };
    obj = sourceBy(head, lazySource) as LoadedObject;
    obj.locate = locate;
    obj.scalarAt = scalarAt;
    obj.duplicateKeys = duplicateKeys;
  } else {
    obj = { kind, apiVersion, name, raw, file, source, locate, scalarAt, duplicateKeys };
  }
  if (namespace !== undefined) obj.namespace = namespace;
  return obj;
}

// ---------------------------------------------------------------------------------------------
// Walking the YAML node tree by field path.

/**
 * The entry for one step of a field path. Of a key written twice, `last` picks the last: the value toJS() keeps, so
 * what is inside it is located there; the key itself is shown at its first writing (the second is reported as the
 * duplicate).
 */
function childOf(node: Node | undefined, seg: PathSegment, last = true): { keyNode?: Node; valueNode?: Node } | undefined {
  if (isMap(node)) {
    const n = node.items.length;
    for (let j = 0; j < n; j++) {
      const pair = node.items[last ? n - 1 - j : j]!;
      const k = pair.key;
      const keyText = isScalar(k) ? String(k.value) : undefined;
      if (keyText === String(seg)) {
        const r: { keyNode?: Node; valueNode?: Node } = {};
        if (k && typeof k === 'object') r.keyNode = k as Node;
        if (pair.value && typeof pair.value === 'object') r.valueNode = pair.value as Node;
        return r;
      }
    }
    return undefined;
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return item && typeof item === 'object' ? { valueNode: item as Node } : undefined;
  }
  return undefined;
}

/** How to walk one reader's node tree by field path: the `yaml` library's, or the fast reader's. */
interface TreeWalk<N> {
  /** `last`: of a key written twice, the last (the value read); else the first. */
  child(node: N | undefined, seg: PathSegment, last?: boolean): { keyNode?: N; valueNode?: N } | undefined;
  /** Where the node's content starts. */
  start(node: N): number | undefined;
  /** A scalar's source range and style; undefined for a collection. */
  scalar(node: N): { start: number; end: number; plain: boolean } | undefined;
}

const YAML_TREE: TreeWalk<Node> = {
  child: childOf,
  start: (n) => n.range?.[0],
  scalar: (n) => (isScalar(n) && n.range ? { start: n.range[0], end: n.range[1], plain: n.type === 'PLAIN' } : undefined),
};

const FAST_TREE: TreeWalk<FastNode> = {
  child: fastChild,
  start: (n) => n.start,
  scalar: (n) => (n.kind === 'scalar' ? { start: n.start, end: n.end, plain: n.plain === true } : undefined),
};

function locateIn<N>(walk: TreeWalk<N>, root: N | undefined, path: readonly PathSegment[], at: (offset: number) => Location): Location {
  let node = root;
  let best = (node === undefined ? undefined : walk.start(node)) ?? 0;
  for (let k = 0; k < path.length; k++) {
    const c = walk.child(node, path[k] as PathSegment, k < path.length - 1);
    if (!c) break;
    // A map entry is shown at its key; a list item at its value.
    const pos = (c.keyNode === undefined ? undefined : walk.start(c.keyNode)) ?? (c.valueNode === undefined ? undefined : walk.start(c.valueNode));
    if (pos !== undefined) best = pos;
    node = c.valueNode;
    if (node === undefined) break;
  }
  return at(best);
}

function scalarIn<N>(walk: TreeWalk<N>, root: N | undefined, path: readonly PathSegment[], text: string): ScalarSource | undefined {
  let node = root;
  for (const seg of path) {
    node = walk.child(node, seg)?.valueNode;
    if (node === undefined) return undefined;
  }
  const s = node === undefined ? undefined : walk.scalar(node);
  return s && { text: text.slice(s.start, s.end), plain: s.plain };
}

function duplicatesIn(root: unknown, prefix: readonly PathSegment[], at: (offset: number) => Location): LoadedObject['duplicateKeys'] {
  let node = root as Node | undefined;
  for (const seg of prefix) {
    node = childOf(node, seg)?.valueNode;
    if (!node) return [];
  }
  const out: { path: PathSegment[]; key: string; at: Location }[] = [];
  const walk = (n: unknown, path: PathSegment[]): void => {
    if (isMap(n)) {
      const seen = new Set<string>();
      for (const pair of n.items) {
        const k = pair.key;
        const key = isScalar(k) ? String(k.value) : '';
        if (seen.has(key)) out.push({ path, key, at: at((k as Node).range?.[0] ?? 0) });
        seen.add(key);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(node, []);
  return out;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? s;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}
