import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { evaluate, PROTOCOLS, serviceEndpoints, type Cluster, type Protocol } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { build, scenarioDirs, scenarioFiles } from '../__fixtures__/support.js';
import { cidrsOf, describeAddresses } from './addresses.js';
import { diffConnections } from './diff.js';
import { listConnections, resolveFocus } from './list.js';
import { formatPortSet, mergePortRanges } from './ports.js';
import { connectionDiffDot, connectionDiffMermaid, connectionsCsv, connectionsDot, connectionsMarkdown, connectionsMermaid, connectionsText } from './render.js';

const cluster = (text: string): Cluster => build([{ name: 'in.yaml', text }]).cluster;

const SHOP = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: api, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: data}
spec:
  selector: {matchLabels: {app: postgres}}
  serviceName: postgres
  template:
    metadata: {labels: {app: postgres}}
    spec: {containers: [{name: c, image: pg}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: pg, namespace: data}
spec:
  podSelector: {matchLabels: {app: postgres}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}}]
    ports: [{port: 5432}, {port: 9187}, {port: 9188}, {port: 9189}, {port: 7000, endPort: 7010, protocol: UDP}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
  ingress: [{ports: [{port: http}]}]
  egress:
  - to: [{namespaceSelector: {}}]
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.0.0/16]}}]
    ports: [{port: 443}]
