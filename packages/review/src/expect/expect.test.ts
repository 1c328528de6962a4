import { describe, expect, it } from 'vitest';
import { parseExpectations, runExpectations, type ExpectationFile } from '@kordon/review';
import { readExample, scenario, scenarioDirs } from '../__fixtures__/support.js';

const parse = (text: string, name = 'expect.yaml'): ExpectationFile => parseExpectations({ name, text });

describe('the examples: every scenario expectation holds', () => {
  const dirs = scenarioDirs();
  it('finds the scenarios', () => expect(dirs.length).toBeGreaterThanOrEqual(20));
  for (const dir of dirs) {
    it(dir, () => {
      const file = parseExpectations(readExample(`${dir}/expect.yaml`));
      expect(file.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(file.expectations.length).toBeGreaterThan(0);
      const report = runExpectations(scenario(dir).cluster, [file]);
      const failed = report.results.filter((r) => !r.passed).map((r) => `${r.expectation.location.line}: ${r.expectation.name}: ${r.summary}`);
      expect(failed).toEqual([]);
      expect(report.passed).toBe(file.expectations.length);
    });
  }
});

describe('results and explanations', () => {
  const cluster = scenario('002-earthly-namespaces/3-allow-by-labels').cluster;

  it('a wrong expectation fails with the engine explanation, and the tutorial claim is shown', () => {
    const f = parse('expectations:\n  - name: tester reaches backend\n    from: frontend/tester\n    to: backend-svc.backend\n    expect: allowed\n    tutorial: allowed\n');
    const r = runExpectations(cluster, [f]);
    expect([r.passed, r.failed]).toEqual([0, 1]);
    const res = r.results[0]!;
    expect(res.actual).toBe('denied');
    expect(res.summary).toMatch(/^expected allowed, got denied: frontend\/tester cannot reach backend-svc\.backend via Service backend\/backend-svc:80/);
    expect(res.summary).toContain('(the tutorial claimed allowed)');
    expect(res.explanation.join('\n')).toContain('egress: denied, frontend/tester is isolated for egress by frontend/all-pods-egress-allow-dns, frontend/deny');
  });

  it('the same connection as kordon check: DNS blocked is explained as such', () => {
    const c2 = scenario('002-earthly-namespaces/2-deny-all').cluster;
    const r = runExpectations(c2, [parse('expectations:\n  - from: frontend/frontend\n    to: backend-svc.backend\n    expect: allowed\n')]);
    expect(r.results[0]!.explanation[0]).toMatch(/^DNS lookup of backend-svc.backend is blocked/);
    expect(r.results[0]!.explanation.join('\n')).toContain('(DNS lookup)');
  });

  it('selectors: every matching pod must satisfy the expectation', () => {
    const ok = runExpectations(cluster, [parse('expectations:\n  - from: {namespace: frontend, labels: {}}\n    to: {namespace: frontend, labels: {run: frontend}}\n    port: 80/TCP\n    expect: allowed\n')]);
    expect(ok.failed).toBe(0);
    expect(ok.results[0]!.checks.length).toBe(1); // tester -> frontend; frontend -> itself is skipped
    // Every pod of backend to db: backend allowed, cache not: partial.
    const part = runExpectations(cluster, [parse('expectations:\n  - from: {namespace: backend, labels: {}}\n    to: db/db\n    port: 80\n    expect: allowed\n')]);
    expect(part.results[0]!.actual).toBe('partial');
    expect(part.results[0]!.summary).toMatch(/expected allowed, got partial: 1 of 2 connections allowed/);
    expect(part.results[0]!.explanation[0]).toContain('backend/cache');
    const ns = runExpectations(cluster, [parse('expectations:\n  - from: {namespaceLabels: {ns: db}, labels: {run: db}}\n    to: {namespace: backend, labels: {run: backend}}\n    port: 80\n    expect: denied\n')]);
    expect(ns.failed).toBe(0);
  });

  it('IPs and ClusterIPs work as in kordon check', () => {
    const r = runExpectations(cluster, [parse('expectations:\n  - from: 203.0.113.9\n    to: db/db\n    port: 80\n    expect: denied\n  - from: frontend/frontend\n    to: 10.96.0.10\n    port: 53/UDP\n    expect: allowed\n')]);
    expect(r.results.map((x) => x.actual)).toEqual(['denied', 'allowed']);
  });
});

describe('expectation file errors are located', () => {
  it('wrong types, unknown fields and missing fields', () => {
    const f = parse(['expectations:', '  - name: 3', '    from: frontend/frontend', '    to: [a]', '    expect: maybe', '  - from: a/b', '    to: c/d', '    port: http', '    expect: allowed', '    colour: red', '  - just text', '  - from: {labels: {app: x}, team: y}', '    to: c/d', '    expect: denied', ''].join('\n'));
    expect(f.expectations).toEqual([]);
    expect(f.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}`)).toEqual([
      '2:5 expectations[0].name',
      '4:5 expectations[0].to',
      '5:5 expectations[0].expect',
      '10:5 expectations[1].colour',
      '8:5 expectations[1].port',
      '11:5 expectations[2]',
      '12:5 expectations[3].from',
    ]);
    expect(f.diagnostics[2]!.message).toBe('expect must be allowed or denied, not maybe');
  });

  it('names that do not resolve fail at the field that names them', () => {
    const cluster = scenario('002-earthly-namespaces/3-allow-by-labels').cluster;
    const f = parse('expectations:\n  - from: frontend/nobody\n    to: db/db\n    port: 80\n    expect: denied\n  - from: frontend/frontend\n    to: nosuch.db\n    expect: denied\n  - from: frontend/frontend\n    to: db-svc.db\n    port: 8080\n    expect: denied\n  - from: frontend/frontend\n    to: db/db\n    expect: denied\n  - from: {namespace: frontend, labels: {app: ghost}}\n    to: db/db\n    port: 80\n    expect: denied\n');
    const r = runExpectations(cluster, [f]);
    expect(r.failed).toBe(5);
    expect(r.results.map((x) => `${x.error?.line}:${x.error?.column} ${x.error?.path}`)).toEqual(['2:5 from', '7:5 to', '11:5 port', '13:5 port', '16:5 from']);
    expect(r.results[1]!.error!.message).toContain('NXDOMAIN');
    expect(r.results[4]!.error!.message).toBe('pods {app=ghost} in frontend matches no pod in the input');
  });

  it('malformed YAML, duplicate keys, binary, empty, several documents, JSON', () => {
    expect(parse('expectations:\n  - from: a/b\n    to: [\n').diagnostics[0]).toMatchObject({ code: 'yaml-syntax', file: 'expect.yaml' });
    const dup = parse('expectations:\n  - from: a/b\n    from: c/d\n    to: e/f\n    port: 1\n    expect: denied\n');
    expect(dup.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(['key-duplicate 3:5']);
    expect(parse('\u0000\u0001garbage').diagnostics.map((d) => d.code)).toEqual(['input-binary']);
    expect(parse('').diagnostics.map((d) => d.code)).toEqual(['input-empty']);
    expect(parse('expectations: []\n---\nexpectations: []\n').diagnostics.map((d) => d.code)).toContain('document-count');
    expect(parse('# list\n- a\n- b\n').diagnostics.map((d) => `${d.code} ${d.line}`)).toEqual(['document-not-mapping 2']);
    const json = parse('{"expectations": [{"from": "a/b", "to": "c/d", "port": 80, "expect": "nope"}]}', 'e.json');
    expect(json.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}`)).toEqual(['1:60 expectations[0].expect']);
  });

  it('a broken file counts as a failure', () => {
    const cluster = scenario('002-earthly-namespaces/1-no-policies').cluster;
    const r = runExpectations(cluster, [parse('expectations: nope\n')]);
    expect([r.passed, r.failed]).toEqual([0, 1]);
  });
});
