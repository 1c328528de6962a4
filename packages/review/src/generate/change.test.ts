// kordon generate --diff: the smallest change to the input's own policies. For every scenario of examples/: with its
// own policies nothing changes; with any one policy removed, or with every namespace opened by an allow-all policy,
// the change (rules added, peers narrowed, ends isolated) makes every expectation hold again, checked on the files as
// a user applies them; the diff it shows is `kordon diff` of before and after, and every flow beyond the asked ones
// is listed.
import { describe, expect, it } from 'vitest';
import { buildCluster, checkConnection, loadSources, type LoadedObject } from '@kordon/engine';
import { parse, parseAllDocuments } from 'yaml';
import { applyChange, diffClusters, parseExpectations, parseFlows, proposeChange, type ChangeResult, type ExpectationFile } from '../index.js';
import type { SourceFile } from '@kordon/engine';
import { readExample, scenarioDirs, scenarioFiles } from '../__fixtures__/support.js';

/** The input with the change applied as kubectl apply does: each object of the files replaces its namesake. */
function applied(objects: readonly LoadedObject[], r: ChangeResult) {
  const files = loadSources(r.files);
  expect(files.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  const names = new Set(files.objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`));
  return buildCluster([...objects.filter((o) => !names.has(`${o.kind}/${o.namespace ?? 'default'}/${o.name}`)), ...files.objects]).cluster;
}

function expectationsHold(objects: readonly LoadedObject[], r: ChangeResult, exp: ExpectationFile): void {
  expect(r.proof.validation).toEqual([]);
  expect(r.proof.lint.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
  expect(r.proof.allowed.failures).toEqual([]);
  expect(r.proof.denied.failures).toEqual([]);
  expect(r.proof.expectations.failed).toBe(0);
  expect(r.proof.holds).toBe(true);
  const after = applied(objects, r);
  for (const x of exp.expectations) {
    if (x.from.kind !== 'name' || x.to.kind !== 'name') continue;
    const c = checkConnection(after, x.port === undefined ? { from: x.from.text, to: x.to.text } : { from: x.from.text, to: x.to.text, port: x.port });
    expect(c.verdict, `${x.name}: ${c.summary}`).toBe(x.expect);
  }
  // What it shows is kordon diff of the input and the input with the files applied.
  const shown = diffClusters(r.before, after);
  expect(r.diff.changes.map((c) => `${c.change} ${c.from} ${c.to} ${c.ports.join(',')} ${c.pairs}`)).toEqual(shown.changes.map((c) => `${c.change} ${c.from} ${c.to} ${c.ports.join(',')} ${c.pairs}`));
  for (const b of r.besides) expect(r.diff.changes).toContain(b);
}

const openAllFile = (objects: readonly LoadedObject[]): SourceFile => {
  const nss = [...new Set(objects.filter((o) => o.kind === 'Pod' || o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'DaemonSet').map((o) => o.namespace ?? 'default'))];
  return { name: 'open-all.yaml', text: nss.map((ns) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open-all, namespace: ${ns}}\nspec:\n  podSelector: {}\n  ingress: [{}]\n  egress: [{}]\n`).join('---\n') };
};
const openAll = (objects: readonly LoadedObject[]) => loadSources([openAllFile(objects)]).objects;

/** The change written into the input's own files (as the page does): every expectation holds, nothing is duplicated. */
function holdsInPlace(files: readonly SourceFile[], r: ChangeResult, exp: ExpectationFile): void {
  const written = applyChange(files, r.documents, (ns) => `generated/${ns || 'cluster'}.yaml`);
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const w of written) byName.set(w.name, w);
  const loaded = loadSources([...byName.values()]);
  const built = buildCluster(loaded.objects);
  const wrote = new Set(written.map((w) => w.name));
  expect([...loaded.diagnostics, ...built.diagnostics].filter((d) => d.severity === 'error' && wrote.has(d.file))).toEqual([]);
  for (const x of exp.expectations) {
    if (x.from.kind !== 'name' || x.to.kind !== 'name') continue;
    const c = checkConnection(built.cluster, x.port === undefined ? { from: x.from.text, to: x.to.text } : { from: x.from.text, to: x.to.text, port: x.port });
    expect(c.verdict, `${x.name}: ${c.summary}`).toBe(x.expect);
  }
  // A changed policy stays in its own file, in its own place: the file's other documents are untouched.
  for (const d of r.documents.filter((x) => x.change === 'changed')) expect(written.map((w) => w.name)).toContain(d.replaces!.file);
}

