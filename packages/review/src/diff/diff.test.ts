import { describe, expect, it } from 'vitest';
import { diffClusters, diffMarkdown, diffText } from '@kordon/review';
import { inline, pods, scenario } from '../__fixtures__/support.js';

const line = (c: { change: string; from: string; to: string; allPorts: boolean; ports: string[] }) => `${c.change} ${c.from} -> ${c.to} ${c.allPorts ? 'all' : c.ports.join(',')}`;

describe('diff between two versions', () => {
  it('seed 002, deny_all then the allow policies: what opens, and which added policy opens it', () => {
    const r = diffClusters(scenario('002-earthly-namespaces/2-deny-all').cluster, scenario('002-earthly-namespaces/3-allow-by-labels').cluster);
    expect(r.policies).toEqual({ added: ['backend/all-pods-egress-allow-dns', 'backend/backend', 'db/db', 'frontend/all-pods-egress-allow-dns', 'frontend/frontend'], removed: [], modified: [] });
    // Every workload of frontend (frontend, tester) gains DNS: one line for the namespace.
    expect(r.changes.map(line)).toEqual([
      'allowed backend/* -> kube-system/coredns all',
      'allowed backend/backend -> db/db all',
      'allowed frontend/* -> kube-system/coredns all',
      'allowed frontend/frontend -> backend/backend all',
    ]);
    const fb = r.changes.find((c) => c.from === 'frontend/frontend' && c.to === 'backend/backend')!;
    expect(fb.causes.map((c) => `${c.subject} ${c.change} ${c.rule}`)).toEqual(['frontend/frontend added spec.egress[0]', 'backend/backend added spec.ingress[0]']);
    expect(fb.causes[0]!.location?.file).toBe('002-earthly-namespaces/3-allow-by-labels/allow_frontend_egress.yaml');
    const dns = r.changes.find((c) => c.from === 'frontend/*' && c.to === 'kube-system/coredns')!;
    expect(dns.pairs).toBe(4); // two pods to two CoreDNS replicas
    expect([...new Set(dns.causes.map((c) => c.subject))]).toEqual(['frontend/all-pods-egress-allow-dns']);
    expect(r.summary).toEqual({ allowed: 4, denied: 0, flows: 4 });
  });

  it('the reverse: the same flows newly denied, attributed to the removed policies', () => {
    const r = diffClusters(scenario('002-earthly-namespaces/3-allow-by-labels').cluster, scenario('002-earthly-namespaces/2-deny-all').cluster);
    expect(r.summary).toEqual({ allowed: 0, denied: 4, flows: 4 });
    const fb = r.changes.find((c) => c.from === 'frontend/frontend' && c.to === 'backend/backend')!;
    expect(fb.causes.map((c) => `${c.subject} ${c.change}`)).toEqual(['frontend/frontend removed', 'backend/backend removed']);
    expect(fb.causes[0]!.effect).toBe('frontend/frontend egress rule 0 admitted it before');
  });

  it('no policy yet to deny_all: isolation closes flows, per port class, with the newly isolating policy', () => {
    const r = diffClusters(scenario('002-earthly-namespaces/1-no-policies').cluster, scenario('002-earthly-namespaces/2-deny-all').cluster);
    expect(r.summary.allowed).toBe(0);
    const f = r.changes.find((c) => c.from === 'frontend/*' && c.to === 'backend/*')!;
    expect(f.allPorts).toBe(true);
    expect(f.pairs).toBe(4);
    expect([...new Set(f.causes.map((c) => c.subject))].sort()).toEqual(['backend/deny', 'frontend/deny']);
    expect(f.causes.map((c) => c.effect)).toContain('backend/deny now isolates backend/backend for ingress and no rule admits the flow');
    // Inside one namespace nothing changes: deny admits its own namespace.
    expect(r.changes.filter((c) => c.from.split('/')[0] === c.to.split('/')[0])).toEqual([]);
    expect(r.changes.map(line)).toContain('denied any outside address -> db/db all');
  });

  const base = pods('app', [
    { name: 'web', labels: { app: 'web' }, ip: '10.1.0.5' },
    { name: 'db', labels: { app: 'db' }, ip: '10.1.0.6', ports: [{ name: 'pg', port: 5432 }] },
  ]);
  const pol = (ports: string, extra = '') =>
    `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: app}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}${extra}]\n    ports: [${ports}]`;

  it('a modified rule: the port that opens and the port that closes, each with the modified policy', () => {
    const r = diffClusters(inline(`${base}\n---\n${pol('{port: 5432}')}`).cluster, inline(`${base}\n---\n${pol('{port: 6432}')}`).cluster);
    expect(r.policies.modified).toEqual(['app/db']);
    expect(r.changes.map(line)).toEqual(['allowed app/web -> app/db 6432/TCP', 'denied app/web -> app/db 5432/TCP']);
    expect(r.changes[0]!.causes.map((c) => `${c.subject} ${c.change} ${c.rule}`)).toEqual(['app/db modified spec.ingress[0]']);
    expect(r.changes[1]!.causes.map((c) => c.effect)).toEqual(['app/db changed: its ingress rules no longer admit the flow for app/db', 'app/db ingress rule 0 admitted it before']);
  });

  it('outside addresses: an ipBlock added opens that range only', () => {
    const r = diffClusters(inline(`${base}\n---\n${pol('{port: 5432}')}`).cluster, inline(`${base}\n---\n${pol('{port: 5432}', ', {ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}')}`).cluster);
    expect(r.changes.map(line)).toEqual(['allowed 192.168.0.0-192.168.0.255 -> app/db 5432/TCP', 'allowed 192.168.2.0-192.168.255.255 -> app/db 5432/TCP']);
  });

  it('labels that change are the cause when no policy does', () => {
    const moved = base.replace('labels: {"app":"web"}', 'labels: {"app":"frontend"}');
    const r = diffClusters(inline(`${base}\n---\n${pol('{port: 5432}')}`).cluster, inline(`${moved}\n---\n${pol('{port: 5432}')}`).cluster);
    expect(r.changes.map(line)).toEqual(['denied app/web -> app/db 5432/TCP']);
    expect(r.changes[0]!.causes.map((c) => c.effect)).toEqual(['labels of app/web changed']);
  });

  it('identical versions: no change; workloads in one version only are listed, not diffed', () => {
    const a = inline(`${base}\n---\n${pol('{port: 5432}')}`).cluster;
    expect(diffClusters(a, a).changes).toEqual([]);
    const b = inline(`${base}\n---\n${pods('app', [{ name: 'new', labels: { app: 'web' } }]).split('---\n')[1]}\n---\n${pol('{port: 5432}')}`).cluster;
    const r = diffClusters(a, b);
    expect(r.workloads.added).toEqual(['app/new']);
    expect(r.changes).toEqual([]);
    expect(diffText(r)).toContain('no change in connectivity');
  });

  it('text and markdown say the same', () => {
    const r = diffClusters(scenario('002-earthly-namespaces/2-deny-all').cluster, scenario('002-earthly-namespaces/3-allow-by-labels').cluster);
    const t = diffText(r);
    expect(t).toContain('+ frontend/frontend -> backend/backend on all ports');
    expect(t).toContain('because frontend/frontend egress rule 0 admits it for frontend/frontend (002-earthly-namespaces/3-allow-by-labels/allow_frontend_egress.yaml:14) [added]');
    expect(t.trimEnd().split('\n').at(-1)).toBe('4 flows newly allowed, 0 flows newly denied');
    const md = diffMarkdown(r);
    expect(md).toContain('| `frontend/frontend` | `backend/backend` | all ports |');
    expect(md).toContain('**4** flows newly allowed, **0** newly denied.');
  });
});
