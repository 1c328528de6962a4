import { computeMatrix, type Cluster } from '@kordon/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabSession, type ProbedMatrix } from '../lab/probe.js';
import { requirePrivileges } from '../test-support.js';
import { clusterOf, readUpstreamSuite, upstreamObjects } from './upstream.js';

requirePrivileges();

const SUITE = `${process.env['KORDON_SHARED']}/conformance/upstream-e2e-part.json`;
const suite = readUpstreamSuite(SUITE);
const model = upstreamObjects(suite);
const SERVE = [80, 81].flatMap((port) => (['TCP', 'UDP', 'SCTP'] as const).map((protocol) => ({ port, protocol })));

function engineRows(cluster: Cluster, port: number, protocol: 'TCP' | 'UDP' | 'SCTP'): string[] {
  const m = computeMatrix(cluster, { ports: [{ port, protocol }] });
  return m.endpoints.map((_, i) => m.row(0, i));
}

/** Upstream's table, rows in podOrder; the diagonal is not judged upstream, so it is copied from `probed`. */
function upstreamRows(expected: Record<string, Record<string, boolean>>, probed: readonly string[]): string[] {
  return suite.podOrder.map((from, i) => suite.podOrder.map((to, j) => (i === j ? probed[i]![j] : expected[from]![to] ? '1' : '0')).join(''));
}

describe('upstream e2e NetworkPolicy cases, enforced by kordon nftables in the lab', () => {
  let session: LabSession;
  beforeAll(async () => {
    session = await LabSession.open(clusterOf(model).cluster, { serve: SERVE });
  }, 60_000);
  afterAll(async () => {
    await session?.close();
  });

  it('builds the nine pods in the order of the upstream tables', () => {
    expect(session.endpoints).toEqual(suite.podOrder);
  });

  for (const c of suite.cases) {
    it(`${c.id}: ${c.name}`, async () => {
      for (const [s, step] of c.steps.entries()) {
        const { cluster, diagnostics } = clusterOf([...upstreamObjects(suite, step.namespaceLabels), ...step.policies]);
        expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        await session.enforce(cluster);
        const columns = step.probes.map((p) => ({ label: `${p.port}/${p.protocol}`, port: p.port, protocol: p.protocol }));
        const probed: ProbedMatrix = await session.probe(columns);
        for (const p of step.probes) {
          const label = `${p.port}/${p.protocol}`;
          const engine = engineRows(cluster, p.port, p.protocol);
          const where = `${c.id} step ${s} ${label}`;
          if (probed.unsupported?.[label]) {
            // Never faked: the lab says why it did not probe, and only a kernel without the protocol may say so.
            expect(probed.unsupported[label], where).toMatch(/no SCTP/);
            expect(upstreamRows(p.expected, engine), `${where} (engine vs upstream)`).toEqual(engine);
            continue;
          }
          const rows = probed.allowed[label]!;
          expect(rows, `${where}: probed vs kordon matrix`).toEqual(engine);
          expect(rows, `${where}: probed vs upstream expected (off-diagonal)`).toEqual(upstreamRows(p.expected, rows));
        }
      }
    }, 60_000);
  }
});
