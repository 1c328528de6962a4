import { performance } from 'node:perf_hooks';
import type { Cluster, Direction } from '@kordon/engine';
import { applyScript, checkPrivileges, listSet, listSetIfThere, listTable, type NftTarget } from '../nft/apply.js';
import { compareSet, compareViews, expectedSetView, expectedView, kernelSetView, kernelView, repairScript, type TableDifference } from '../nft/digest.js';
import { CompileCache, compileRuleset, DEFAULT_TABLE, type CompileOptions } from '../nft/compile.js';
import { diffRulesets } from '../nft/diff.js';
import { renderDeleteTable, renderRuleset, tableNameProblem, type Ruleset } from '../nft/ruleset.js';

export interface AgentOptions extends CompileOptions, NftTarget {
  /**
   * Dry-run each full replace with `nft -c` before committing it (default false). It adds nothing to safety, since
   * `nft -f` sends the whole script as one kernel transaction that applies entirely or not at all, and it doubles the
   * time of a full sync.
   */
  check?: boolean;
  log?: (line: string) => void;
}

export interface SyncResult {
  mode: 'full' | 'incremental' | 'unchanged';
  compileMs: number;
  applyMs: number;
  addedElements: number;
  deletedElements: number;
  chains: readonly string[];
  sets: readonly string[];
  /** The script sent to nft (empty when unchanged). */
  script: string;
  ruleset: Ruleset;
}

/** `invalid-manifests`: the input is wrong (exit 1); `cannot-enforce`: this machine or its options are (exit 2). */
export type AgentErrorCode = 'invalid-manifests' | 'cannot-enforce';

/** What a comparison of the kernel's table with the ruleset found, and what was done. */
export interface VerifyResult {
  /** `ok`: the kernel holds the ruleset; `repaired`: it did not, now it does (as far as nft said). */
  state: 'ok' | 'repaired' | 'not-synced';
  differences: readonly TableDifference[];
  /** How it was repaired: the differing elements and chains only, or the whole table. */
  mode?: 'incremental' | 'full';
  ms: number;
}

export class AgentError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
    readonly code: AgentErrorCode = 'cannot-enforce',
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

export interface DeniedConnection {
  direction: Direction;
  /** `ns/pod` when the address is a pod's, else the address. */
  from: string;
  to: string;
  protocol: string;
  port: number;
  packets: number;
  /** Seconds until the record expires unless more packets are denied. */
  expiresInSeconds?: number;
}

const PROTO: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6', 132: 'SCTP' };

/**
 * Keeps kordon's nftables table in step with a cluster: the first sync after start replaces the table in one
 * transaction (the old table, e.g. from before a restart, enforces until that commit), later syncs send only
 * the difference. A failed sync leaves the table as it was and the agent's idea of it unchanged.
 */
export class Agent {
  private current: Ruleset | undefined;
  private cluster: Cluster | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Syncs and checks queued or running, and who waits for there to be none. */
  private queued = 0;
  private idleWaiters: Array<() => void> = [];
  /** Transactions begun, counted before each is sent: a listing while this stood still saw none of the agent's. */
  private begun = 0;
  /** Lets each compile reuse what the change did not touch. */
  private readonly cache = new CompileCache();
  private repairCount = 0;
  readonly table: string;

  private constructor(readonly opts: AgentOptions) {
    this.table = opts.table ?? DEFAULT_TABLE;
  }

  /** Refuses, naming what is missing, when this process cannot manage nftables. */
  static async create(opts: AgentOptions = {}): Promise<Agent> {
    const badTable = opts.table === undefined ? undefined : tableNameProblem(opts.table);
    if (badTable) throw new AgentError(badTable, [badTable]);
    const p = await checkPrivileges({ ...opts, log: (l) => opts.log?.(l) });
    if (!p.ok) throw new AgentError(`kordon agent cannot enforce policies: ${p.problems.join('; ')}`, p.problems);
    return new Agent(opts);
  }

  get ruleset(): Ruleset | undefined {
    return this.current;
  }

  /** Repairs of the kernel's table so far. */
  get repairs(): number {
    return this.repairCount;
  }

