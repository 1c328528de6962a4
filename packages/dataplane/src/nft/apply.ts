import { readFileSync } from 'node:fs';
import { exec, type ExecResult } from '../exec.js';

/** Where `nft` runs: this machine's namespace, or a named network namespace (the lab's node). */
export interface NftTarget {
  netns?: string;
}

export class NftError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'NftError';
  }
}

function run(args: readonly string[], input: string | undefined, target: NftTarget): Promise<ExecResult> {
  return target.netns ? exec('ip', ['netns', 'exec', target.netns, 'nft', ...args], input) : exec('nft', args, input);
}

async function runOk(what: string, args: readonly string[], input: string | undefined, target: NftTarget): Promise<string> {
  const r = await run(args, input, target);
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

/** `nft -j list table inet NAME`, parsed; undefined when the table does not exist. */
export async function listTable(table: string, target: NftTarget = {}): Promise<NftJson | undefined> {
  const r = await run(['-j', 'list', 'table', 'inet', table], undefined, target);
  if (r.code !== 0) return undefined;
  return JSON.parse(r.stdout) as NftJson;
}

/** `nft -j list set inet TABLE NAME`, parsed. */
export async function listSet(table: string, set: string, target: NftTarget = {}): Promise<NftJson> {
  return JSON.parse(await runOk('list set', ['-j', 'list', 'set', 'inet', table, set], undefined, target)) as NftJson;
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
  const version = await exec('nft', ['-v']).catch(() => undefined);
  if (!version || version.code !== 0) problems.push('the `nft` program (package nftables) is not installed or not on PATH');
  if (!hasNetAdmin(ownStatus())) problems.push('this process lacks CAP_NET_ADMIN: run as root or grant the capability (setcap cap_net_admin+ep)');
  if (problems.length === 0) {
    const probe = await run(['list', 'tables'], undefined, target);
    if (probe.code !== 0) problems.push(`nft cannot talk to the kernel: ${probe.stderr.trim()}`);
  }
  return { ok: problems.length === 0, problems };
}
