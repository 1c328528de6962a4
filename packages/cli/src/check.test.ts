import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run, STACK_TRACE, tempTree, yaml } from './test-support.js';

const SHOP = fileURLToPath(new URL('./__fixtures__/shop', import.meta.url));
const lineOf = (file: string, line: number): string => readFileSync(`${SHOP}/${file}`, 'utf8').split('\n')[line - 1] ?? '';

interface Case {
  name: string;
  args: string[];
  code: number;
  verdict?: 'allowed' | 'denied';
  /** Substrings the text answer must hold. */
  says?: string[];
}

const cases: Case[] = [
  {
    name: 'a client with DNS egress reaches a Service by name, on its named target port',
    args: ['--from', 'frontend/admin', '--to', 'api.backend'],
    code: 0,
    verdict: 'allowed',
    says: ['DNS lookup of api.backend from frontend/admin: allowed', 'target port http', 'backend/api-1, backend/api-2', 'frontend/admin-egress egress rule 1 (to[0])'],
  },
  {
    name: 'an egress-isolated client without DNS egress cannot resolve the Service name',
    args: ['--from', 'frontend/web', '--to', 'api.backend.svc.cluster.local'],
    code: 1,
    verdict: 'denied',
    says: ['DNS lookup of api.backend.svc.cluster.local is blocked', 'frontend/web-egress egress rule 0', 'kube-system/coredns-1 53/UDP: denied'],
  },
  {
    name: 'the same client reaches the Service by its ClusterIP: no lookup needed',
    args: ['--from', 'frontend/web', '--to', '10.96.0.20'],
    code: 0,
    verdict: 'allowed',
    says: ['via Service backend/api:80'],
  },
  {
    name: 'a wrong port on an allowed peer is a near miss',
    args: ['--from', 'frontend/web', '--to', 'backend/db', '--port', '5432'],
    code: 1,
    verdict: 'denied',
    says: ['nearest miss', 'frontend/web-egress egress rule 0 (to[0])', 'the peer matches but the port does not', '5432/TCP is not in 8080/TCP'],
  },
  {
    name: 'the rule that admits a connection is named with its place in the file',
    args: ['--from', 'backend/api-2', '--to', 'backend/db', '--port', '5432/TCP'],
    code: 0,
    verdict: 'allowed',
    says: ['admitted by backend/db-ingress ingress rule 0 (from[0], ports[0])', 'policies.yaml:'],
  },
  {
    name: 'a bare Service name is looked up in the client namespace',
    args: ['--from', 'backend/db', '--to', 'api'],
    code: 1,
    verdict: 'denied',
    says: ['cannot reach api via Service backend/api:80', 'namespace backend has no label team', 'DNS lookup of api from backend/db: not restricted: the client is not isolated for egress'],
  },
  {
    name: 'a name that does not resolve is denied and says so',
    args: ['--from', 'frontend/admin', '--to', 'nosuch.backend'],
    code: 1,
    verdict: 'denied',
    says: ['does not resolve'],
  },
  {
    name: 'a workload without pods in the input is its template stand-in',
    args: ['--from', 'backend/worker', '--to', 'backend/db', '--port', '5432'],
    code: 1,
    verdict: 'denied',
    says: ['pod backend/worker has app=worker, not app=api'],
  },
  {
    name: 'an outside address matches an ipBlock',
    args: ['--from', '192.168.7.1', '--to', 'backend/db', '--port', '9999'],
    code: 0,
    verdict: 'allowed',
    says: ['an address outside the cluster', 'from[0]: addresses in 192.168.0.0/16 except 192.168.1.0/24'],
  },
  {
    name: 'an outside address inside an except is denied',
    args: ['--from', '192.168.1.7', '--to', 'backend/db', '--port', '9999'],
    code: 1,
    verdict: 'denied',
  },
  {
    name: 'a pod always reaches itself',
    args: ['--from', 'backend/db', '--to', 'backend/db', '--port', '1'],
    code: 0,
    verdict: 'allowed',
    says: ['a pod can always reach itself'],
  },
  {
    name: 'UDP is a protocol of its own',
    args: ['--from', 'frontend/web', '--to', 'backend/api-1', '--port', '8080/udp'],
    code: 1,
    verdict: 'denied',
  },
];

