import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { canonicalIP, defaultColumns, formatIP, parseIP, type Cluster, type MatrixColumn, type Pod, type PortProto } from '@kordon/engine';
import { Agent, type SyncResult } from '../agent/agent.js';
import { Lab, type LabHost, type ProbeRequest } from './lab.js';
import type { ProbeOutcome } from './helper.js';

/** The JSON of `kordon matrix -o json`, plus the ports the lab could not probe and why. */
export interface ProbedMatrix {
  endpoints: string[];
  ports: string[];
  allowed: Record<string, string[]>;
  /** Columns left out of `allowed`: `80/SCTP` → why (never guessed). */
  unsupported?: Record<string, string>;
}

/** One cell of a probe: endpoint indices and a port. */
export interface ProbeCell {
  from: number;
  to: number;
  port: number;
  protocol: PortProto['protocol'];
}

export interface LabProbeOptions {
  /** Columns to probe; default the engine's default columns for the cluster. */
  ports?: readonly PortProto[];
  /** Outside addresses, each given its own namespace. */
  ips?: readonly string[];
  /** Per-connection time-out; a denied connection costs this long (in parallel). Default 1500 ms. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** Pods the lab cannot host, in words; empty when it can host them all. */
export function labLimits(cluster: Cluster): string[] {
  return cluster.pods.filter((p) => p.hostNetwork).map((p) => `${p.namespace}/${p.name} uses hostNetwork: the lab has one node namespace and does not run node processes as pods`);
}

/**
 * The lab needs an address for every pod: pods without one (plain manifests) get one from 100.64.0.0/16 in
 * order, skipping addresses in use. The returned cluster is what the lab enforces and what its probes are
 * compared with.
 */
export function withLabAddresses(cluster: Cluster): Cluster {
  if (cluster.pods.every((p) => p.ips.length > 0)) return cluster;
  const used = new Set(cluster.pods.flatMap((p) => p.ips));
  let next = (100n << 24n) | (64n << 16n) | 1n;
  const take = (): string => {
    for (;;) {
      const ip = formatIP({ family: 4, value: next++ });
      if (!used.has(ip)) {
        used.add(ip);
        return ip;
      }
    }
  };
  const pods: Pod[] = cluster.pods.map((p) => (p.ips.length > 0 || p.hostNetwork ? p : { ...p, ips: [take()] }));
  return { ...cluster, pods };
}

function sctpInKernel(): boolean {
  try {
    return /^SCTP/m.test(readFileSync('/proc/net/protocols', 'utf8'));
  } catch {
    return false;
  }
}

function family(ip: string): 4 | 6 {
  return isIPv6(ip) ? 6 : 4;
}

/**
 * The cluster built in network namespaces, with kordon's agent enforcing in the node namespace. One session
 * keeps its namespaces and servers while policies change, so a multi-step case probes the same pods.
 */
export class LabSession {
  private constructor(
    readonly lab: Lab,
    readonly agent: Agent,
    readonly endpoints: readonly string[],
    readonly podCount: number,
    private readonly hostIps: ReadonlyArray<readonly string[]>,
  ) {}

  static async open(cluster: Cluster, opts: { ips?: readonly string[]; serve: readonly PortProto[] }): Promise<LabSession> {
    const limits = labLimits(cluster);
    if (limits.length) throw new Error(`the lab cannot build this cluster: ${limits.join('; ')}`);
    const missing = cluster.pods.filter((p) => p.ips.length === 0);
    if (missing.length) throw new Error(`pods without an address (use withLabAddresses): ${missing.map((p) => `${p.namespace}/${p.name}`).join(', ')}`);
    const ips = (opts.ips ?? []).map((ip) => canonicalIP(ip) ?? ip);
    const taken = new Set(cluster.pods.flatMap((p) => [...p.ips, ...(p.hostIP ? [p.hostIP] : [])]));
    for (const ip of ips) {
      if (!parseIP(ip)) throw new Error(`not an IP address: ${ip}`);
      // One address cannot live in two namespaces of one routed lab.
      if (taken.has(ip)) throw new Error(`--ip ${ip} is the address of a pod or node of the input: the lab cannot give it a namespace of its own`);
    }
    const serve = [...new Map(opts.serve.map((p) => [`${p.port}/${p.protocol}`, p])).values()];
    const hosts: LabHost[] = [
      ...cluster.pods.map((p) => ({ name: `${p.namespace}/${p.name}`, ips: p.ips, serve })),
      ...ips.map((ip) => ({ name: ip, ips: [ip], serve })),
    ];
    const nodeIPs = [...new Set(cluster.pods.map((p) => p.hostIP).filter((x): x is string => x !== undefined))];
    const lab = await Lab.create({ hosts, nodeIPs });
    try {
      const agent = await Agent.create({ netns: lab.nodeNetns, nodeIPs });
      return new LabSession(lab, agent, hosts.map((h) => h.name), cluster.pods.length, hosts.map((h) => h.ips));
    } catch (e) {
      await lab.destroy();
      throw e;
    }
  }

  /** Has the agent enforce `cluster` (same pods as at open, any policies). */
  enforce(cluster: Cluster): Promise<SyncResult> {
    return this.agent.sync(cluster);
  }