  /**
   * Compares the kernel's table with the ruleset last applied and puts back what differs: a deleted element or a
   * flushed chain by an incremental transaction, anything larger (a deleted table, set or chain) by replacing the
   * table. Serialised with syncs. It catches an nft that reported success without applying, too.
   */
  verify(): Promise<VerifyResult> {
    return this.enqueue(() => this.doVerify());
  }

  /**
   * The same for some sets and maps only, which a check outside the queue found differing while syncs went on:
   * each is listed again and what still differs put back (a missing set, or one of another shape, by replacing
   * the table). Sets the ruleset no longer has are left out.
   */
  verifySets(names: readonly string[]): Promise<VerifyResult> {
    return this.enqueue(async () => {
      const t0 = performance.now();
      const want = this.current;
      if (!want) return { state: 'not-synced', differences: [], ms: 0 };
      const differences: TableDifference[] = [];
      for (const s of want.sets.filter((x) => names.includes(x.name))) {
        const json = await listSetIfThere(this.table, s.name, this.target(), s.kind);
        differences.push(...compareSet(s.name, expectedSetView(s), kernelSetView(json, this.table, s.name)));
      }
      return this.repair(want, differences, t0);
    });
  }

  /** Transactions this agent has begun: unchanged over a listing, the listing saw none of them. */
  get transactionsBegun(): number {
    return this.begun;
  }

  /** No sync or check is queued or running. */
  get idle(): boolean {
    return this.queued === 0;
  }

