import { checkConnection, checkProblemField, clusterModel, endpointName, type CheckResult, type Cluster, type Diagnostic, type Pod } from '@kordon/engine';
import { explainCheck } from '../util/explain.js';
import { describe, type EndpointRef, type Expectation, type ExpectationFile, type Outcome } from './format.js';

export interface ExpectationResult {
  expectation: Expectation;
  passed: boolean;
  /** What the engine says; 'partial' when some pods or endpoints allow and others deny. */
  actual: Outcome | 'partial' | 'error';
  /** One line, then the explanation of the connections that decided it. */
  summary: string;
  explanation: string[];
  /** Set when the expectation could not be evaluated (a name that does not resolve). */
  error?: Diagnostic;
  /** Each connection checked (one for names; one per pod pair for selectors). */
  checks: CheckResult[];
}

export interface TestReport {
  results: ExpectationResult[];
  /** Problems of the expectation files themselves. */
  diagnostics: Diagnostic[];
  passed: number;
  failed: number;
}

/** Pods a selector stands for: real pods and workload stand-ins, hostNetwork pods included. */
function selectPods(cluster: Cluster, e: Extract<EndpointRef, { kind: 'selector' }>): readonly Pod[] {
  const s = e.selector;
  const model = clusterModel(cluster);
  const byLabels = s.namespaceLabels ? model.namespacesMatching({ matchLabels: s.namespaceLabels, matchExpressions: [] }) : model.namespaceNames();
  const namespaces = s.namespace === undefined ? byLabels : byLabels.filter((ns) => ns === s.namespace);
  return model.podsMatching(namespaces, { matchLabels: s.labels, matchExpressions: [] }, { hostNetwork: true });
}

/** The names checkConnection receives for one side: the name itself, or `ns/pod` per selected pod. */
function sideNames(cluster: Cluster, e: EndpointRef): string[] {
  return e.kind === 'name' ? [e.text] : selectPods(cluster, e).map(endpointName);
}

/** Which field of the request is wrong, when checkConnection could not evaluate it at all. */
function requestProblem(r: CheckResult): 'from' | 'to' | 'port' | undefined {
  if (r.hops.length > 0) return undefined;
  for (const p of r.issues) {
    const field = checkProblemField(p);
    if (field) return field;
  }
  return undefined;
}

/** Evaluates one expectation with the same engine call as `kordon check`. */
export function runExpectation(cluster: Cluster, x: Expectation): ExpectationResult {
  const froms = sideNames(cluster, x.from);
  const tos = sideNames(cluster, x.to);
  const fail = (field: 'from' | 'to', message: string): ExpectationResult => {
    const error: Diagnostic = { code: 'expect-unresolved', severity: 'error', message, path: field, hint: 'name a pod, workload, Service or IP that the manifests define', ...x.locate([field]) };
    return { expectation: x, passed: false, actual: 'error', summary: message, explanation: [], error, checks: [] };
  };
  if (froms.length === 0) return fail('from', `${describe(x.from)} matches no pod in the input`);
  if (tos.length === 0) return fail('to', `${describe(x.to)} matches no pod in the input`);
  const checks: CheckResult[] = [];
  for (const from of froms) {
    for (const to of tos) {
      if (from === to && x.from.kind === 'selector' && x.to.kind === 'selector') continue; // a pod always reaches itself
      const req = x.port === undefined ? { from, to } : { from, to, port: x.port };
      const r = checkConnection(cluster, req);
      // A name that does not resolve, or a port the destination lacks, is a mistake in the file, not a verdict.
      const field = requestProblem(r);
      if (field !== undefined) {
        const res = fail(field === 'port' ? 'to' : field, r.summary);
        if (field === 'port' && res.error) Object.assign(res.error, x.locate(['port']), { path: 'port' });
        return res;
      }
      checks.push(r);
    }
  }
  if (checks.length === 0) return fail('to', `${describe(x.from)} and ${describe(x.to)} are the same single pod`);
  const allowed = checks.filter((c) => c.verdict === 'allowed').length;
  const partialOne = checks.some((c) => c.partial);
  const actual: ExpectationResult['actual'] = allowed === checks.length ? 'allowed' : allowed === 0 && !partialOne ? 'denied' : 'partial';
  const passed = actual === x.expect;
  // Explain the connections that disagree with the expectation; when all agree, the first one.
  const against = checks.filter((c) => (x.expect === 'allowed' ? c.verdict !== 'allowed' : c.verdict === 'allowed' || c.partial));
  const shown = against.length > 0 ? against : checks;
  const explanation: string[] = [];
  for (const c of shown.slice(0, 3)) explanation.push(...explainCheck(cluster, c));
  if (shown.length > 3) explanation.push(`(${shown.length - 3} more connections disagree)`);
  const what = checks.length === 1 ? checks[0]!.summary : `${allowed} of ${checks.length} connections allowed`;
  let summary = passed ? what : `expected ${x.expect}, got ${actual}: ${what}`;
  if (x.tutorial !== undefined && x.tutorial !== (actual === 'partial' ? 'allowed' : actual)) summary += ` (the tutorial claimed ${x.tutorial})`;
  return { expectation: x, passed, actual, summary, explanation, checks };
}

export function runExpectations(cluster: Cluster, files: readonly ExpectationFile[]): TestReport {
  const results: ExpectationResult[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    diagnostics.push(...f.diagnostics);
    for (const x of f.expectations) results.push(runExpectation(cluster, x));
  }
  const passed = results.filter((r) => r.passed).length;
  // A broken file counts as a failure: an expectation that cannot be read asserts nothing.
  const fileErrors = diagnostics.filter((d) => d.severity === 'error').length;
  return { results, diagnostics, passed, failed: results.length - passed + fileErrors };
}
