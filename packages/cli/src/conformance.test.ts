import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Pod, Protocol } from '@kordon/engine';
import { describe, expect, it } from 'vitest';
import { loadFor, run } from './test-support.js';

/**
 * netpol-analyzer's golden connlists are an independent oracle: for every pair of workloads, the ports it lists must be
 * exactly the ones `kordon matrix` allows between their pods (probing every port the file names, their neighbours and
 * two ports nobody names).
 */
const CONFORMANCE = `${process.env['KORDON_SHARED']}/conformance/netpol-analyzer`;

type Conns = 'all' | Map<Protocol, [number, number][]>;

function parseConns(text: string): Conns {
  if (text.trim() === 'All Connections') return 'all';
  const out = new Map<Protocol, [number, number][]>();
  let proto: Protocol | undefined;
  for (const raw of text.split(',')) {
    let tok = raw.trim();
    const m = /^(TCP|UDP|SCTP) (.*)$/.exec(tok);
    if (m) {
      proto = m[1] as Protocol;
      tok = m[2]!;
    }
    const r = /^(\d+)(?:-(\d+))?$/.exec(tok);
    if (!proto || !r) throw new Error(`cannot read connection ${JSON.stringify(raw)}`);
    const list = out.get(proto) ?? [];
    list.push([Number(r[1]), Number(r[2] ?? r[1])]);
    out.set(proto, list);
  }
  return out;
}

const allows = (c: Conns | undefined, port: number, proto: Protocol): boolean =>
  c === undefined ? false : c === 'all' ? true : (c.get(proto) ?? []).some(([a, b]) => port >= a && port <= b);

/** The analyzer's name for the peer a pod belongs to. */
function peerName(pod: Pod, known: Set<string>): string {
  if (!pod.owner) return `${pod.namespace}/${pod.name}[Pod]`;
  const hash = pod.labels['pod-template-hash'];
  const rs = hash ? `${pod.namespace}/${pod.owner.name}-${hash}[ReplicaSet]` : undefined;
  if (rs && known.has(rs)) return rs;
  return `${pod.namespace}/${pod.owner.name}[${pod.owner.kind}]`;
}

// Folders whose golden connlist kordon is measured against. Left out: anp_banp_blog_demo (AdminNetworkPolicy, which
// kordon does not evaluate yet).
const FOLDERS = ['acs-security-demos', 'minimal_test_in_ns', 'netpol-analysis-example-minimal', 'netpol_named_port_test', 'netpol_named_port_test_2', 'onlineboutique_workloads', 'test_with_named_ports', 'test_with_named_ports_changed_netpol', 'with_end_port_example', 'with_end_port_example_new', 'core_pods_without_host_ip', 'ipblockstest', 'ipblockstest_2'];

describe('kordon matrix agrees with netpol-analyzer connlists', () => {
  for (const name of FOLDERS) {
    it(name, async () => {
      const golden = join(CONFORMANCE, name, 'expected', `${name}_connlist_output.txt`);
      expect(existsSync(golden)).toBe(true);
      const lines = readFileSync(golden, 'utf8').split('\n').filter((l) => l.includes(' => '));
      const expected = new Map<string, Conns>();
      const known = new Set<string>();
      const ports = new Map<string, { port: number; protocol: Protocol }>();
      const probe = (port: number, protocol: Protocol) => {
        if (port >= 1 && port <= 65535) ports.set(`${port}/${protocol}`, { port, protocol });
      };
      for (const l of lines) {
        const m = /^(.*) => (.*) : (.*)$/.exec(l.trim());
        if (!m) throw new Error(`cannot read ${l}`);
        known.add(m[1]!);
        known.add(m[2]!);
        if (/\[External\]|\{ingress-controller\}/.test(m[1]! + m[2]!)) continue;
        const conns = parseConns(m[3]!);
        expected.set(`${m[1]} => ${m[2]}`, conns);
        if (conns !== 'all') for (const [proto, rs] of conns) for (const [a, b] of rs) for (const p of [a - 1, a, b, b + 1]) probe(p, proto);
      }
      probe(1, 'TCP');
      probe(1, 'UDP');
      probe(65535, 'SCTP');
      const dir = join(CONFORMANCE, name, 'input');
      const cluster: Cluster = await loadFor([dir]);
      const cols = [...ports.values()];
      const r = await run(['matrix', dir, '-o', 'json', ...cols.flatMap((p) => ['--port', `${p.port}/${p.protocol}`])]);
      expect(r.code).toBe(0);
      const m = JSON.parse(r.out) as { endpoints: string[]; allowed: Record<string, string[]> };
      const peers = cluster.pods.map((p) => peerName(p, known));
      const wrong: string[] = [];
      cols.forEach((col) => {
        const rows = m.allowed[`${col.port}/${col.protocol}`]!;
        peers.forEach((a, i) =>
          peers.forEach((b, j) => {
            if (a === b) return; // the analyzer never lists a workload's connections to itself
            // The analyzer treats hostNetwork pods as ordinary pods; policies never select them (semantics §1).
            if (cluster.pods[i]!.hostNetwork || cluster.pods[j]!.hostNetwork) return;
            const want = allows(expected.get(`${a} => ${b}`), col.port, col.protocol);
            const got = rows[i]![j] === '1';
            if (want !== got) wrong.push(`${a} => ${b} ${col.port}/${col.protocol}: analyzer ${want ? 'allows' : 'denies'}, kordon ${got ? 'allows' : 'denies'}`);
          }),
        );
      });
      expect(wrong.slice(0, 20)).toEqual([]);
    });
  }
});