  /** Resolves when no sync or check is queued or running, or after `maxMs` in any case. */
  whenIdle(maxMs: number): Promise<void> {
    if (this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxMs);
      const waiters = this.idleWaiters;
      function done(): void {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  /** Runs `job` after every sync and check queued before it. */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    this.queued++;
    const run = this.queue.then(job).finally(() => {
      if (--this.queued === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** Sends one transaction, counted first. */
  private commit(script: string, check: boolean): Promise<void> {
    this.begun++;
    return applyScript(script, this.target(), { check });
  }

  private async doVerify(): Promise<VerifyResult> {
    const t0 = performance.now();
    const want = this.current;
    if (!want) return { state: 'not-synced', differences: [], ms: 0 };
    return this.repair(want, compareViews(expectedView(want), kernelView(await listTable(this.table, this.target()), this.table)), t0);
  }

  /** Puts back what differs: only the differing elements and chains when it can, else the whole table. */
  private async repair(want: Ruleset, differences: TableDifference[], t0: number): Promise<VerifyResult> {
    if (differences.length === 0) return { state: 'ok', differences, ms: performance.now() - t0 };
    this.repairCount++;
    const script = repairScript(want, differences);
    if (script) {
      try {
        await this.commit(script, false);
        return { state: 'repaired', differences, mode: 'incremental', ms: performance.now() - t0 };
      } catch (e) {
        this.opts.log?.(`repairing only what differs failed, replacing the table: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    await this.commit(renderRuleset(want, { notes: false }), false);
    return { state: 'repaired', differences, mode: 'full', ms: performance.now() - t0 };
  }

  /** Where and how this agent runs nft. */
  get nftTarget(): NftTarget {
    return this.target();
  }

  private target(): NftTarget {
    const o = this.opts;
    return {
      ...(o.netns !== undefined ? { netns: o.netns } : {}),
      ...(o.nftProgram !== undefined ? { nftProgram: o.nftProgram } : {}),
      ...(o.nftTimeoutMs !== undefined ? { nftTimeoutMs: o.nftTimeoutMs } : {}),
      ...(o.nftAttempts !== undefined ? { nftAttempts: o.nftAttempts } : {}),
      ...(o.nftBackoffMs !== undefined ? { nftBackoffMs: o.nftBackoffMs } : {}),
      log: (line) => this.opts.log?.(line),
    };
  }

  /** Brings the table in line with `cluster`; calls are serialised. */
  sync(cluster: Cluster, opts: { full?: boolean } = {}): Promise<SyncResult> {
    return this.enqueue(() => this.doSync(cluster, opts.full ?? false));
  }

  private async doSync(cluster: Cluster, full: boolean): Promise<SyncResult> {
    const t0 = performance.now();
    const next = compileRuleset(cluster, this.opts, this.cache);
    const compileMs = performance.now() - t0;
    const check = this.opts.check ?? false;
    const base = { compileMs, ruleset: next };
    if (this.current && !full) {
      const d = diffRulesets(this.current, next);
      if (d.script === '') {
        this.current = next;
        this.cluster = cluster;
        return { ...base, mode: 'unchanged', applyMs: 0, addedElements: 0, deletedElements: 0, chains: [], sets: [], script: '' };
      }
      const t1 = performance.now();
      try {
        // An incremental commit needs no dry run: the kernel rejects the whole transaction or applies all of it.
        await this.commit(d.script, false);
        this.current = next;
        this.cluster = cluster;
        return { ...base, mode: 'incremental', applyMs: performance.now() - t1, addedElements: d.addedElements, deletedElements: d.deletedElements, chains: d.chains, sets: d.sets, script: d.script };
      } catch (e) {
        // The table drifted from what the agent believes (someone edited it): replacing it whole is a repair, and is
        // counted and told as one, or a tamper put right this way would go unreported.
        this.repairCount++;
        this.opts.log?.(`repaired the table (repair ${this.repairCount}; an incremental update failed: ${(e as Error).message.split('\n')[0]}): replacing it whole`);
      }
    }
    const script = renderRuleset(next, { notes: false });
    const t1 = performance.now();
    await this.commit(script, check);
    this.current = next;
    this.cluster = cluster;
    return {
      ...base,
      mode: 'full',
      applyMs: performance.now() - t1,
      addedElements: next.stats.elements,
      deletedElements: 0,
      chains: next.chains.map((c) => c.name),
      sets: next.sets.map((s) => s.name),
      script,
    };
  }

  /** Denied connections recorded by the kernel, newest counters, addresses named after pods where known. */
  denied(): Promise<DeniedConnection[]> {
    return this.deniedFor(this.cluster);
  }

  /** The same, naming addresses after the pods of `cluster` (a fresh process has not synced yet). */
  async deniedFor(cluster: Cluster | undefined): Promise<DeniedConnection[]> {
    const byIp = new Map<string, string>();
    for (const p of cluster?.pods ?? []) for (const ip of p.ips) byIp.set(ip, `${p.namespace}/${p.name}`);
    const out: DeniedConnection[] = [];
    for (const direction of ['ingress', 'egress'] as const)
      for (const f of [4, 6]) {
        const json = await listSet(this.table, `denied_${direction}${f}`, this.target());
        for (const item of json.nftables) {
          const set = item['set'] as { elem?: unknown[] } | undefined;
          for (const e of set?.elem ?? []) {
            const rec = parseDenied(e);
            if (!rec) continue;
            out.push({
              direction,
              from: byIp.get(rec.src) ?? rec.src,
              to: byIp.get(rec.dst) ?? rec.dst,
              protocol: PROTO[rec.proto] ?? String(rec.proto),
              port: rec.port,
              packets: rec.packets,
              ...(rec.expires !== undefined ? { expiresInSeconds: rec.expires } : {}),
            });
          }
        }
      }
    return out.sort((a, b) => b.packets - a.packets);
  }

  /** Deletes kordon's table: enforcement stops. */
  async uninstall(): Promise<void> {
    await this.commit(renderDeleteTable(this.table), false);
    this.current = undefined;
  }
}

interface DeniedElem {
  src: string;
  dst: string;
  proto: number;
  port: number;
  packets: number;
  expires?: number;
}

const PROTO_BY_NAME: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132 };

/** One element of a dynamic set in libnftables JSON: `{elem: {val: {concat: [...]}, counter: {packets}, expires}}`. */
function parseDenied(e: unknown): DeniedElem | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const wrapped = (e as { elem?: Record<string, unknown> }).elem;
  const val = (wrapped ? wrapped['val'] : e) as { concat?: unknown[] } | undefined;
  const parts = val?.concat;
  if (!Array.isArray(parts) || parts.length !== 4) return undefined;
  const [src, dst, proto, port] = parts;
  const counter = wrapped?.['counter'] as { packets?: number } | undefined;
  const expires = wrapped?.['expires'];
  const protoNum = typeof proto === 'number' ? proto : (PROTO_BY_NAME[String(proto)] ?? Number(proto));
  return {
    src: String(src),
    dst: String(dst),
    proto: protoNum,
    port: Number(port),
    packets: counter?.packets ?? 0,
    ...(typeof expires === 'number' ? { expires } : {}),
  };
}