describe('kordon check', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const text = await run(['check', SHOP, ...c.args]);
      expect(text.code, text.err + text.out).toBe(c.code);
      for (const s of c.says ?? []) expect(text.out).toContain(s);
      expect(text.out + text.err).not.toMatch(STACK_TRACE);
      const json = await run(['check', SHOP, ...c.args, '-o', 'json']);
      expect(json.code).toBe(c.code);
      const r = JSON.parse(json.out) as { verdict: string };
      expect(r.verdict).toBe(c.code === 0 ? 'allowed' : 'denied');
      if (c.verdict) expect(r.verdict).toBe(c.verdict);
    });
  }

  it('says which invalid policies were left out, in text and JSON', async () => {
    const text = await run(['check', SHOP, '--from', 'frontend/web', '--to', 'backend/db', '--port', '5432']);
    expect(text.out).toContain('backend/broken');
    expect(text.err).toMatch(/invalid\.yaml:11:7: error: .*unknown field "ports"/);
    const json = JSON.parse((await run(['check', SHOP, '--from', 'frontend/web', '--to', 'backend/db', '--port', '5432', '-o', 'json'])).out) as { rejectedPolicies: string[] };
    expect(json.rejectedPolicies).toEqual(['backend/broken']);
  });

  it('JSON names each rule with its file, line and column, pointing at the rule in the manifest', async () => {
    const r = await run(['check', SHOP, '--from', 'frontend/admin', '--to', 'backend/db', '--port', '5432', '-o', 'json']);
    const j = JSON.parse(r.out) as {
      verdict: string;
      hops: { purpose: string; from: string; to: string; port: number; protocol: string; allowed: boolean; egress: { isolated: boolean; selectedBy: string[]; allowedBy: { policy: string; rule: number; peer?: number; port?: number; file: string; line: number; column: number }[] }; ingress: { allowedBy: unknown[]; nearMisses: { policy: string; rule: number; failed: string; reason: string; line: number }[] } }[];
    };
    expect(j.hops).toHaveLength(1);
    const hop = j.hops[0]!;
    expect(hop).toMatchObject({ purpose: 'connect', from: 'frontend/admin', to: 'backend/db', port: 5432, protocol: 'TCP', allowed: false });
    expect(hop.egress.isolated).toBe(true);
    expect(hop.egress.selectedBy).toEqual(['frontend/admin-egress']);
    const ref = hop.egress.allowedBy[0]!;
    expect(ref).toMatchObject({ policy: 'frontend/admin-egress', rule: 1, peer: 0 });
    expect(ref.port).toBeUndefined();
    expect(ref.file).toBe(`${SHOP}/policies.yaml`);
    expect(lineOf('policies.yaml', ref.line).trim()).toBe('- to:');
    // The db only admits app=api pods: the ingress side has a peer near miss on the rule whose port matched.
    expect(hop.ingress.allowedBy).toEqual([]);
    // Both rules of db-ingress match the port (rule 1 has no ports) and miss on the peer.
    expect(hop.ingress.nearMisses.map((m) => [m.policy, m.rule, m.failed])).toEqual([
      ['backend/db-ingress', 0, 'peer'],
      ['backend/db-ingress', 1, 'peer'],
    ]);
    for (const m of hop.ingress.nearMisses) expect(lineOf('policies.yaml', m.line).trim()).toBe('- from:');
    expect(hop.ingress.nearMisses[0]!.line).toBeLessThan(hop.ingress.nearMisses[1]!.line);
  });

  it('JSON gives near misses (and problems) as data beside their words', async () => {
    const r = await run(['check', SHOP, '--from', 'frontend/admin', '--to', 'backend/db', '--port', '5432', '-o', 'json']);
    const j = JSON.parse(r.out) as { issues: unknown[]; hops: { ingress: { nearMisses: { reason: string; why: { failed: string; peers?: { code: string }[] } }[] } }[] };
    expect(j.issues).toEqual([]);
    const miss = j.hops[0]!.ingress.nearMisses[0]!;
    expect(miss.why.failed).toBe('peer');
    expect(miss.why.peers!.map((p) => p.code)).toEqual(['other-namespace']);
  });

  it('a Service whose endpoints disagree is denied, marked partial, and says it depends on the endpoint', async () => {
    const t = tempTree({
      'all.yaml': yaml`
        apiVersion: v1
        kind: Pod
        metadata: {name: a, namespace: ns, labels: {app: s, open: "yes"}}
        spec: {containers: [{name: c, image: x}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: b, namespace: ns, labels: {app: s}}
        spec: {containers: [{name: c, image: x}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client, namespace: ns}
        spec: {containers: [{name: c, image: x}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: ns}
        spec: {selector: {app: s}, ports: [{port: 80}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: closed, namespace: ns}
        spec:
          podSelector:
            matchExpressions: [{key: open, operator: DoesNotExist}]
          policyTypes: [Ingress]
      `,
    });
    try {
      const r = await run(['check', t.dir, '--from', 'ns/client', '--to', 's.ns', '-o', 'json']);
      expect(r.code).toBe(1);
      const j = JSON.parse(r.out) as { verdict: string; partial: boolean; summary: string; hops: { to: string; allowed: boolean }[] };
      expect(j).toMatchObject({ verdict: 'denied', partial: true });
      expect(j.summary).toContain('depends on the endpoint');
      expect(j.hops.map((h) => [h.to, h.allowed])).toEqual([
        ['ns/a', true],
        ['ns/b', false],
      ]);
      const text = await run(['check', t.dir, '--from', 'ns/client', '--to', 's.ns']);
      expect(text.out).toContain('DENIED (partly)');
      expect(text.out).toContain('ns/closed has no ingress rules: it allows nothing');
    } finally {
      t.cleanup();
    }
  });

  it('many connections: the denied ones first, a few of each, and the count of the rest', async () => {
    const objects: unknown[] = [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'x' }] } }];
    for (let i = 0; i < 15; i++) objects.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `s${String(i).padStart(2, '0')}`, namespace: 'ns', labels: { app: 's', ...(i % 3 === 0 ? { closed: 'yes' } : {}) } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec: { selector: { app: 's' }, ports: [{ port: 80 }] } });
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'closed', namespace: 'ns' }, spec: { podSelector: { matchLabels: { closed: 'yes' } }, policyTypes: ['Ingress'] } });
    const t = tempTree({ 'all.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
    try {
      const text = await run(['check', t.dir, '--from', 'ns/client', '--to', 's.ns']);
      expect(text.code).toBe(1);
      expect(text.out).toContain('Connections: 10 of 15 allowed');
      // 5 denied and 7 allowed are shown in full.
      expect(text.out.match(/^ {2}ns\/client → ns\/s\d+ 80\/TCP: denied$/gm)).toHaveLength(5);
      expect(text.out.match(/^ {2}ns\/client → ns\/s\d+ 80\/TCP: allowed$/gm)).toHaveLength(7);
      expect(text.out).toContain('… 3 more connections alike (-o json lists every one)');
      const json = JSON.parse((await run(['check', t.dir, '--from', 'ns/client', '--to', 's.ns', '-o', 'json'])).out) as { hops: unknown[] };
      expect(json.hops).toHaveLength(15);
    } finally {
      t.cleanup();
    }
  });

  const usage: [string, string[], RegExp][] = [
    ['--port is required for a pod destination', ['--from', 'frontend/web', '--to', 'backend/db'], /--port is required/],
    ['a port out of range', ['--from', 'frontend/web', '--to', 'backend/db', '--port', '99999'], /bad --port "99999"/],
    ['an unknown protocol', ['--from', 'frontend/web', '--to', 'backend/db', '--port', '80/ICMP'], /bad --port/],
    ['a source that names nothing', ['--from', 'frontend/nosuch', '--to', 'backend/db', '--port', '80'], /--from frontend\/nosuch: no pod or workload named nosuch/],
    ['a Service as the source', ['--from', 'api.backend', '--to', 'backend/db', '--port', '80'], /--from api\.backend is a Service/],
    ['a missing --to', ['--from', 'frontend/web'], /required option '--to/],
    ['an unknown output format', ['--from', 'frontend/web', '--to', 'backend/db', '--port', '80', '-o', 'yaml'], /unknown output format "yaml"/],
    ['a bad --dns', ['--from', 'frontend/web', '--to', 'api.backend', '--dns', 'kube-system'], /bad --dns/],
  ];
  for (const [name, args, message] of usage) {
    it(`exits 2 on ${name}`, async () => {
      const r = await run(['check', SHOP, ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.out + r.err).not.toMatch(STACK_TRACE);
    });
  }

  it('--dns moves the cluster DNS', async () => {
    // With DNS said to live elsewhere (where no pod is), kordon assumes it and says so.
    const r = await run(['check', SHOP, '--from', 'frontend/admin', '--to', 'api.backend', '--dns', 'dns/app=resolver', '-o', 'json']);
    const j = JSON.parse(r.out) as { dns: { assumed: boolean }; notes: string[] };
    expect(j.dns.assumed).toBe(true);
    expect(j.notes.join(' ')).toContain('dns, app=resolver');
  });
});
