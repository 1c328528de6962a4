// Policies written by `kordon generate` are enforced by kordon's nftables in the lab and probed with real packets:
// on every column the proof uses, the probe must equal the engine's matrix, cell for cell. So the proof printed
// with the policies holds on a real dataplane too.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { computeMatrix, loadSources } from '@kordon/engine';
import { generatePolicies, parseExpectations } from '@kordon/review';
import { describe, expect, it } from 'vitest';
import { labLimits, LabSession, withLabAddresses } from '../lab/probe.js';
import { requirePrivileges } from '../test-support.js';

requirePrivileges();

const root = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const SCENARIOS = ['002-earthly-namespaces/3-allow-by-labels', '000-pod-network-policies/2-ipblock', '004-policy-cookbook/8-nginx-trusted-namespace', '005-cluster-policy-tiers/platform'];

describe('generated policies: the lab probes what the engine proved', () => {
  for (const dir of SCENARIOS) {
    it(dir, async () => {
      const files = readdirSync(`${root}${dir}`).filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('expect')).sort().map((n) => ({ name: n, text: readFileSync(`${root}${dir}/${n}`, 'utf8') }));
      const exp = parseExpectations({ name: 'expect.yaml', text: readFileSync(`${root}${dir}/expect.yaml`, 'utf8') });
      const r = generatePolicies({ objects: loadSources(files).objects, expectations: [exp], flows: [] });
      expect(r.proof.holds).toBe(true);
      const cluster = withLabAddresses(r.cluster);
      expect(labLimits(cluster)).toEqual([]);
      // The ports the generated rules name, plus one no rule opens.
      const ports = new Map<string, { port: number; protocol: 'TCP' | 'UDP' | 'SCTP' }>();
      for (const p of r.policies) for (const rule of [...p.ingress, ...p.egress]) for (const q of rule.ports) ports.set(`${q.number}/${q.protocol}`, { port: q.number, protocol: q.protocol });
      ports.set('9999/TCP', { port: 9999, protocol: 'TCP' });
      const cols = [...ports.entries()].map(([label, p]) => ({ label, ...p }));
      const ips = [...new Set(r.connections.allow.concat(r.connections.deny).flatMap((c) => c.split(' ')).filter((x) => /^\d+\.\d+\.\d+\.\d+$/.test(x)))].filter((ip) => !cluster.pods.some((p) => p.ips.includes(ip) || p.hostIP === ip));
      const m = computeMatrix(cluster, { ports: cols.map((c) => ({ port: c.port, protocol: c.protocol })), ips });
      const session = await LabSession.open(cluster, { ips, serve: cols.map((c) => ({ port: c.port, protocol: c.protocol })) });
      try {
        await session.enforce(cluster);
        const probed = await session.probe(cols, 1000);
        expect(probed.endpoints).toEqual([...m.endpoints]);
        cols.forEach((col, c) => {
          expect(probed.allowed[col.label], `${dir} ${col.label}: probed vs engine; endpoints ${m.endpoints.join(' ')}`).toEqual(m.endpoints.map((_, i) => m.row(c, i)));
        });
      } finally {
        await session.close();
      }
    }, 180_000);
  }
});
