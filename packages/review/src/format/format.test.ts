import { describe, expect, it } from 'vitest';
import { lint, lintMarkdown, lintText, parseExpectations, runExpectations, testMarkdown, testText, toSarif } from '@kordon/review';
import { scenario } from '../__fixtures__/support.js';

const report = () => {
  const b = scenario('002-earthly-namespaces/3-allow-by-labels');
  return lint(b.cluster, { diagnostics: b.diagnostics });
};

describe('SARIF 2.1.0', () => {
  it('rules in tool.driver.rules, results with ruleIndex and physicalLocation.region', () => {
    const r = report();
    const log = toSarif(r);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toContain('sarif-2.1.0');
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe('kordon');
    expect(run.results).toHaveLength(r.findings.length);
    for (const res of run.results) {
      expect(run.tool.driver.rules[res.ruleIndex]!.id).toBe(res.ruleId);
      const reg = res.locations[0]!.physicalLocation.region;
      expect(reg.startLine).toBeGreaterThan(0);
      expect(reg.startColumn).toBeGreaterThan(0);
      expect(['error', 'warning', 'note']).toContain(res.level);
    }
    const split = run.results.find((x) => x.ruleId === 'peer-and-split' && x.locations[0]!.physicalLocation.artifactLocation.uri.endsWith('allow_frontend_egress.yaml'))!;
    expect(split.level).toBe('error');
    expect(split.locations[0]!.physicalLocation.region).toEqual({ startLine: 18, startColumn: 7 });
    expect(split.relatedLocations?.[0]?.physicalLocation.region.startLine).toBe(15);
    expect(split.message.text).toContain('Fix: make them one peer');
    // Infos are notes, and every rule that ran is described even without results.
    expect(run.results.filter((x) => x.level === 'note').length).toBe(r.counts.info);
    expect(run.tool.driver.rules.map((x) => x.id)).toContain('cidr-noncanonical');
    expect(JSON.parse(JSON.stringify(log))).toEqual(log);
  });

  it('paths become URIs', () => {
    const r = report();
    r.findings[0]!.location!.file = './dir with space\\a.yaml';
    expect(toSarif(r).runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('dir%20with%20space/a.yaml');
  });
});

describe('text and markdown', () => {
  it('lint text: location, rule, why, fix and a count', () => {
    const t = lintText(report());
    expect(t).toContain('002-earthly-namespaces/3-allow-by-labels/allow_frontend_egress.yaml:18:7: error [peer-and-split]');
    expect(t).toMatch(/\n    fix: make them one peer/);
    expect(t.trimEnd().split('\n').at(-1)).toMatch(/^4 errors, 3 warnings, \d+ infos$/);
    expect(lintText(report(), { minSeverity: 'warning' })).not.toContain('[ingress-unprotected]');
  });

  it('lint markdown escapes pipes', () => {
    const r = report();
    r.findings[0]!.message = 'a | b';
    expect(lintMarkdown(r)).toContain('a \\| b');
    expect(lintMarkdown(r)).toContain('| 🛑 | `peer-and-split` |');
  });

  it('test text ends with N passed, N failed; failures carry their explanation and place', () => {
    const b = scenario('002-earthly-namespaces/3-allow-by-labels');
    const f = parseExpectations({ name: 'e.yaml', text: 'expectations:\n  - name: ok\n    from: frontend/frontend\n    to: backend-svc.backend\n    expect: allowed\n  - name: wrong\n    from: frontend/tester\n    to: backend/backend\n    port: 80\n    expect: allowed\n    because: the tutorial says so\n' });
    const r = runExpectations(b.cluster, [f]);
    const t = testText(r);
    expect(t).toContain('FAIL e.yaml:6:5 wrong');
    expect(t).toContain('the file says: the tutorial says so');
    expect(t).not.toContain('PASS');
    expect(testText(r, { verbose: true })).toContain('PASS e.yaml:2:5 ok');
    expect(t.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
    expect(testMarkdown(r)).toContain('**1** passed, **1** failed');
  });
});