describe('generate --diff on every scenario of examples/', () => {
  const dirs = scenarioDirs();
  it('finds the scenarios', () => expect(dirs.length).toBeGreaterThanOrEqual(20));
  for (const dir of dirs) {
    describe(dir, () => {
      const all = loadSources(scenarioFiles(dir)).objects;
      const exp = parseExpectations(readExample(`${dir}/expect.yaml`));
      it('changes nothing where the policies already do what the expectations say', () => {
        const r = proposeChange({ objects: all, expectations: [exp], flows: [] });
        expect(r.files).toEqual([]);
        expect(r.diff.changes).toEqual([]);
        expect(r.proof.holds).toBe(true);
      });
      it('with any one policy removed, restores every expectation', () => {
        for (const drop of all.filter((o) => o.kind === 'NetworkPolicy')) {
          const objects = all.filter((o) => o !== drop);
          const r = proposeChange({ objects, expectations: [exp], flows: [] });
          expectationsHold(objects, r, exp);
        }
      });
      it('with every namespace opened by an allow-all policy, narrows it back, in the files themselves', () => {
        const objects = [...all, ...openAll(all)];
        const r = proposeChange({ objects, expectations: [exp], flows: [] });
        expectationsHold(objects, r, exp);
        holdsInPlace([...scenarioFiles(dir), openAllFile(all)], r, exp);
        if (r.inputs.alreadyDenied < r.inputs.denied) expect(r.narrowed.length + r.added.length).toBeGreaterThan(0);
      });
    });
  }
});

const SHOP = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c, image: coredns}]}
status: {podIP: 10.244.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: web}]}
status: {podIP: 10.244.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: admin, namespace: shop, labels: {app: admin}}
spec: {containers: [{name: c, image: admin}]}
status: {podIP: 10.244.1.11}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, image: api, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.244.1.20}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {matchLabels: {app: web}}
        - ipBlock: {cidr: 203.0.113.0/24}
      ports: [{port: 8080}]
`;

describe('generate --diff on a small shop', () => {
  const objects = loadSources([{ name: 'shop.yaml', text: SHOP }]).objects;
  const flows = (csv: string) => parseFlows({ name: 'flows.csv', text: csv });
  const expectFile = (yaml: string) => parseExpectations({ name: 'expect.yaml', text: yaml });

  it('adds a rule to the policy that already selects exactly the workload, keeping its own', () => {
    const r = proposeChange({ objects, expectations: [], flows: [flows('shop/web,shop/api,8080/TCP\nshop/admin,shop/api,8080/TCP\n')] });
    expect(r.added).toEqual([]);
    expect(r.extended.map((e) => [e.policy, e.direction, e.rules])).toEqual([['shop/api', 'ingress', 1]]);
    expect(r.inputs.alreadyAllowed).toBe(1);
    const doc = parse(r.files[0]!.text);
    expect(doc.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'web' } } }, { ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 8080 }] },
      { from: [{ podSelector: { matchLabels: { app: 'admin' } } }], ports: [{ protocol: 'TCP', port: 'http' }] },
    ]);
    expect(r.proof.holds).toBe(true);
    expect(r.diff.policies.modified).toEqual(['shop/api']);
    expect(r.diff.changes.map((c) => `${c.change} ${c.from} -> ${c.to} ${c.ports.join(',')}`)).toEqual(['allowed shop/admin -> shop/api 8080/TCP']);
    expect(r.besides).toEqual([]);
  });

  it('writes a new policy where none selects the workload, and leaves the rest of the namespace open', () => {
    const r = proposeChange({ objects, expectations: [], flows: [flows('shop/api,shop/web,80/TCP\n')] });
    expect(r.added).toEqual([]);
    expect(r.files).toEqual([]);
    expect(r.inputs.alreadyAllowed).toBe(1);
  });

  it('narrows an address block with except, and a pod peer by what tells it apart', () => {
    const exp = expectFile(`expectations:
  - {name: web reaches api, from: shop/web, to: shop/api, port: 8080/TCP, expect: allowed}
  - {name: one address is refused, from: 203.0.113.66, to: shop/api, port: 8080/TCP, expect: denied}
  - {name: others are not, from: 203.0.113.67, to: shop/api, port: 8080/TCP, expect: allowed}
