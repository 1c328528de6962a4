// deploy/: the agent's DaemonSet, ServiceAccount, ClusterRole and binding. No cluster or image builder runs here, so
// the manifests are checked three ways: `kordon validate` reads them; every object passes the Kubernetes OpenAPI
// schema of its kind (kubernetes-models, generated from the API's own schema); and what the agent needs of them
// (read-only RBAC on exactly what it follows, host network, NET_ADMIN, every node) is asserted against the code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_RESOURCES } from '@kordon/source';
import { Namespace, ServiceAccount } from 'kubernetes-models/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { run } from './test-support.js';

type Obj = Record<string, any>;

const DIR = fileURLToPath(new URL('../../../deploy/kubernetes/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const objects: Obj[] = files.flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS() as Obj));
const find = (kind: string): Obj => {
  const o = objects.find((x) => x['kind'] === kind);
  if (!o) throw new Error(`deploy/kubernetes has no ${kind}`);
  return o;
};

/** The schema check of one object: the model class of its kind validates it against the Kubernetes OpenAPI schema. */
const MODELS: Record<string, (o: Obj) => { validate(): void }> = {
  'v1/Namespace': (o) => new Namespace(o as never),
  'v1/ServiceAccount': (o) => new ServiceAccount(o as never),
  'apps/v1/DaemonSet': (o) => new DaemonSet(o as never),
  'rbac.authorization.k8s.io/v1/ClusterRole': (o) => new ClusterRole(o as never),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (o) => new ClusterRoleBinding(o as never),
};
const schemaCheck = (o: Obj): void => {
  const make = MODELS[`${o['apiVersion']}/${o['kind']}`];
  if (!make) throw new Error(`no schema for ${o['apiVersion']} ${o['kind']}`);
  make(o).validate();
};

describe('deploy/kubernetes', () => {
  it('is valid for kordon validate', async () => {
    const r = await run(['validate', DIR]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${objects.length} objects in ${files.length} files`);
  });

  it('passes the Kubernetes OpenAPI schema, object by object; a broken object does not', () => {
    expect(objects.map((o) => o['kind']).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'Namespace', 'ServiceAccount']);
    for (const o of objects) expect(() => schemaCheck(o), `${o['kind']} ${o['metadata']?.['name']}`).not.toThrow();
    const broken = structuredClone(find('DaemonSet'));
    broken['spec']['template']['spec']['hostNetwork'] = 'yes';
    expect(() => schemaCheck(broken)).toThrow(/hostNetwork must be boolean/);
    const noSelector = structuredClone(find('DaemonSet'));
    delete noSelector['spec']['selector'];
    expect(() => schemaCheck(noSelector)).toThrow(/selector/);
  });

  it('grants get, list and watch only, on exactly what the agent follows', () => {
    const rules = find('ClusterRole')['rules'] as Obj[];
    for (const r of rules) expect(r['verbs']).toEqual(['get', 'list', 'watch']);
    const granted = rules.flatMap((r) => (r['resources'] as string[]).flatMap((res) => (r['apiGroups'] as string[]).map((g) => `${g}/${res}`))).sort();
    const followed = AGENT_RESOURCES.map((r) => `${r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : ''}/${r.plural}`).sort();
    expect(granted).toEqual(followed);
    const b = find('ClusterRoleBinding');
    const sa = find('ServiceAccount');
    expect(b['roleRef']).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: find('ClusterRole')['metadata']['name'] });
    expect(b['subjects']).toEqual([{ kind: 'ServiceAccount', name: sa['metadata']['name'], namespace: sa['metadata']['namespace'] }]);
    expect(sa['metadata']['namespace']).toBe(find('Namespace')['metadata']['name']);
  });

  it('runs the agent on every node, in the host network, with NET_ADMIN only, for its own node, probed on /healthz', () => {
    const ds = find('DaemonSet');
    const pod = ds['spec']['template']['spec'];
    expect(ds['spec']['selector']['matchLabels']).toEqual(Object.fromEntries(Object.entries(ds['spec']['template']['metadata']['labels']).filter(([k]) => k in ds['spec']['selector']['matchLabels'])));
    expect(pod['serviceAccountName']).toBe(find('ServiceAccount')['metadata']['name']);
    expect(pod['hostNetwork']).toBe(true);
    // A toleration with operator Exists and no key tolerates every taint.
    expect(pod['tolerations']).toContainEqual({ operator: 'Exists' });
    const [c] = pod['containers'] as Obj[];
    expect(c!['securityContext']['capabilities']).toEqual({ drop: ['ALL'], add: ['NET_ADMIN'] });
    expect(c!['securityContext']['allowPrivilegeEscalation']).toBe(false);
    expect(c!['args']).toContain('--in-cluster');
    expect(c!['env']).toContainEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    const listen = (c!['args'] as string[]).find((a) => a.startsWith('--listen='))?.slice('--listen='.length);
    expect(listen).toBe(`${c!['readinessProbe']['httpGet']['host']}:${c!['readinessProbe']['httpGet']['port']}`);
    expect(c!['readinessProbe']['httpGet']['path']).toBe('/healthz');
  });

  it('gives the agent arguments the command takes', async () => {
    const [c] = find('DaemonSet')['spec']['template']['spec']['containers'] as Obj[];
    const args = c!['args'] as string[];
    // The arguments parse and the run gets as far as nft (a namespace that does not exist: nothing is touched).
    const r = await run([...args, '--netns', 'kordon-test-no-such-netns'], { env: { NODE_NAME: 'n1' } });
    expect(r.err).not.toMatch(/unknown option|bad --|needs --node/);
    expect(r.err).toContain('kordon agent cannot enforce policies: nft cannot talk to the kernel');
    expect(r.code).toBe(2);
  });
});