  /** Probes every pair of endpoints on every column; a cell is allowed when any shared address family connects. */
  async probe(columns: readonly MatrixColumn[], timeoutMs = 1500): Promise<ProbedMatrix & { outcomes: Map<string, ProbeOutcome[]> }> {
    const n = this.endpoints.length;
    const unsupported: Record<string, string> = {};
    const requests: ProbeRequest[] = [];
    const cellOf: Array<[number, number, number]> = [];
    columns.forEach((col, c) => {
      const why = this.notProbed(col.port, col.protocol);
      if (why) {
        unsupported[col.label] = why;
        return;
      }
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          if (i >= this.podCount && j >= this.podCount) continue;
          const src = this.hostIps[i] as readonly string[];
          for (const ip of this.hostIps[j] as readonly string[]) {
            if (!src.some((s) => family(s) === family(ip))) continue;
            requests.push({ from: i, to: j, ip, port: col.port, protocol: col.protocol });
            cellOf.push([c, i, j]);
          }
        }
    });
    const results = await this.connect(requests, timeoutMs);
    const ok = columns.map(() => Array.from({ length: n }, () => new Array<boolean>(n).fill(false)));
    const outcomes = new Map<string, ProbeOutcome[]>();
    results.forEach((r, k) => {
      const [c, i, j] = cellOf[k] as [number, number, number];
      if (r.ok) (ok[c] as boolean[][])[i]![j] = true;
      const key = `${c}:${i}:${j}`;
      outcomes.set(key, [...(outcomes.get(key) ?? []), r]);
    });
    const allowed: Record<string, string[]> = {};
    columns.forEach((col, c) => {
      if (unsupported[col.label]) return;
      allowed[col.label] = Array.from({ length: n }, (_, i) =>
        Array.from({ length: n }, (_, j) => (i >= this.podCount && j >= this.podCount ? '-' : ok[c]![i]![j] ? '1' : '0')).join(''),
      );
    });
    const out: ProbedMatrix & { outcomes: Map<string, ProbeOutcome[]> } = { endpoints: [...this.endpoints], ports: columns.map((c) => c.label), allowed, outcomes };
    if (Object.keys(unsupported).length) out.unsupported = unsupported;
    return out;
  }

  /**
   * Probes single cells: from endpoint `from` to endpoint `to` (indices into `endpoints`) on one port. A cell is
   * allowed when any shared address family connects; `undefined` for a port the lab could not serve (never guessed).
   */
  async probeCells(cells: readonly ProbeCell[], timeoutMs = 1500): Promise<Array<boolean | undefined>> {
    const requests: ProbeRequest[] = [];
    const owner: number[] = [];
    const out: Array<boolean | undefined> = cells.map(() => false);
    cells.forEach((cell, k) => {
      if (this.lab.unsupported.has(`${cell.port}/${cell.protocol}`)) return void (out[k] = undefined);
      const src = this.hostIps[cell.from] as readonly string[];
      for (const ip of this.hostIps[cell.to] as readonly string[]) {
        if (!src.some((s) => family(s) === family(ip))) continue;
        requests.push({ from: cell.from, to: cell.to, ip, port: cell.port, protocol: cell.protocol });
        owner.push(k);
      }
    });
    const results = await this.connect(requests, timeoutMs);
    results.forEach((r, n) => {
      if (r.ok) out[owner[n] as number] = true;
    });
    return out;
  }

  /** Why a port was not probed, or undefined when it was. */
  notProbed(port: number, protocol: PortProto['protocol']): string | undefined {
    if (!this.lab.unsupported.has(`${port}/${protocol}`)) return undefined;
    return protocol === 'SCTP' && !sctpInKernel() ? 'this kernel has no SCTP (not in /proc/net/protocols): not probed' : `the lab cannot serve ${port}/${protocol}: not probed`;
  }

  /** Every connection once, and every failure a second time: on a loaded machine a lost first packet must not read as "denied". */
  private async connect(requests: readonly ProbeRequest[], timeoutMs: number): Promise<ProbeOutcome[]> {
    const results = await this.lab.probe(requests, timeoutMs);
    // An allowed connection never becomes denied this way; a denied one fails both times.
    const again = results.flatMap((r, k) => (r.ok ? [] : [k]));
    if (again.length) {
      const second = await this.lab.probe(again.map((k) => requests[k] as ProbeRequest), timeoutMs);
      again.forEach((k, n) => {
        const r = second[n];
        if (r?.ok) results[k] = { ...r, reason: `${r.reason} (second try)` };
      });
    }
    return results;
  }

  close(): Promise<void> {
    return this.lab.destroy();
  }
}

/** The columns `kordon matrix` would show for these options. */
export function matrixColumns(cluster: Cluster, ports?: readonly PortProto[]): MatrixColumn[] {
  return ports ? ports.map((p) => ({ label: `${p.port}/${p.protocol}`, protocol: p.protocol, port: p.port })) : defaultColumns(cluster);
}

/**
 * `kordon lab probe`: builds the cluster in namespaces, runs the agent, probes every pair and port for real,
 * and removes everything it made, whether it succeeds, fails or is interrupted.
 */
export async function probeMatrix(cluster: Cluster, opts: LabProbeOptions = {}): Promise<ProbedMatrix> {
  const labCluster = withLabAddresses(cluster);
  const columns = matrixColumns(labCluster, opts.ports);
  const session = await LabSession.open(labCluster, { ips: opts.ips ?? [], serve: columns.map((c) => ({ port: c.port, protocol: c.protocol })) });
  try {
    const sync = await session.enforce(labCluster);
    opts.log?.(`enforcing: ${sync.ruleset.stats.rules} rules, ${sync.ruleset.stats.elements} set elements (${Math.round(sync.compileMs + sync.applyMs)} ms)`);
    const { outcomes: _o, ...matrix } = await session.probe(columns, opts.timeoutMs);
    return matrix;
  } finally {
    await session.close();
  }
}
