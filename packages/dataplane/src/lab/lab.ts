import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { exec, execOk, mapLimit } from '../exec.js';
import { PodHelper, type LatencySummary, type ProbeOutcome, type ProbePort, type ProbeTarget } from './helper.js';

/** One machine of the lab: a pod, or an address outside the cluster; each gets its own network namespace. */
export interface LabHost {
  /** For messages: `ns/pod` or the address. */
  name: string;
  /** IPv4 and/or IPv6 addresses, canonical text. */
  ips: readonly string[];
  /** Ports to serve. */
  serve: readonly ProbePort[];
}

export interface LabSpec {
  hosts: readonly LabHost[];
  /** Addresses of the node namespace itself (the node's IP): traffic to and from them is node traffic. */
  nodeIPs?: readonly string[];
}

export interface ProbeRequest {
  from: number;
  to: number;
  /** Which address of the destination; default its first. */
  ip?: string;
  port: number;
  protocol: ProbePort['protocol'];
}

/** Every name starts with this, then the creating process id and a random tag: `kd-<pid>-<tag>-…`. */
export const LAB_PREFIX = 'kd-';
const GATEWAY6 = 'fe80::1';
/** Each pod's IPv4 next hop, an address of the node namespace: one ARP entry per pod, not one per peer. */
const GATEWAY4 = '169.254.1.1';
const PARALLEL = 8;

const live = new Set<Lab>();
let handlersInstalled = false;

function onSignal(sig: NodeJS.Signals): void {
  for (const lab of live) lab.destroySync();
  process.exit(sig === 'SIGINT' ? 130 : 143);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  process.on('exit', () => {
    for (const lab of live) lab.destroySync();
  });
}

function newRunId(): string {
  return `${LAB_PREFIX}${process.pid}-${randomBytes(2).toString('hex')}`;
}

async function ipBatch(netns: string | undefined, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const args = netns ? ['-n', netns, '-batch', '-'] : ['-batch', '-'];
  await execOk('ip', args, `${lines.join('\n')}\n`);
}

/**
 * A throwaway cluster network on this machine: one namespace per host, each joined by a veth pair to one node
 * namespace that routes between them (through 169.254.1.1 for IPv4 and fe80::1 for IPv6, as Calico does). Each host runs a
 * helper that serves the requested ports and makes probe connections.
 */
export class Lab {
  readonly runId: string;
  readonly nodeNetns: string;
  readonly hostNetns: readonly string[];
  /** Ports a host could not serve, e.g. `80/SCTP` when the kernel has no SCTP. */
  readonly unsupported = new Set<string>();
  private readonly helpers: PodHelper[] = [];
  private readonly created: string[] = [];
  private destroyed = false;

  private constructor(readonly spec: LabSpec, runId: string) {
    this.runId = runId;
    this.nodeNetns = `${runId}-node`;
    this.hostNetns = spec.hosts.map((_, i) => `${runId}-h${i}`);
  }

