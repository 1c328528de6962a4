import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultColumns, evaluate, type Cluster, type Endpoint, type MatrixColumn, type PortProto } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { loadFor, run, STACK_TRACE, tempTree } from './test-support.js';

const CONFORMANCE = `${process.env['KORDON_SHARED']}/conformance/netpol-analyzer`;
const SHOP = fileURLToPath(new URL('./__fixtures__/shop', import.meta.url));

interface MatrixJson {
  endpoints: string[];
  ports: string[];
  allowed: Record<string, string[]>;
}

/** Every cell of the printed matrix, decided again by `evaluate` one pair at a time. */
function crossCheck(cluster: Cluster, m: MatrixJson, columns: readonly MatrixColumn[], ips: readonly string[]): number {
  const eps: Endpoint[] = [...cluster.pods.map((pod): Endpoint => ({ kind: 'pod', pod })), ...ips.map((ip): Endpoint => ({ kind: 'ip', ip }))];
  expect(m.endpoints).toEqual([...cluster.pods.map((p) => `${p.namespace}/${p.name}`), ...ips]);
  expect(m.ports).toEqual(columns.map((c) => c.label));
  let cells = 0;
  columns.forEach((col) => {
    const rows = m.allowed[col.label]!;
    expect(rows).toHaveLength(eps.length);
    eps.forEach((from, i) => {
      expect(rows[i]).toHaveLength(eps.length);
      eps.forEach((to, j) => {
        const want = from.kind === 'ip' && to.kind === 'ip' ? '-' : evaluate(cluster, { from, to, port: col.port, protocol: col.protocol }).allowed ? '1' : '0';
        if (rows[i]![j] !== want) expect.fail(`${col.label} ${m.endpoints[i]} -> ${m.endpoints[j]}: matrix says ${rows[i]![j]}, evaluate says ${want}`);
        cells++;
      });
    });
  });
  return cells;
}

/** Every numeric port a policy or container of the input names, and the ends of every range. */
function explicitPortsOf(cluster: Cluster): PortProto[] {
  const seen = new Map<string, PortProto>();
  const add = (port: number, protocol: PortProto['protocol']) => seen.set(`${port}/${protocol}`, { port, protocol });
  for (const p of cluster.policies)
    for (const r of [...p.ingress, ...p.egress])
      for (const s of r.ports ?? []) {
        if (typeof s.port !== 'number') continue;
        add(s.port, s.protocol);
        if (s.endPort !== null) {
          add(s.endPort, s.protocol);
          if (s.endPort < 65535) add(s.endPort + 1, s.protocol);
        }
      }
  for (const pod of cluster.pods) for (const cp of pod.containerPorts) add(cp.port, cp.protocol);
  return [...seen.values()];
}

const folders = readdirSync(CONFORMANCE).filter((n) => !n.startsWith('_') && !n.endsWith('.md'));

