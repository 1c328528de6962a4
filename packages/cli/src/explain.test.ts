import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run, STACK_TRACE } from './test-support.js';

const SHOP = fileURLToPath(new URL('./__fixtures__/shop', import.meta.url));

interface ExplainJson {
  listing: { namespace: string; name: string; podSelector: string; policyTypes: string; pods: number; ingressRules: number; egressRules: number }[];
  policies: { id: string; selectedPods: string[]; policyTypes: string[]; summary: string[]; ingress: { index: number; text: string; location?: { line: number } }[] }[];
  pods: { pod: string; ingress: { isolated: boolean; policies: string[] }; egress: { isolated: boolean; policies: string[]; allowed: { policy: string; rule: number; pods: string[]; ports: string[] | null }[] } }[];
  rejectedPolicies: string[];
}

describe('kordon explain', () => {
  it('JSON: the listing, every policy with its pods, every pod with its isolation', async () => {
    const r = await run(['explain', SHOP, '-o', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as ExplainJson;
    expect(Object.keys(j)).toEqual(['listing', 'policies', 'pods', 'rejectedPolicies']);
    expect(j.listing.map((l) => `${l.namespace}/${l.name} ${l.podSelector} ${l.policyTypes} ${l.pods}`)).toEqual([
      'backend/api-ingress app=api Ingress 2',
      'backend/db-ingress app=db Ingress 1',
      'frontend/admin-egress app=admin Egress 1',
      'frontend/web-egress app=web Egress 1',
    ]);
    expect(j.rejectedPolicies).toEqual(['backend/broken']);
    const api = j.policies.find((p) => p.id === 'backend/api-ingress')!;
    expect(api.selectedPods).toEqual(['backend/api-1', 'backend/api-2']);
    expect(api.summary).toContain('Ingress rule 0: allows from all pods in namespaces with team=fe, on port named http/TCP.');
    const admin = j.pods.find((p) => p.pod === 'frontend/admin')!;
    expect(admin.ingress).toMatchObject({ isolated: false, policies: [] });
    expect(admin.egress).toMatchObject({ isolated: true, policies: ['frontend/admin-egress'] });
    expect(admin.egress.allowed.map((a) => [a.rule, a.pods, a.ports])).toEqual([
      [0, ['kube-system/coredns-1'], ['53/UDP']],
      [1, ['backend/api-1', 'backend/api-2', 'backend/db', 'backend/worker'], null],
    ]);
    // A workload without pods is explained through its template stand-in.
    expect(j.pods.map((p) => p.pod)).toContain('backend/worker');
  });

  it('text: a kubectl-like listing, policies in words with their places, and pods', async () => {
    const r = await run(['explain', SHOP]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^NetworkPolicies\nNAMESPACE\s+NAME\s+POD-SELECTOR\s+POLICY-TYPES\s+PODS\s+INGRESS-RULES\s+EGRESS-RULES\nbackend\s+api-ingress\s+app=api\s+Ingress\s+2\s+1\s+0\n/);
    expect(r.out).toContain('note: 1 invalid NetworkPolicy left out of the evaluation');
    expect(r.out).toMatch(/Policy backend\/db-ingress \(.*policies\.yaml:\d+\)/);
    expect(r.out).toContain('from[0] addresses in 192.168.0.0/16 except 192.168.1.0/24: no pod IP of the input inside');
    expect(r.out).toMatch(/frontend\/web\s+open\s+isolated \(frontend\/web-egress\)/);
    expect(r.out).toContain('Pod backend/api-1 (app=api)');
    expect(r.out + r.err).not.toMatch(STACK_TRACE);
  });

  it('--pod narrows to one pod and the policies that select it', async () => {
    const j = JSON.parse((await run(['explain', SHOP, '--pod', 'backend/db', '-o', 'json'])).out) as ExplainJson;
    expect(j.pods.map((p) => p.pod)).toEqual(['backend/db']);
    expect(j.policies.map((p) => p.id)).toEqual(['backend/db-ingress']);
  });

  it('--policy narrows to one policy and the pods it selects', async () => {
    const j = JSON.parse((await run(['explain', SHOP, '--policy', 'backend/api-ingress', '-o', 'json'])).out) as ExplainJson;
    expect(j.policies.map((p) => p.id)).toEqual(['backend/api-ingress']);
    expect(j.pods.map((p) => p.pod)).toEqual(['backend/api-1', 'backend/api-2']);
  });

  it('md: the listing and the pods as tables', async () => {
    const r = await run(['explain', SHOP, '-o', 'md']);
    expect(r.out).toContain('| NAMESPACE | NAME | POD-SELECTOR | POLICY-TYPES | PODS | INGRESS-RULES | EGRESS-RULES |');
    expect(r.out).toContain('## backend/api-ingress');
    expect(r.out).toContain('| frontend/web | open | isolated (frontend/web-egress) |');
  });

  const usage: [string, string[], RegExp][] = [
    ['an unknown pod', ['--pod', 'backend/nosuch'], /--pod backend\/nosuch: no pod of that name/],
    ['an invalid policy', ['--policy', 'backend/broken'], /--policy backend\/broken: no valid NetworkPolicy of that name/],
  ];
  for (const [name, args, message] of usage) {
    it(`exits 2 on ${name}`, async () => {
      const r = await run(['explain', SHOP, ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    });
  }
});