`);
    const r = proposeChange({ objects, expectations: [exp], flows: [] });
    expect(r.narrowed.map((n) => [n.policy, n.path, n.action])).toEqual([['shop/api', 'spec.ingress[0].from[1]', 'except-address']]);
    expect(parse(r.files[0]!.text).spec.ingress[0].from[1]).toEqual({ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.66/32'] } });
    expect(r.proof.holds).toBe(true);
    expect(r.diff.changes.map((c) => `${c.change} ${c.from} -> ${c.to}`)).toEqual(['denied 203.0.113.66 -> shop/api']);
  });

  it('removes a peer that matches only what must be denied, and shows it as kordon diff does', () => {
    const exp = expectFile(`expectations:
  - {name: web is refused, from: shop/web, to: shop/api, port: 8080/TCP, expect: denied}
`);
    const r = proposeChange({ objects, expectations: [exp], flows: [] });
    expect(r.narrowed.map((n) => [n.path, n.action, n.excludes])).toEqual([['spec.ingress[0].from[0]', 'remove-peer', ['shop/web']]]);
    expect(parse(r.files[0]!.text).spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '203.0.113.0/24' } }]);
    expect(r.files[0]!.text).toMatch(/^# Changed: shop\/api from shop\.yaml:\d+\.\n# ~ spec\.ingress\[0\]\.from\[0\] is removed: it matches only shop\/web \(expect\.yaml:2 web is refused\)\n/);
    expect(r.diff.changes.map((c) => `${c.change} ${c.from} -> ${c.to} ${[...new Set(c.causes.map((x) => `${x.subject} ${x.change}`))].join(',')}`)).toEqual(['denied shop/web -> shop/api shop/api modified']);
  });

  it('isolates an end no policy isolates, and keeps open what must stay open', () => {
    const exp = expectFile(`expectations:
  - {name: admin is refused by web, from: shop/admin, to: shop/web, port: 80/TCP, expect: denied}
  - {name: api still reaches web, from: shop/api, to: shop/web, port: 80/TCP, expect: allowed}
`);
    const r = proposeChange({ objects, expectations: [exp], flows: [] });
    expect(r.added.map((p) => `${p.namespace}/${p.name}`)).toEqual(['shop/web-ingress']);
    const docs = parseAllDocuments(r.files[0]!.text).map((d) => d.toJSON());
    expect(docs[0].spec).toEqual({ podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 80 }] }] });
    expect(r.proof.holds).toBe(true);
    // Closing web's ingress closes it to everyone else too: said as beyond what was asked.
    expect(r.besides.map((c) => `${c.change} ${c.from} -> ${c.to} ${c.allPorts ? '*' : c.ports.join(',')}`)).toEqual([
      'denied any outside address -> shop/web *',
      'denied kube-system/coredns -> shop/web *',
      'denied shop/admin -> shop/web *',
      'denied shop/api -> shop/web 8080/TCP,*',
    ]);
  });
});
