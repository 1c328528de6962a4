import { buildCluster, computeMatrix, loadSources, type Cluster } from '@kordon/engine';
import { generate, toYamlFiles } from '@kordon/bench';
import { describe, expect, it } from 'vitest';
import { Analysis, CELL_ALL, CELL_NA, CELL_NONE, CELL_SOME, diffViews, outsideAddresses, type Level } from './analysis.js';

function clusterOf(preset: 'realistic' | 'cyclonus' | 'kano', pods: number): Cluster {
  const g = generate({ preset, pods, workloads: true });
  const files = toYamlFiles(g.objects).map((f) => ({ name: f.path, text: f.text }));
  return buildCluster(loadSources(files).objects).cluster;
}

const hand = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
---
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: shop, labels: { app: web } }
spec: { containers: [{ name: c, ports: [{ containerPort: 80, name: http }] }] }
status: { podIP: 10.1.0.1 }
---
apiVersion: v1
kind: Pod
metadata: { name: api, namespace: shop, labels: { app: api } }
spec: { containers: [{ name: c, ports: [{ containerPort: 8080 }] }] }
status: { podIP: 10.1.0.2 }
---
apiVersion: v1
kind: Pod
metadata: { name: api-2, namespace: shop, labels: { app: api } }
spec: { containers: [{ name: c, ports: [{ containerPort: 8080 }] }] }
status: { podIP: 10.1.0.3 }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-from-web, namespace: shop }
spec:
  podSelector: { matchLabels: { app: api } }
  ingress:
  - from: [{ podSelector: { matchLabels: { app: web } } }, { ipBlock: { cidr: 0.0.0.0/0, except: [10.0.0.0/8] } }]
    ports: [{ port: 8080 }]