describe('kordon matrix -o json', () => {
  it('has exactly the documented shape: endpoints sorted by namespace then name, then --ip in the order given', async () => {
    const r = await run(['matrix', SHOP, '--ip', '203.0.113.9', '--ip', '192.168.7.1', '--port', '8080/TCP', '--port', '53/UDP', '-o', 'json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.out) as MatrixJson;
    expect(Object.keys(m)).toEqual(['endpoints', 'ports', 'allowed']);
    expect(m.endpoints).toEqual([
      'backend/api-1',
      'backend/api-2',
      'backend/db',
      'backend/worker',
      'frontend/admin',
      'frontend/web',
      'kube-system/coredns-1',
      '203.0.113.9',
      '192.168.7.1',
    ]);
    expect(m.ports).toEqual(['8080/TCP', '53/UDP']);
    expect(Object.keys(m.allowed)).toEqual(['8080/TCP', '53/UDP']);
    for (const rows of Object.values(m.allowed)) {
      expect(rows).toHaveLength(9);
      for (const row of rows) expect(row).toMatch(/^[01-]{9}$/);
      // Outside address to outside address: '-', and only there.
      expect(rows[7]!.slice(7)).toBe('--');
      expect(rows[8]!.slice(7)).toBe('--');
      expect(rows.slice(0, 7).join('')).not.toContain('-');
    }
    // Spot checks a person can verify by reading the fixture.
    const at = (port: string, from: string, to: string) => m.allowed[port]![m.endpoints.indexOf(from)]![m.endpoints.indexOf(to)];
    expect(at('8080/TCP', 'frontend/web', 'backend/api-1')).toBe('1');
    expect(at('8080/TCP', 'backend/db', 'backend/api-1')).toBe('0');
    expect(at('53/UDP', 'frontend/web', 'kube-system/coredns-1')).toBe('0');
    expect(at('53/UDP', 'frontend/admin', 'kube-system/coredns-1')).toBe('1');
    expect(at('8080/TCP', '192.168.7.1', 'backend/db')).toBe('1');
    expect(at('8080/TCP', '203.0.113.9', 'backend/db')).toBe('0');
  });

  it('--port N means N/TCP', async () => {
    const m = JSON.parse((await run(['matrix', SHOP, '--port', '5432', '-o', 'json'])).out) as MatrixJson;
    expect(m.ports).toEqual(['5432/TCP']);
  });

  it('default ports: each port a policy or container names, plus one column for any other port', async () => {
    const m = JSON.parse((await run(['matrix', SHOP, '-o', 'json'])).out) as MatrixJson;
    expect(m.ports).toEqual(['53/TCP', '5432/TCP', '8080/TCP', '53/UDP', '*']);
  });

  describe('equals a pair-by-pair evaluate of every cell', () => {
    const inputs: [string, string, string[]][] = [
      ['shop fixture with outside addresses', SHOP, ['203.0.113.9', '192.168.7.1', '192.168.1.1']],
      ...folders.map((n): [string, string, string[]] => [n, join(CONFORMANCE, n, 'input'), ['10.0.0.1', '8.8.8.8']]),
    ];
    for (const [name, dir, ips] of inputs) {
      it(name, async () => {
        const args = ['matrix', dir, '-o', 'json', ...ips.flatMap((ip) => ['--ip', ip])];
        const r = await run(args);
        expect(r.code).toBe(0);
        expect(r.err).not.toMatch(STACK_TRACE);
        const cluster = await loadFor([dir]);
        const m = JSON.parse(r.out) as MatrixJson;
        const cells = crossCheck(cluster, m, defaultColumns(cluster), ips);
        expect(cells).toBeGreaterThan(0);
        // The same with explicit ports, including ones no policy names.
        const ports = [...explicitPortsOf(cluster), { port: 1, protocol: 'TCP' as const }, { port: 65535, protocol: 'SCTP' as const }];
        const r2 = await run([...args, ...ports.flatMap((p) => ['--port', `${p.port}/${p.protocol}`])]);
        crossCheck(cluster, JSON.parse(r2.out) as MatrixJson, ports.map((p) => ({ label: `${p.port}/${p.protocol}`, port: p.port, protocol: p.protocol })), ips);
      });
    }
  });
});

describe('kordon matrix --count', () => {
  it('counts the allowed pairs of the full matrix, per port', async () => {
    const full = JSON.parse((await run(['matrix', SHOP, '--ip', '203.0.113.9', '--ip', '192.168.7.1', '-o', 'json'])).out) as MatrixJson;
    const r = await run(['matrix', SHOP, '--ip', '203.0.113.9', '--ip', '192.168.7.1', '--count', '-o', 'json']);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.out) as { pods: number; endpoints: number; allowedPairs: Record<string, number> };
    expect(Object.keys(c)).toEqual(['pods', 'endpoints', 'allowedPairs']);
    expect(c.pods).toBe(7);
    expect(c.endpoints).toBe(9);
    const expected: Record<string, number> = {};
    for (const p of full.ports) expected[p] = full.allowed[p]!.join('').split('').filter((x) => x === '1').length;
    expect(c.allowedPairs).toEqual(expected);
  });

  it('text: a table of ports and counts', async () => {
    const r = await run(['matrix', SHOP, '--count', '--port', '8080']);
    expect(r.out).toMatch(/^7 pods, 7 endpoints, 49 ordered pairs per port\nPORT\s+ALLOWED PAIRS\s+SHARE\n8080\/TCP\s+\d+\s+[\d.]+%\n$/);
  });
});

describe('kordon matrix: csv, md and the terminal table', () => {
  it('csv: a header, then one row per port and source, cells as in JSON', async () => {
    const m = JSON.parse((await run(['matrix', SHOP, '--ip', '203.0.113.9', '-o', 'json'])).out) as MatrixJson;
    const r = await run(['matrix', SHOP, '--ip', '203.0.113.9', '-o', 'csv']);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe(['port', 'from', ...m.endpoints].join(','));
    expect(lines).toHaveLength(1 + m.ports.length * m.endpoints.length);
    let k = 1;
    for (const p of m.ports) for (let i = 0; i < m.endpoints.length; i++) expect(lines[k++]).toBe([p, m.endpoints[i], ...m.allowed[p]![i]!].join(','));
  });

  it('md: a section and a table per port', async () => {
    const r = await run(['matrix', SHOP, '--port', '8080', '--port', '53/UDP', '-o', 'md']);
    expect(r.out).toContain('## 8080/TCP\n');
    expect(r.out).toContain('## 53/UDP\n');
    expect(r.out).toContain('| from \\ to | backend/api-1 | backend/api-2 |');
    expect(r.out.match(/^\| frontend\/web \|/gm)).toHaveLength(2);
  });

  it('text: grouped by namespace, no colour when not a terminal', async () => {
    const r = await run(['matrix', SHOP, '--port', '8080', '--ip', '203.0.113.9']);
    expect(r.code).toBe(0);
    for (const h of ['\nbackend\n', '\nfrontend\n', '\nkube-system\n', '\noutside addresses\n', 'port 8080/TCP']) expect(r.out).toContain(h);
    expect(r.out).not.toContain('\u001b[');
    expect(r.out).toContain('note: 1 invalid NetworkPolicy left out of the evaluation');
  });

  const colour: [string, string[], { tty?: boolean; env?: Record<string, string> }, boolean][] = [
    ['a terminal gets colour', [], { tty: true }, true],
    ['NO_COLOR turns it off', [], { tty: true, env: { NO_COLOR: '1' } }, false],
    ['--no-color turns it off', ['--no-color'], { tty: true }, false],
    ['FORCE_COLOR turns it on in a pipe', [], { env: { FORCE_COLOR: '1' } }, true],
    ['FORCE_COLOR=0 turns it off', [], { tty: true, env: { FORCE_COLOR: '0' } }, false],
  ];
  for (const [name, extra, opts, want] of colour) {
    it(name, async () => {
      const r = await run(['matrix', SHOP, '--port', '8080', ...extra], opts);
      expect(r.out.includes('\u001b[')).toBe(want);
    });
  }

  it('too many endpoints for a terminal: the counts instead, and says so', async () => {
    const pods = Array.from({ length: 301 }, (_, i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'big' }, spec: { containers: [{ name: 'c', image: 'x' }] } }));
    const t = tempTree({ 'big.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }) });
    try {
      const r = await run(['matrix', t.dir, '--port', '80']);
      expect(r.code).toBe(0);
      expect(r.err).toContain('301 endpoints are too many for a terminal table');
      expect(r.out).toMatch(/^301 pods, 301 endpoints, 90601 ordered pairs per port\n/);
      expect(r.out).toMatch(/80\/TCP\s+90601\s+100\.0%/);
    } finally {
      t.cleanup();
    }
  });

  it('no pods: an empty matrix in JSON, a sentence in text and md', async () => {
    const t = tempTree({ 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' });
    try {
      expect(JSON.parse((await run(['matrix', t.dir, '--port', '80', '-o', 'json'])).out)).toEqual({ endpoints: [], ports: ['80/TCP'], allowed: { '80/TCP': [] } });
      expect((await run(['matrix', t.dir])).out).toBe('no pods in the input (and no --ip): nothing to show\n');
      expect((await run(['matrix', t.dir, '-o', 'md'])).out).toBe('No pods in the input.\n');
      expect(JSON.parse((await run(['matrix', t.dir, '--ip', '1.2.3.4', '--port', '80', '-o', 'json'])).out)).toEqual({ endpoints: ['1.2.3.4'], ports: ['80/TCP'], allowed: { '80/TCP': ['-'] } });
    } finally {
      t.cleanup();
    }
  });

  const usage: [string, string[], RegExp][] = [
    ['a bad --port', ['--port', 'http'], /bad --port "http"/],
    ['a bad --ip', ['--ip', '10.0.0.300'], /bad --ip "10\.0\.0\.300"/],
    ['an unknown format', ['-o', 'xml'], /unknown output format "xml"/],
  ];
  for (const [name, args, message] of usage) {
    it(`exits 2 on ${name}`, async () => {
      const r = await run(['matrix', SHOP, ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    });
  }
});

describe('kordon matrix text: columns with the same answers', () => {
  const EXAMPLE = fileURLToPath(new URL('../../../examples/002-earthly-namespaces/3-allow-by-labels', import.meta.url));

  it('prints one table under all their labels, and a table of its own for a column that differs', async () => {
    const same = await run(['matrix', EXAMPLE, '--no-color']);
    expect(same.code).toBe(0);
    // No rule there names a port: every column gets the same answers.
    expect(same.out).toContain('ports 53/TCP, 9153/TCP, 53/UDP, any other port (*) (same answers)\n');
    expect(same.out.match(/^ports? /gm)).toHaveLength(1);

    const tree = tempTree({
      'c.yaml': `apiVersion: v1
kind: Pod
metadata: { name: a, namespace: x, labels: { app: a } }
spec: { containers: [{ name: c, image: i, ports: [{ containerPort: 80 }, { containerPort: 81 }] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: b, namespace: x, labels: { app: b } }
spec: { containers: [{ name: c, image: i }] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: only-80, namespace: x }
spec: { podSelector: { matchLabels: { app: a } }, ingress: [{ ports: [{ port: 80 }] }] }
`,
    });
    try {
      const differ = await run(['matrix', tree.path('c.yaml'), '--no-color']);
      expect(differ.out).toContain('\nport 80/TCP\n');
      expect(differ.out).toContain('\nports 81/TCP, any other port (*) (same answers)\n');
    } finally {
      tree.cleanup();
    }
  });
});
