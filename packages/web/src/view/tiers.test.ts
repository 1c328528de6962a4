// The page's view of cluster policies, in Node: the list in tier order, live validation in the Session, and the tier
// walk in the explanation, on the platform scenario of examples/005-cluster-policy-tiers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkConnection, describeTierStep } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { explainCheck } from './explain.js';
import { Session } from './session.js';
import { clusterPolicyItems } from './tiers.js';

const DIR = fileURLToPath(new URL('../../../../examples/005-cluster-policy-tiers/platform/', import.meta.url));
const files = readdirSync(DIR).filter((n) => n.endsWith('.yaml') && !n.startsWith('expect')).sort().map((n) => ({ name: n, text: readFileSync(join(DIR, n), 'utf8') }));
const session = (edit: (name: string, text: string) => string = (_n, t) => t) => {
  const s = new Session();
  s.setFiles(files.map((f) => ({ ...f, text: edit(f.name, f.text) })));
  return s.evaluate();
};

describe('cluster policies on the page', () => {
  it('lists them Admin first, each tier in evaluation order, with their line', () => {
    const items = clusterPolicyItems(session().cluster);
    expect(items.map((i) => `${i.tier} ${i.priority} ${i.id} ${i.pods} ${i.rules}`)).toEqual([
      'Admin priority 10 cnp/allow-monitoring 7 ingress Accept, Accept',
      'Admin priority 20 cnp/isolate-sandbox 2 ingress Deny',
      'Admin priority 20 cnp/pass-to-namespace-owners 7 ingress Pass',
      'Admin priority 30 cnp/protect-legacy 0 ingress Deny',
      'Baseline priority 100 cnp/sandbox-egress 1 egress Accept, Deny',
    ]);
    expect(items[4]!.link).toEqual({ file: 'baseline-tier.yaml', line: 3, column: 1 });
  });

  it('validates them in the editor session: an invalid one is reported at its field and left out', () => {
    const ev = session((n, t) => (n === 'baseline-tier.yaml' ? t.replace('    action: Deny\n', '    action: Drop\n') : t));
    const bad = ev.diagnostics.filter((d) => d.file === 'baseline-tier.yaml' && d.severity === 'error');
    expect(bad.map((d) => `${d.line} ${d.path}`)).toEqual(['22 spec.egress[1].action']);
    expect(ev.cluster.clusterPolicies.map((p) => p.id)).not.toContain('cnp/sandbox-egress');
    expect(session().cluster.clusterPolicies.map((p) => p.id)).toContain('cnp/sandbox-egress');
  });

  it('explains a connection through the tiers, each step linked to its rule', () => {
    const cluster = session().cluster;
    const r = checkConnection(cluster, { from: 'sandbox/tester', to: 'payments/api-6f9c7d8b5-k2x4p', port: '8080/TCP' });
    const e = explainCheck(cluster, r);
    const ingress = r.hops[0]!.verdict.ingress.tiers!;
    const step = e.lines.find((l) => l.text === describeTierStep(ingress[0]!))!;
    expect(step.tone).toBe('denied');
    expect(step.link).toEqual({ file: 'admin-tier.yaml', line: 45, column: 5 });
    expect(e.lines.some((l) => l.text.startsWith('tie: cnp/pass-to-namespace-owners'))).toBe(true);
    // Without cluster policies the explanation is as before: no tier lines.
    const plain = new Session();
    plain.setFiles(files.filter((f) => !f.name.endsWith('-tier.yaml')));
    const c2 = plain.evaluate().cluster;
    const e2 = explainCheck(c2, checkConnection(c2, { from: 'sandbox/tester', to: 'payments/api-6f9c7d8b5-k2x4p', port: '8080/TCP' }));
    expect(e2.lines.some((l) => l.text.startsWith('['))).toBe(false);
  });
});
