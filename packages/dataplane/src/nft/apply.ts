import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { exec, type ExecResult } from '../exec.js';

/** Where and how `nft` runs: this machine's namespace, or a named network namespace (the lab's node). */
export interface NftTarget {
  netns?: string;
  /** The nft program, default `nft` on PATH. */
  nftProgram?: string;
  /** Each run of nft is killed after this long, default 10 s: a hung nft must not stall the agent. */
  nftTimeoutMs?: number;
  /** Runs of nft before giving up, when each one timed out; default 3. */
  nftAttempts?: number;
  /** Wait before the second attempt, default 500 ms; each further wait is four times longer. */
  nftBackoffMs?: number;
  /** Where time-outs and retries are told. */
  log?: (line: string) => void;
}

const NFT_TIMEOUT_MS = 10_000;
const NFT_ATTEMPTS = 3;
const NFT_BACKOFF_MS = 500;

/** Pids of the nft runs this process started lately: changes they made are the agent's own (see monitor.ts). */
const ownPids = new Map<number, number>();
const OWN_PID_MEMORY_MS = 60_000;

export function isOwnNftPid(pid: number): boolean {
  return ownPids.has(pid);
}

function remember(pid: number): void {
  const now = Date.now();
  ownPids.set(pid, now);
  for (const [p, t] of ownPids) {
    if (now - t < OWN_PID_MEMORY_MS) break;
    ownPids.delete(p);
  }
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;

export class NftError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'NftError';
  }
}

/** The program and arguments that run nft with `args` where `target` says. */
export function nftCommand(target: NftTarget, args: readonly string[]): [string, string[]] {
  const nft = target.nftProgram ?? 'nft';
  // `ip netns exec` execs nft in its own process: the pid stays the one spawned.
  return target.netns ? ['ip', ['netns', 'exec', target.netns, nft, ...args]] : [nft, [...args]];
}

/** The nice value of the nft runs of the background check: a sync's own nft and compile get the CPU first. */
const BACKGROUND_NICE = 10;

/** Lowers a process's priority for work that must not slow the syncs; a process already gone is no matter. */
export function runInBackground(pid: number): void {
  try {
    setPriority(pid, BACKGROUND_NICE);
  } catch {
    // It has exited already, or this process may not renice: it runs at the normal priority.
  }
}

function runOnce(args: readonly string[], input: string | undefined, target: NftTarget, background = false): Promise<ExecResult> {
  const [cmd, argv] = nftCommand(target, args);
  const onSpawn = (pid: number): void => {
    remember(pid);
    if (background) runInBackground(pid);
  };
  return exec(cmd, argv, input, { timeoutMs: target.nftTimeoutMs ?? NFT_TIMEOUT_MS, onSpawn });
}

/**
 * Runs nft; one that hangs is killed after the time-out and run again after a growing wait, each step told to the
 * log. A transaction is all or nothing, so a killed one either committed whole or not at all, and running it again
 * either applies it or fails in the kernel (and the agent then replaces the table).
 */
async function run(what: string, args: readonly string[], input: string | undefined, target: NftTarget, background = false): Promise<ExecResult> {
  const attempts = Math.max(1, target.nftAttempts ?? NFT_ATTEMPTS);
  const timeout = target.nftTimeoutMs ?? NFT_TIMEOUT_MS;
  for (let i = 1; ; i++) {
    const r = await runOnce(args, input, target, background);
    if (!r.timedOut) return r;
    if (i >= attempts) {
      target.log?.(`nft ${what} timed out after ${seconds(timeout)} and was killed; giving up after ${attempts} attempts`);
      return r;
    }
    const wait = (target.nftBackoffMs ?? NFT_BACKOFF_MS) * 4 ** (i - 1);
    target.log?.(`nft ${what} timed out after ${seconds(timeout)} and was killed; trying again in ${seconds(wait)} (attempt ${i + 1} of ${attempts})`);
    await new Promise((res) => setTimeout(res, wait));
  }
}

async function runOk(what: string, args: readonly string[], input: string | undefined, target: NftTarget): Promise<string> {
  const r = await run(what, args, input, target);
  if (r.timedOut) {
    const times = Math.max(1, target.nftAttempts ?? NFT_ATTEMPTS);
    throw new NftError(`nft ${what} timed out after ${seconds(target.nftTimeoutMs ?? NFT_TIMEOUT_MS)}, ${times} times; nothing more was tried`, r.stderr);
  }
  if (r.code !== 0) throw new NftError(`nft ${what} failed: ${r.stderr.trim().split('\n').slice(0, 12).join('\n')}`, r.stderr);
  return r.stdout;
}