  /** Builds the namespaces; on any failure removes what it made and rethrows. */
  static async create(spec: LabSpec, opts: { runId?: string } = {}): Promise<Lab> {
    const lab = new Lab(spec, opts.runId ?? newRunId());
    live.add(lab);
    installHandlers();
    try {
      await lab.build();
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  private async build(): Promise<void> {
    const all = [this.nodeNetns, ...this.hostNetns];
    // Record before creating, so cleanup covers a namespace whose creation half-succeeded.
    this.created.push(...all);
    await ipBatch(undefined, all.map((n) => `netns add ${n}`));

    const node: string[] = ['link set lo up', `addr add ${GATEWAY4}/32 dev lo`];
    for (const ip of this.spec.nodeIPs ?? []) node.push(`addr add ${ip}/${isIPv6(ip) ? 128 : 32} dev lo`);
    this.spec.hosts.forEach((h, i) => {
      const dev = `kh${i}`;
      node.push(`link add ${dev} type veth peer name eth0 netns ${this.hostNetns[i]}`);
      node.push(`link set ${dev} up`);
      node.push(`addr add ${GATEWAY6}/64 dev ${dev} nodad`);
      for (const ip of h.ips) node.push(`route add ${ip}/${isIPv6(ip) ? 128 : 32} dev ${dev}`);
    });
    await ipBatch(this.nodeNetns, node);
    const sys = ['net/ipv4/ip_forward', 'net/ipv6/conf/all/forwarding'];
    await execOk('ip', ['netns', 'exec', this.nodeNetns, 'sh', '-ec', sys.map((s) => `echo 1 > /proc/sys/${s}`).join('\n')]);

    await mapLimit(this.spec.hosts, PARALLEL, async (h, i) => {
      const lines = ['link set lo up', 'link set eth0 up'];
      let v4 = false;
      let v6 = false;
      for (const ip of h.ips) {
        if (isIPv6(ip)) {
          lines.push(`addr add ${ip}/128 dev eth0 nodad`);
          v6 = true;
        } else {
          lines.push(`addr add ${ip}/32 dev eth0`);
          v4 = true;
        }
      }
      // Every address outside the namespace goes to the node: the node namespace decides what is reachable.
      if (v4 || h.ips.length === 0) lines.push(`route add default via ${GATEWAY4} dev eth0 onlink`);
      if (v6) lines.push(`route add default via ${GATEWAY6} dev eth0`);
      await ipBatch(this.hostNetns[i], lines);
    });

    for (const ns of this.hostNetns) this.helpers.push(new PodHelper(ns));
    await mapLimit(this.spec.hosts, PARALLEL, async (h, i) => {
      const un = await (this.helpers[i] as PodHelper).serve(h.serve);
      for (const u of un) this.unsupported.add(u);
    });
  }

  /** Runs a command inside the node namespace (e.g. `nft`). */
  nodeExec(cmd: string, args: readonly string[], input?: string): Promise<string> {
    return execOk('ip', ['netns', 'exec', this.nodeNetns, cmd, ...args], input);
  }

  /** Makes every requested connection, all sources in parallel; each source runs its probes concurrently. */
  async probe(requests: readonly ProbeRequest[], timeoutMs = 1500): Promise<ProbeOutcome[]> {
    const bySource = new Map<number, number[]>();
    requests.forEach((r, k) => {
      const l = bySource.get(r.from);
      if (l) l.push(k);
      else bySource.set(r.from, [k]);
    });
    const out = new Array<ProbeOutcome>(requests.length);
    await Promise.all(
      [...bySource].map(async ([from, ks]) => {
        const targets: ProbeTarget[] = ks.map((k) => {
          const r = requests[k] as ProbeRequest;
          const host = this.spec.hosts[r.to] as LabHost;
          const ip = r.ip ?? host.ips[0];
          if (!ip) throw new Error(`${host.name} has no address to probe`);
          return { ip, port: r.port, protocol: r.protocol };
        });
        const res = await (this.helpers[from] as PodHelper).probe(targets, timeoutMs);
        ks.forEach((k, j) => {
          out[k] = res[j] ?? { ok: false, reason: 'no answer from helper', ms: 0 };
        });
      }),
    );
    return out;
  }

  /** UDP round-trip latency from host `from` to host `to` (which must serve `port`/UDP). */
  latency(from: number, to: number, port: number, mode: 'udp-rr' | 'udp-new', count: number): Promise<LatencySummary> {
    const ip = (this.spec.hosts[to] as LabHost).ips[0] as string;
    return (this.helpers[from] as PodHelper).latency({ ip, port }, mode, count);
  }

  /** Removes every namespace and process this lab made. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const h of this.helpers) h.kill();
    if (this.created.length) await exec('ip', ['-force', '-batch', '-'], this.created.map((n) => `netns del ${n}`).join('\n') + '\n');
  }

  /** The same from a signal or exit handler, where nothing asynchronous runs any more. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const h of this.helpers) h.kill();
    if (this.created.length) spawnSync('ip', ['-force', '-batch', '-'], { input: this.created.map((n) => `netns del ${n}`).join('\n') + '\n' });
  }
}

/** Namespaces named by this module. */
export async function listLabNamespaces(): Promise<string[]> {
  const r = await exec('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(LAB_PREFIX));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes lab namespaces left by runs whose process is gone (a crash, a kill -9). Returns what it removed. */
export async function cleanupStaleLabs(): Promise<string[]> {
  const stale = (await listLabNamespaces()).filter((n) => {
    const pid = Number(n.slice(LAB_PREFIX.length).split('-')[0]);
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid);
  });
  if (stale.length) await exec('ip', ['-force', '-batch', '-'], stale.map((n) => `netns del ${n}`).join('\n') + '\n');
  return stale;
}
