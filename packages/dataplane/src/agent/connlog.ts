import { appendFileSync, realpathSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AgentError, type Agent, type DeniedConnection } from './agent.js';

const POLL_MS = 1000;

export interface ConnectionLogOptions {
  /** The JSON Lines file appended to (created when missing). */
  file: string;
  /** The `node` field of each line. */
  node: string;
  /** How often the kernel's denied-connection records are read, default 1 s. */
  pollMs?: number;
}

export interface ConnectionLog {
  /** Every name the file goes by: a directory source leaves them out of its reads and events. */
  readonly paths: readonly string[];
  /** Reads the records now and appends the new ones; resolves to how many lines were written. */
  poll(): Promise<number>;
  /** Stops reading, after one last read. */
  stop(): void;
}

/** The record's identity: the nft set element (direction, source, destination, protocol, port). */
const keyOf = (d: DeniedConnection): string => `${d.direction}\0${d.from}\0${d.to}\0${d.protocol}\0${d.port}`;

/** One line of the connection log (docs/generate.md), fields in its documented order. */
export function connectionLogLine(d: DeniedConnection, node: string, time: Date): string {
  const line = { time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'), node, direction: d.direction, verdict: 'denied', from: d.from, to: d.to, port: d.port, protocol: d.protocol, packets: d.packets };
  return `${JSON.stringify(line)}\n`;
}

/**
 * Appends a line for each denied connection the kernel newly records. A record lives in an nft set until it expires;
 * one seen again after it expired (absent from a read, or its counter lower than before) is new again. The kernel
 * records denied connections only: allowed ones leave no record, so the log holds none.
 */
export function openConnectionLog(agent: Pick<Agent, 'ruleset' | 'denied'>, opts: ConnectionLogOptions, say: (message: string) => void): ConnectionLog {
  try {
    appendFileSync(opts.file, '');
  } catch (e) {
    throw new AgentError(`cannot write the connection log ${opts.file}: ${(e as Error).message}`);
  }
  const paths = [...new Set([resolve(opts.file), realpathSync(opts.file)])];
  let known = new Map<string, number>();
  let stopped = false;
  let failing = false;
  let busy: Promise<number> | undefined;

  const read = async (): Promise<number> => {
    // Before the first sync the table may be an earlier run's, and pods cannot be named yet.
    if (!agent.ruleset) return 0;
    let records: DeniedConnection[];
    try {
      records = await agent.denied();
      if (failing) say('reading denied connections works again; the connection log continues');
      failing = false;
    } catch (e) {
      if (!failing) say(`cannot read denied connections for the connection log: ${(e as Error).message.split('\n')[0]}; trying again`);
      failing = true;
      return 0;
    }
    const now = new Date();
    const next = new Map<string, number>();
    let lines = '';
    let count = 0;
    for (const d of records) {
      const k = keyOf(d);
      next.set(k, d.packets);
      const before = known.get(k);
      if (before !== undefined && d.packets >= before) continue;
      lines += connectionLogLine(d, opts.node, now);
      count++;
    }
    known = next;
    if (lines) await appendFile(opts.file, lines).catch((e: Error) => say(`cannot append to the connection log ${opts.file}: ${e.message}`));
    return count;
  };

  const poll = (): Promise<number> => {
    busy ??= read().finally(() => (busy = undefined));
    return busy;
  };
  const timer = setInterval(() => {
    if (!stopped) void poll();
  }, opts.pollMs ?? POLL_MS);
  // The agent's watches keep the process alive; the log alone must not (an agent that failed to start exits).
  timer.unref();
  return {
    paths,
    poll,
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      // What was denied since the last read is written before the process exits (the read keeps it alive).
      void poll();
    },
  };
}