/** Parses and checks a script against the kernel without committing anything (`nft -c`). */
export async function checkScript(script: string, target: NftTarget = {}): Promise<void> {
  await runOk('check', ['-c', '-f', '-'], script, target);
}

/**
 * Applies a script as one kernel transaction: first a dry run, then the commit. Either every command of the
 * script takes effect or none does, so a failure leaves the previous ruleset whole.
 */
export async function applyScript(script: string, target: NftTarget = {}, opts: { check?: boolean } = {}): Promise<void> {
  if (opts.check ?? true) await checkScript(script, target);
  await runOk('apply', ['-f', '-'], script, target);
}

/**
 * `nft -j list table inet NAME`, parsed; undefined when the table does not exist. `terse` leaves out the elements
 * of sets and maps (`nft -t`: nft still reads them from the kernel, but prints a twentieth); `background` runs nft at
 * a lower priority.
 */
export function listTable(table: string, target: NftTarget = {}, opts: { terse?: boolean; background?: boolean } = {}): Promise<NftJson | undefined> {
  return listIfThere('list table', ['-j', ...(opts.terse ? ['-t'] : []), 'list', 'table', 'inet', table], target, opts.background);
}

/** `nft -j list set|map inet TABLE NAME`, parsed; undefined when the set (or its table) does not exist. */
export function listSetIfThere(table: string, set: string, target: NftTarget = {}, kind: 'set' | 'map' = 'set'): Promise<NftJson | undefined> {
  return listIfThere(`list ${kind}`, ['-j', 'list', kind, 'inet', table, set], target);
}

/** A listing that nft refuses is of something not there; one that times out is no answer, and throws. */
async function listIfThere(what: string, args: readonly string[], target: NftTarget, background = false): Promise<NftJson | undefined> {
  const r = await run(what, args, undefined, target, background);
  if (r.timedOut) throw new NftError(`nft ${what} timed out after ${seconds(target.nftTimeoutMs ?? NFT_TIMEOUT_MS)}`, r.stderr);
  if (r.code !== 0) return undefined;
  return JSON.parse(r.stdout) as NftJson;
}

/** `nft -j list set inet TABLE NAME` (or `list map`), parsed. */
export async function listSet(table: string, set: string, target: NftTarget = {}, kind: 'set' | 'map' = 'set'): Promise<NftJson> {
  return JSON.parse(await runOk(`list ${kind}`, ['-j', 'list', kind, 'inet', table, set], undefined, target)) as NftJson;
}

/** The libnftables JSON output: `{ nftables: [ {metainfo}, {table}, {set}, {chain}, {rule} … ] }`. */
export interface NftJson {
  nftables: Array<Record<string, unknown>>;
}

export interface Privileges {
  ok: boolean;
  /** Why not, in words, naming what is missing. */
  problems: string[];
}

/** Whether a /proc/PID/status text shows CAP_NET_ADMIN (bit 12) in the effective set. */
export function hasNetAdmin(status: string): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m ? (BigInt(`0x${m[1]}`) & (1n << 12n)) !== 0n : false;
}

function ownStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

/** What the agent needs: the nft program, CAP_NET_ADMIN, and a kernel that answers nft (nf_tables). */
export async function checkPrivileges(target: NftTarget = {}): Promise<Privileges> {
  const problems: string[] = [];
  const version = await exec(target.nftProgram ?? 'nft', ['-v'], undefined, { timeoutMs: target.nftTimeoutMs ?? NFT_TIMEOUT_MS }).catch(() => undefined);
  if (!version || version.code !== 0) problems.push('the `nft` program (package nftables) is not installed or not on PATH');
  if (!hasNetAdmin(ownStatus())) problems.push('this process lacks CAP_NET_ADMIN: run as root or grant the capability (setcap cap_net_admin+ep)');
  if (problems.length === 0) {
    const probe = await run('list tables', ['list', 'tables'], undefined, target);
    if (probe.code !== 0) problems.push(`nft cannot talk to the kernel: ${probe.stderr.trim()}`);
  }
  return { ok: problems.length === 0, problems };
}