`;

describe('Analysis', () => {
  it('agrees with the engine on every pod pair, at pod level, for generated clusters', () => {
    for (const [preset, pods] of [['realistic', 300], ['cyclonus', 9], ['kano', 200]] as const) {
      const cluster = clusterOf(preset, pods);
      const a = new Analysis(cluster);
      for (const choice of a.columnChoices().slice(0, 4)) {
        const v = a.view('pod', choice);
        const ms = choice.columns.map((k) => computeMatrix(cluster, { ports: [{ port: a.columns[k]!.port, protocol: a.columns[k]!.protocol }], ips: a.ips }));
        const n = v.groups.length;
        expect(n).toBe(cluster.pods.length + a.ips.length);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const answers = ms.map((m) => m.allowed(0, i, j));
            const want = answers[0] === undefined ? CELL_NA : answers.some(Boolean) ? CELL_ALL : CELL_NONE;
            if (v.cells[i * n + j] !== want) throw new Error(`${preset} ${choice.key} ${v.groups[i]!.id} -> ${v.groups[j]!.id}: ${v.cells[i * n + j]} != ${want}`);
          }
        }
      }
    }
  });

  it('sums pod pairs into workload and namespace cells exactly', () => {
    const cluster = clusterOf('realistic', 400);
    const a = new Analysis(cluster);
    const choice = a.columnChoices()[0]!;
    const m = computeMatrix(cluster, { ports: [{ port: a.columns[0]!.port, protocol: a.columns[0]!.protocol }], ips: a.ips });
    for (const level of ['workload', 'namespace'] as Level[]) {
      const v = a.view(level, choice);
      const { members } = a.groups(level);
      const n = v.groups.length;
      let some = 0;
      for (let g = 0; g < n; g++) {
        for (let h = 0; h < n; h++) {
          if (v.cells[g * n + h] === CELL_NA) continue;
          let yes = 0;
          for (const i of members[g]!) for (const j of members[h]!) if (m.allowed(0, i, j)) yes++;
          expect(v.allowed![g * n + h]).toBe(yes);
          expect(v.pairs![g * n + h]).toBe(members[g]!.length * members[h]!.length);
          if (v.cells[g * n + h] === CELL_SOME) some++;
        }
      }
      if (level === 'namespace') expect(some).toBeGreaterThan(0);
    }
  });

  it('reads isolation: default-deny, restricted and wide-open pods', () => {
    const cluster = buildCluster(loadSources([{ name: 'hand.yaml', text: hand }]).objects).cluster;
    const a = new Analysis(cluster);
    const { groups } = a.groups('pod');
    const by = Object.fromEntries(groups.map((g) => [g.id, g]));
    expect(by['p:shop/api']!.ingress).toBe('restricted');
    expect(by['p:shop/api']!.egress).toBe('open');
    expect(by['p:shop/web']!.ingress).toBe('open');
    expect(by['p:shop/api']!.policies).toEqual(['shop/api-from-web']);
  });

  it('probes one outside address per ipBlock, outside its excepts', () => {
    const cluster = buildCluster(loadSources([{ name: 'hand.yaml', text: hand }]).objects).cluster;
    const ips = outsideAddresses(cluster);
    expect(ips).toHaveLength(1);
    expect(ips[0]!.startsWith('10.')).toBe(false);
    const a = new Analysis(cluster);
    const v = a.view('pod', a.choice('8080/TCP'));
    const idx = (id: string) => v.groups.findIndex((g) => g.id === id);
    const n = v.groups.length;
    expect(v.cells[idx(`ip:${ips[0]}`) * n + idx('p:shop/api')]).toBe(CELL_ALL);
    expect(v.cells[idx('p:shop/web') * n + idx('p:shop/api')]).toBe(CELL_ALL);
    expect(v.cells[idx('p:shop/api') * n + idx('p:shop/api-2')]).toBe(CELL_NONE);
  });

  it('diffs two views by group id', () => {
    const c1 = buildCluster(loadSources([{ name: 'h.yaml', text: hand }]).objects).cluster;
    const c2 = buildCluster(loadSources([{ name: 'h.yaml', text: hand.replace('app: web } } }, {', 'app: nobody } } }, {') }]).objects).cluster;
    const a1 = new Analysis(c1);
    const a2 = new Analysis(c2);
    const v1 = a1.view('pod', a1.choice('8080/TCP'));
    const v2 = a2.view('pod', a2.choice('8080/TCP'));
    const d = diffViews(v1, v2);
    expect(d.closed).toBe(2);
    expect(d.opened).toBe(0);
    const n = v2.groups.length;
    const names = d.changed.map((k) => `${v2.groups[Math.floor(k / n)]!.label}->${v2.groups[k % n]!.label}`).sort();
    expect(names).toEqual(['web->api', 'web->api-2']);
  });
});

describe('the first column shown', () => {
  const shop = (extra: string) => `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: shop, labels: { app: web } }
spec: { containers: [{ name: c, ports: [{ containerPort: 80 }] }] }
${[1, 2, 3, 4].map((k) => `---
apiVersion: v1
kind: Pod
metadata: { name: api-${k}, namespace: shop, labels: { app: api } }
spec: { containers: [{ name: c, ports: [{ containerPort: 9000, name: grpc }] }] }`).join('\n')}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-in, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress: [{ ports: [{ port: 80 }] }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: dns-out, namespace: shop }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{ ports: [{ port: 53, protocol: UDP }, { port: 53 }] }]
${extra}`;
  const first = (text: string) => {
    const a = new Analysis(buildCluster(loadSources([{ name: 'shop.yaml', text }]).objects).cluster);
    return a.choice(undefined).key;
  };

  it('is the port on which the policies decide the most pods, named ports resolved, DNS aside', () => {
    // Without the api policy, web's port is the only one a policy names apart from DNS.
    expect(first(shop(''))).toBe('80/TCP');
    // A named port for four pods outweighs a number for one (it used to be skipped, leaving 80 first).
    const api = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-in, namespace: shop }
spec:
  podSelector: { matchLabels: { app: api } }
  ingress: [{ from: [{ podSelector: { matchLabels: { app: web } } }], ports: [{ port: grpc }] }]
`;
    expect(first(shop(api))).toBe('9000/TCP');
    // A second policy naming 80 for the same single pod does not outweigh four pods.
    const web2 = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-in-2, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress: [{ ports: [{ port: 80 }] }]
`;
    expect(first(shop(api + web2))).toBe('9000/TCP');
  });
});
