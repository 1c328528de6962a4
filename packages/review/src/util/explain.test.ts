// `kordon test`'s explanation lines, rendered from the engine's explanation tree: the walk of each side, rules cited in
// the one reference style, near misses in the engine's words. Inputs are the examples' manifests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCluster, checkConnection, explainConnection, formatRuleCite, loadSources, type Cluster } from '@kordon/engine';
import { explainCheck, explainHop } from './explain.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

function clusterOf(dir: string): Cluster {
  const d = join(EXAMPLES, dir);
  const files = readdirSync(d)
    .filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('expect'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(d, name), 'utf8') }));
  return buildCluster(loadSources(files).objects).cluster;
}

describe('explanation lines of kordon test', () => {
  const earthly = clusterOf('002-earthly-namespaces/3-allow-by-labels');

  // The tutorial's DNS policy selects namespaces by a label no namespace has (its mistake), and frontend/deny's
  // podSelector alone means its own namespace.
  it('a NetworkPolicy denial: the isolating policies and the closest rules with their reasons; the admitting rule with its matched peer', () => {
    const r = checkConnection(earthly, { from: 'frontend/tester', to: 'backend/backend', port: '80' });
    const lines = explainHop(earthly, r.hops[0]!);
    expect(lines[0]).toBe('frontend/tester -> backend/backend 80/TCP: denied');
    expect(lines[1]).toBe('  egress: denied, frontend/tester is isolated for egress by frontend/all-pods-egress-allow-dns, frontend/deny and no rule matches; closest: frontend/all-pods-egress-allow-dns egress rule 0: namespace backend has no label contains (namespaceSelector contains=coredns); frontend/deny egress rule 0: podSelector alone means namespace frontend, but backend/backend is in backend');
    expect(lines[2]).toBe('  ingress: allowed by backend/backend ingress rule 0 (from[0])');
  });

  it('cites exactly the rules of the tree, in the same words as kordon check', () => {
    const r = checkConnection(earthly, { from: 'frontend/tester', to: 'backend/backend', port: '80' });
    const t = explainConnection(earthly, r.hops[0]!);
    const np = t.ingress.steps[0]!;
    expect(np.tier).toBe('NetworkPolicy');
    if (np.tier !== 'NetworkPolicy') return;
    expect(explainCheck(earthly, r).join('\n')).toContain(`allowed by ${np.admittedBy.map((c) => formatRuleCite(c)).join(', ')}`);
  });

  it('the tiers: the walk, and the NetworkPolicy detail after a Pass', () => {
    const tiers = clusterOf('005-cluster-policy-tiers/platform');
    const r = checkConnection(tiers, { from: 'frontend/web-7d4b9c6f8-9qz2m', to: 'payments/db-0', port: '5432/TCP' });
    const lines = explainHop(tiers, r.hops[0]!);
    expect(lines[1]).toBe('  egress: allowed: [Admin] no rule matches → [NetworkPolicy] not isolated → [Baseline] no policy selects it → allowed by default');
    expect(lines[2]).toBe('  ingress: denied: [Admin] cnp/pass-to-namespace-owners ingress rule 0 "namespace-owners-decide" (Pass) → [NetworkPolicy] denied, payments/db-0 is isolated for ingress by payments/db-from-api and no rule matches; closest: payments/db-from-api ingress rule 0 (ports[0]): podSelector alone means namespace payments, but frontend/web-7d4b9c6f8-9qz2m is in frontend');
  });
});
