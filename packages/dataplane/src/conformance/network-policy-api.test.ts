// The network-policy-api conformance suite (ClusterNetworkPolicy Admin and Baseline tiers) enforced by kordon's
// nftables in the lab: every TCP and UDP verdict of its 24 tests is a real connection between network namespaces,
// replayed with the suite's mutations, and must equal both the engine's matrix and the upstream expectation. SCTP
// verdicts are compiled into the ruleset but not probed: this kernel has no SCTP, and the lab says so.
import { computeMatrix, type Cluster } from '@kordon/engine';
import { renderRuleset } from '../nft/ruleset.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, mutate, world, type Obj, type Test, type Verdict } from '../../../engine/src/conformance/__fixtures__/network-policy-api.js';
import { LabSession, type ProbeCell } from '../lab/probe.js';
import { requirePrivileges } from '../test-support.js';
import { clusterOf } from './upstream.js';

requirePrivileges();

/** Denied connections cost this long (twice: every failure is tried again), all cells of a state in parallel. */
const TIMEOUT_MS = 700;

interface State {
  cluster: Cluster;
  verdicts: Verdict[];
}

/** A test's verdicts grouped by the cluster state they are judged in (the world between two mutations). */
function statesOf(test: Test): State[] {
  let objs: Obj[] = world(test);
  const out: State[] = [];
  let verdicts: Verdict[] = [];
  const close = () => {
    if (!verdicts.length) return;
    const { cluster, diagnostics } = clusterOf(objs, `${test.name}.json`);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    out.push({ cluster, verdicts });
    verdicts = [];
  };
  for (const step of test.steps) {
    if (step.type === 'verdict') verdicts.push(step);
    else {
      close();
      objs = mutate(objs, step);
    }
  }
  close();
  return out;
}

const allVerdicts = cases.tests.flatMap((t) => t.steps.filter((s): s is Verdict => s.type === 'verdict'));
const SERVE = [...new Map(allVerdicts.map((v) => [`${v.port}/${v.protocol}`, { port: v.port, protocol: v.protocol }])).values()];
/** Host-network servers are their node's address: in the lab, a namespace of their own outside the cluster. */
const HOST_SERVERS = [...new Set(allVerdicts.filter((v) => v.server.includes('centaur')).map((v) => (v as Verdict & { server_ip: string }).server_ip))];

describe('network-policy-api conformance, enforced by kordon nftables in the lab', () => {
  let session: LabSession;
  const tally = { probed: 0, notProbed: 0 };
  beforeAll(async () => {
    const { cluster } = clusterOf(world(cases.tests[0]!));
    const pods = cluster.pods.filter((p) => !p.hostNetwork);
    session = await LabSession.open({ ...cluster, pods }, { ips: HOST_SERVERS, serve: SERVE });
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  it('serves the host-network server from its own address, beside the eight pods', () => {
    expect(HOST_SERVERS).toEqual(['172.18.0.3']);
    expect(session.endpoints).toHaveLength(9);
  });

  for (const test of cases.tests) {
    it(`${test.name}: every TCP/UDP verdict probed equals the engine and upstream`, async () => {
      for (const [s, state] of statesOf(test).entries()) {
        const sync = await session.enforce(state.cluster);
        const ports = [...new Map(state.verdicts.map((v) => [`${v.port}/${v.protocol}`, { port: v.port, protocol: v.protocol }])).values()];
        const m = computeMatrix(state.cluster, { ports });
        const col = (v: Verdict) => ports.findIndex((p) => p.port === v.port && p.protocol === v.protocol);
        const endpoint = (v: Verdict, side: 'client' | 'server'): number => {
          const name = v[side];
          const pod = state.cluster.pods.find((p) => `${p.namespace}/${p.name}` === name)!;
          return session.endpoints.indexOf(pod.hostNetwork ? (v as Verdict & { server_ip: string }).server_ip : name);
        };
        const cells: ProbeCell[] = state.verdicts.map((v) => ({ from: endpoint(v, 'client'), to: endpoint(v, 'server'), port: v.port, protocol: v.protocol }));
        expect(cells.every((c) => c.from >= 0 && c.to >= 0), `${test.name} state ${s}: every endpoint in the lab`).toBe(true);
        const probed = await session.probeCells(cells, TIMEOUT_MS);
        const rules = renderRuleset(sync.ruleset, { notes: false });
        const namesSctp = state.cluster.clusterPolicies.some((p) => [...p.ingress, ...p.egress].some((r) => r.ports?.some((e) => e.protocol === 'SCTP')));
        state.verdicts.forEach((v, k) => {
          const where = `${v.id} (${v.file}:${v.line}) ${v.client} -> ${v.server} ${v.port}/${v.protocol}, state ${s}`;
          const engine = m.allowed(col(v), m.endpoints.indexOf(v.client), m.endpoints.indexOf(v.server));
          expect(engine, `${where}: engine vs upstream`).toBe(v.connect);
          if (probed[k] === undefined) {
            // Never faked: only a kernel without the protocol may leave a verdict unprobed, and its rules are compiled.
            expect(session.notProbed(v.port, v.protocol), where).toMatch(/no SCTP/);
            // SCTP in a rule's own port test (`sctp dport 9003`) or in a peer · protocol · port set (`… . sctp . 9003`).
            if (namesSctp) expect(rules, `${where}: SCTP in the ruleset`).toMatch(/(^|\s)sctp dport \d| sctp \. /m);
            tally.notProbed++;
            return;
          }
          expect(probed[k], `${where}: probed vs engine`).toBe(engine);
          tally.probed++;
        });
      }
    }, 120_000);
  }

  it('probed every TCP and UDP verdict and left only the SCTP ones out', () => {
    const count = (p: string) => allVerdicts.filter((v) => v.protocol === p).length;
    expect(tally).toEqual({ probed: count('TCP') + count('UDP'), notProbed: count('SCTP') });
    expect(tally.probed).toBe(211);
  });
});