`;

describe('listConnections', () => {
  it('prints one line per workload pair with exact, merged port sets and outside addresses as CIDRs', () => {
    const text = connectionsText(listConnections(cluster(SHOP)));
    expect(text).toBe(
      [
        'data/postgres[StatefulSet] => shop/api[Deployment] : TCP 8080',
        'data/postgres[StatefulSet] => 0.0.0.0/0 : all ports',
        'shop/api[Deployment] => data/postgres[StatefulSet] : TCP 5432,9187-9189; UDP 7000-7010',
        'shop/api[Deployment] => 0.0.0.0/0 except 10.0.0.0/8, 192.168.0.0/16 : TCP 443',
        '0.0.0.0/0 => shop/api[Deployment] : TCP 8080',
        '',
      ].join('\n'),
    );
  });

  it('says "all ports" when nothing restricts a pair, and groups by namespace or pod', () => {
    const c = cluster(SHOP.split('---').slice(0, 2).join('---'));
    expect(connectionsText(listConnections(c, { by: 'namespace' }))).toBe(
      ['data => shop : all ports', 'data => 0.0.0.0/0 : all ports', 'shop => data : all ports', 'shop => 0.0.0.0/0 : all ports', '0.0.0.0/0 => data : all ports', '0.0.0.0/0 => shop : all ports', ''].join('\n'),
    );
    expect(connectionsText(listConnections(c, { by: 'pod' })).split('\n')[0]).toBe('data/postgres => shop/api : all ports');
  });

  it('keeps only the focused sources, destinations and port', () => {
    const c = cluster(SHOP);
    const api = listConnections(c, { from: { pods: new Set(c.pods.filter((p) => p.namespace === 'shop')) }, to: { pods: new Set(c.pods) } });
    expect(api.connections.map((x) => `${x.from.name} => ${x.to.name} : ${x.text}`)).toEqual(['shop/api[Deployment] => data/postgres[StatefulSet] : TCP 5432,9187-9189; UDP 7000-7010']);
    const port = listConnections(c, { port: { port: 9188, protocol: 'TCP' } });
    expect(port.connections.map((x) => `${x.from.name} => ${x.to.name} : ${x.text}`)).toEqual(['data/postgres[StatefulSet] => 0.0.0.0/0 : TCP 9188', 'shop/api[Deployment] => data/postgres[StatefulSet] : TCP 9188']);
  });

  it('agrees with evaluate() for every pod pair, on every port of every protocol the list names or not', () => {
    for (const dir of scenarioDirs()) {
      const c = build(scenarioFiles(dir)).cluster;
      const list = listConnections(c, { by: 'pod' });
      const byPair = new Map(list.connections.map((x) => [`${x.from.name}|${x.to.name}`, x]));
      const probes: Array<[number, Protocol]> = [];
      for (const proto of PROTOCOLS) for (const port of [1, 53, 80, 443, 5432, 8080, 8443, 9090, 65535]) probes.push([port, proto]);
      for (const a of c.pods) {
        for (const b of c.pods) {
          if (a === b) continue;
          const line = byPair.get(`${a.namespace}/${a.name}|${b.namespace}/${b.name}`);
          for (const [port, protocol] of probes) {
            const want = evaluate(c, { from: { kind: 'pod', pod: a }, to: { kind: 'pod', pod: b }, port, protocol }).allowed;
            const has = line !== undefined && (line.ports.all || line.ports.ranges.some((r) => r.protocol === protocol && port >= r.from && port <= r.to));
            expect(has, `${dir}: ${a.name} -> ${b.name} ${port}/${protocol}`).toBe(want);
          }
        }
      }
    }
  });
});

describe('port and address sets', () => {
  it('merges adjacent and overlapping port ranges per protocol', () => {
    const r = mergePortRanges([
      { protocol: 'UDP', from: 53, to: 53 },
      { protocol: 'TCP', from: 81, to: 90 },
      { protocol: 'TCP', from: 80, to: 80 },
      { protocol: 'TCP', from: 85, to: 100 },
    ]);
    expect(formatPortSet({ all: false, ranges: r })).toBe('TCP 80-100; UDP 53');
    expect(formatPortSet({ all: false, ranges: [{ protocol: 'TCP', from: 1, to: 65535 }] })).toBe('TCP all ports');
  });

  it('writes address ranges as the fewest CIDRs, or as everything except the rest', () => {
    expect(cidrsOf(4, 0x0a000000n, 0x0a0000ffn + 0x100n)).toEqual(['10.0.0.0/23']);
    expect(cidrsOf(4, 1n, 6n)).toEqual(['0.0.0.1/32', '0.0.0.2/31', '0.0.0.4/31', '0.0.0.6/32']);
    expect(describeAddresses([{ family: 4, start: 0n, end: 0x09ffffffn }, { family: 4, start: 0x0b000000n, end: 0xffffffffn }])).toEqual(['0.0.0.0/0 except 10.0.0.0/8']);
  });
});

describe('diffConnections', () => {
  it('lists added, removed and changed connections by workload', () => {
    const before = cluster(SHOP);
    const after = cluster(SHOP.replace('{port: 5432}, ', '').replace('ports: [{port: 443}]', 'ports: [{port: 443}, {port: 80}]'));
    const d = diffConnections(before, after);
    expect(d.changes.map((c) => `${c.change} ${c.from.name} => ${c.to.name} : ${c.oldText} -> ${c.newText}`)).toEqual([
      'changed shop/api[Deployment] => data/postgres[StatefulSet] : TCP 5432,9187-9189; UDP 7000-7010 -> TCP 9187-9189; UDP 7000-7010',
      'changed shop/api[Deployment] => 0.0.0.0/0 except 10.0.0.0/8, 192.168.0.0/16 : TCP 443 -> TCP 80,443',
    ]);
    expect(connectionDiffDot(d)).toContain('color=darkorange');
    expect(connectionDiffMermaid(d)).toMatch(/linkStyle 0 stroke:#bc4c00/);
    expect(diffConnections(before, before).changes).toEqual([]);
  });
});

describe('renderers', () => {
  const list = listConnections(cluster(SHOP));
  it('csv and markdown carry one row per connection', () => {
    expect(connectionsCsv(list).split('\n')[0]).toBe('from,to,ports');
    expect(connectionsCsv(list)).toContain('shop/api[Deployment],data/postgres[StatefulSet],TCP 5432,9187-9189; UDP 7000-7010'.replace('TCP 5432,9187-9189; UDP 7000-7010', '"TCP 5432,9187-9189; UDP 7000-7010"'));
    expect(connectionsMarkdown(list).split('\n')).toHaveLength(list.connections.length + 3);
  });
  it('dot boxes namespaces and labels edges; mermaid quotes labels', () => {
    const dot = connectionsDot(list);
    expect(dot).toMatch(/^digraph "kordon connections" \{/);
    expect(dot).toContain('label="shop";');
    expect(dot).toMatch(/n\d+ -> n\d+ \[label="TCP 5432,9187-9189; UDP 7000-7010"\];/);
    const m = connectionsMermaid(list);
    expect(m.split('\n')[0]).toBe('flowchart LR');
    expect(m).toContain('|"TCP 443"|');
  });
});

// netpol-analyzer's golden connlists, where its model and ours agree (no pod IPs in ipBlocks, no hostNetwork pods):
// the same pairs with the same ports, in our words.
const NPA = `${process.env['KORDON_SHARED']}/conformance/netpol-analyzer`;
const NPA_CASES = ['netpol-analysis-example-minimal', 'onlineboutique_workloads', 'minimal_test_in_ns', 'test_with_named_ports', 'with_end_port_example_new', 'acs-security-demos'];

function npaFiles(name: string) {
  const dir = join(NPA, name, 'input');
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  return walk(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => ({ name: relative(dir, f), text: readFileSync(f, 'utf8') }));
}

/** Their connection words in ours: `All Connections` is `all ports`, `TCP 80,UDP 53` is `TCP 80; UDP 53`. */
function ourPorts(conns: string): string {
  if (conns === 'All Connections') return 'all ports';
  const ranges: Array<{ protocol: Protocol; from: number; to: number }> = [];
  let proto: Protocol = 'TCP';
  for (const tok of conns.split(',')) {
    const m = /^(?:(TCP|UDP|SCTP) )?(\d+)(?:-(\d+))?$/.exec(tok.trim())!;
    if (m[1]) proto = m[1] as Protocol;
    ranges.push({ protocol: proto, from: Number(m[2]), to: Number(m[3] ?? m[2]) });
  }
  return formatPortSet({ all: false, ranges: mergePortRanges(ranges) });
}

describe('listConnections against netpol-analyzer golden connlists', () => {
  for (const name of NPA_CASES) {
    it(name, () => {
      const golden = readFileSync(join(NPA, name, 'expected', `${name}_connlist_output.txt`), 'utf8');
      const want = new Map<string, string>();
      const outside = new Map<string, Array<{ family: 4; start: bigint; end: bigint }>>();
      const ip = (s: string) => s.split('.').reduce((v, o) => v * 256n + BigInt(o), 0n);
      for (const line of golden.split('\n').filter((l) => l.includes(' => '))) {
        const [, src, dst, conns] = /^(.*) => (.*) : (.*)$/.exec(line)!;
        if (src!.startsWith('{ingress-controller}')) continue;
        const ports = ourPorts(conns!);
        const ext = /^([\d.]+)-([\d.]+)\[External\]$/;
        const e = ext.exec(src!) ?? ext.exec(dst!);
        if (!e) {
          want.set(`${src} => ${dst}`, ports);
          continue;
        }
        const key = ext.test(src!) ? `<|${dst}|${ports}` : `>|${src}|${ports}`;
        outside.set(key, [...(outside.get(key) ?? []), { family: 4, start: ip(e[1]!), end: ip(e[2]!) }]);
      }
      for (const [key, ranges] of outside) {
        const [dir, peer, ports] = key.split('|') as [string, string, string];
        const addr = describeAddresses(ranges).join(', ');
        want.set(dir === '<' ? `${addr} => ${peer}` : `${peer} => ${addr}`, ports);
      }
      const c = build(npaFiles(name)).cluster;
      const got = new Map(listConnections(c).connections.filter((x) => x.from.name !== x.to.name).map((x) => [`${x.from.name} => ${x.to.name}`, x.text]));
      expect(got).toEqual(want);
    });
  }
});

describe('resolveFocus on a Service', () => {
  const pod = (name: string, ready: boolean) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop, labels: {app: web}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.${name.length}, phase: Running, conditions: [{type: Ready, status: "${ready ? 'True' : 'False'}"}]}`;
  const c = cluster(
    [
      pod('ready', true),
      pod('starting', false),
      'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80}]}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: manual, namespace: shop}\nspec: {ports: [{port: 80}]}',
    ].join('\n---\n'),
  );
  const names = (text: string): string[] => {
    const f = resolveFocus(c, text);
    if ('error' in f) throw new Error(f.error);
    return [...f.pods].map((p) => p.name).sort();
  };
  it("keeps the Service's endpoints, as kordon check sends to them: ready pods only", () => {
    expect(names('web.shop')).toEqual(['ready']);
    expect(serviceEndpoints(c, c.services.find((s) => s.name === 'web')!).map((p) => p.name)).toEqual(['ready']);
  });
  it('a Service without a selector has no endpoints kordon can know', () => expect(names('manual.shop')).toEqual([]));
});
