import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followCluster, type ClusterFollower } from './follow.js';
import type { Resource } from './resources.js';
import { makePki, type TestPki } from './testing/certs.js';
import { TestApiServer } from './testing/api-server.js';

// The informers against the stand-in API server: list, then watch; bookmarks; a killed and restarted server
// followed on from the last version; an expired version (410 Gone) listed again; a CRD that is not installed.

type Obj = Record<string, unknown>;
const pod = (ns: string, name: string, labels: Record<string, string> = {}): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, labels }, spec: { nodeName: 'n1', containers: [{ name: 'c' }] }, status: { podIP: '10.0.0.1' } });

let pki: TestPki;
let api: TestApiServer;
const dir = mkdtempSync(join(tmpdir(), 'kordon-follow-'));

beforeAll(async () => {
  pki = makePki();
  api = new TestApiServer({ pki, tokens: { t: 'agent', limited: 'lim', listonly: 'lister' }, noWatch: { lister: ['pods'] }, grants: { lim: { namespaces: '*', nodes: '*', networkpolicies: '*', clusternetworkpolicies: '*', adminnetworkpolicies: '*', baselineadminnetworkpolicies: '*' } }, absent: ['adminnetworkpolicies'], bookmarkMs: 100 });
  await api.start();
  api.store.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
  api.store.put(pod('a', 'p1'));
});
afterAll(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** What the follower has told, as a map of kind/ns/name to labels, plus its log. */
function recorder() {
  const objects = new Map<string, Obj>();
  const log: string[] = [];
  let synced = 0;
  const key = (r: Resource, o: Obj) => `${r.kind}/${String((o['metadata'] as Obj)['namespace'] ?? '')}/${String((o['metadata'] as Obj)['name'])}`;
  return {
    objects,
    log,
    synced: () => synced,
    events: {
      upsert: (r: Resource, o: Obj) => objects.set(key(r, o), o),
      removed: (r: Resource, o: Obj) => objects.delete(key(r, o)),
      synced: () => synced++,
      log: (m: string) => log.push(m),
    },
  };
}

describe('followCluster', () => {
  let f: ClusterFollower;
  const rec = recorder();

  it('lists every resource, says synced once, and hands on trimmed objects with their resourceVersion', async () => {
    const kc = join(dir, 'kc');
    writeFileSync(kc, api.kubeconfig({ token: 't' }));
    f = await followCluster({ kubeconfig: kc, backoffMs: 50, maxBackoffMs: 200 }, rec.events);
    await until(() => rec.synced() === 1);
    const p = rec.objects.get('Pod/a/p1') as Obj;
    expect((p['metadata'] as Obj)['resourceVersion']).toMatch(/^\d+$/);
    expect((p['metadata'] as Obj)['managedFields']).toBeUndefined();
    // The stand-in serves the pod Ready; the agent reads no Services, so readiness is no part of what it follows.
    expect(p['status']).toEqual({ podIP: '10.0.0.1' });
    expect(rec.log.some((l) => /adminnetworkpolicies are not served/.test(l))).toBe(true);
    expect(f.status().find((s) => s.resource.plural === 'adminnetworkpolicies')?.state).toBe('absent');
    expect(f.status().every((s) => s.listed)).toBe(true);
    // The watches asked for bookmarks.
    expect(api.requests.some((q) => q.includes('/api/v1/pods?') && q.includes('watch=true') && q.includes('allowWatchBookmarks=true'))).toBe(true);
  });

  it('follows additions, changes and deletions', async () => {
    api.store.put(pod('a', 'p2', { app: 'x' }));
    api.store.put(pod('a', 'p1', { app: 'y' }));
    await until(() => rec.objects.has('Pod/a/p2') && ((rec.objects.get('Pod/a/p1')?.['metadata'] as Obj)['labels'] as Obj)['app'] === 'y');
    expect(rec.objects.get('Pod/a/p2')?.['status']).toEqual({ podIP: '10.0.0.1' });
    api.store.delete('Pod', 'a', 'p2');
    await until(() => !rec.objects.has('Pod/a/p2'));
  });

  it('follows on after the API server is killed and restarted, without listing again', async () => {
    const port = api.port;
    const listsBefore = api.requests.filter((q) => q.startsWith('/api/v1/pods?limit')).length;
    await api.stop();
    api.store.put(pod('a', 'p3'));
    await until(() => rec.log.some((l) => /pods: .*connection refused.*trying again/.test(l)));
    expect(f.status().find((s) => s.resource.plural === 'pods')?.downSince).toBeDefined();
    await api.start(port);
    await until(() => rec.objects.has('Pod/a/p3'));
    await until(() => f.status().every((s) => s.state === 'watching' || s.state === 'absent'));
    expect(api.requests.filter((q) => q.startsWith('/api/v1/pods?limit')).length).toBe(listsBefore);
    expect(f.status().find((s) => s.resource.plural === 'pods')?.restarts).toBeGreaterThan(0);
  });

  it('lists again when its version has expired (410 Gone), and sees deletions it missed', async () => {
    const port = api.port;
    await api.stop();
    api.store.delete('Pod', 'a', 'p1');
    api.store.put(pod('a', 'p4'));
    api.store.compact();
    await api.start(port);
    await until(() => rec.objects.has('Pod/a/p4') && !rec.objects.has('Pod/a/p1'));
    expect(rec.log.some((l) => /watch of pods expired \(410 Gone\)/.test(l))).toBe(true);
    expect(f.status().find((s) => s.resource.plural === 'pods')?.relists).toBeGreaterThan(0);
    f.stop();
  });

  it('names the refused verb and resource and the kubectl auth can-i line, and keeps trying', async () => {
    const kc = join(dir, 'kc-limited');
    writeFileSync(kc, api.kubeconfig({ token: 'limited' }));
    const r = recorder();
    const g = await followCluster({ kubeconfig: kc, backoffMs: 50, maxBackoffMs: 100 }, r.events);
    await until(() => r.log.filter((l) => l.includes('cannot list pods')).length >= 2);
    g.stop();
    expect(r.synced()).toBe(0);
    expect(r.log.find((l) => l.includes('cannot list pods'))).toMatch(/User "lim" cannot list resource "pods".*kubectl auth can-i list pods -A and kubectl auth can-i watch pods -A/);
  });

  it('names the watch verb when only the watch is refused, and is not synced while it cannot watch', async () => {
    const kc = join(dir, 'kc-listonly');
    writeFileSync(kc, api.kubeconfig({ token: 'listonly' }));
    const r = recorder();
    const g = await followCluster({ kubeconfig: kc, backoffMs: 50, maxBackoffMs: 100 }, r.events);
    await until(() => r.log.filter((l) => l.startsWith('pods: the watch was refused')).length >= 2);
    g.stop();
    expect(r.synced()).toBe(0);
    expect(r.log.find((l) => l.startsWith('pods: the watch was refused'))).toMatch(/HTTP 403.*check with: kubectl auth can-i watch pods -A; trying again/);
  });
});
