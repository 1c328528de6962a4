import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterOf } from '../conformance/upstream.js';
import { compileRuleset } from '../nft/compile.js';
import type { Ruleset } from '../nft/ruleset.js';
import type { DeniedConnection } from './agent.js';
import { openConnectionLog } from './connlog.js';

// Which records make a line, read after read. The kernel side (the nft sets, their reading, pod names) is the
// agent's and is tested with real packets in packages/cli/src/agent.test.ts; here the agent's reading is replayed.
const rec = (from: string, to: string, port: number, packets: number, direction: 'ingress' | 'egress' = 'ingress'): DeniedConnection => ({ direction, from, to, protocol: 'TCP', port, packets });
const A = (packets: number): DeniedConnection => rec('app/web', 'db/pg', 5432, packets);
const B = (packets: number): DeniedConnection => rec('10.9.0.7', 'db/pg', 5432, packets);

describe('the connection log writer', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function setup() {
    dir = mkdtempSync(join(tmpdir(), 'kordon-connlog-'));
    const file = join(dir, 'log.jsonl');
    let reads: Array<DeniedConnection[] | Error> = [];
    const said: string[] = [];
    const agent = {
      ruleset: undefined as Ruleset | undefined,
      denied: async (): Promise<DeniedConnection[]> => {
        const next = reads.shift();
        if (next === undefined) throw new Error('read more often than the test expected');
        if (next instanceof Error) throw next;
        return next;
      },
    };
    const log = openConnectionLog(agent, { file, node: 'node-1', pollMs: 3_600_000 }, (m) => said.push(m));
    const lines = (): Array<Record<string, unknown>> => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { agent, log, said, lines, file, then: (...r: Array<DeniedConnection[] | Error>) => (reads = r) };
  }

  it('creates the file at once and reads nothing before the first sync', async () => {
    const s = setup();
    expect(readFileSync(s.file, 'utf8')).toBe('');
    expect(await s.log.poll()).toBe(0);
    s.log.stop();
  });

  it('writes each record once while it lives, again when it came back after expiring', async () => {
    const s = setup();
    s.agent.ruleset = compileRuleset(clusterOf([]).cluster);
    s.then([A(3), B(1)], [A(5), B(1)], [A(2)], [A(2), B(1)]);
    expect(await s.log.poll()).toBe(2);
    expect(await s.log.poll()).toBe(0); // more packets of the same records
    expect(await s.log.poll()).toBe(1); // A's counter went down: it expired and was recorded again; B expired
    expect(await s.log.poll()).toBe(1); // B recorded again
    const lines = s.lines();
    expect(lines.map((l) => [l['from'], l['packets']])).toEqual([['app/web', 3], ['10.9.0.7', 1], ['app/web', 2], ['10.9.0.7', 1]]);
    expect(Object.keys(lines[0]!)).toEqual(['time', 'node', 'direction', 'verdict', 'from', 'to', 'port', 'protocol', 'packets']);
    expect(lines[0]).toMatchObject({ node: 'node-1', direction: 'ingress', verdict: 'denied', to: 'db/pg', port: 5432, protocol: 'TCP' });
    expect(lines[0]!['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    s.log.stop();
  });

  it('tells a failing read once and when it works again, losing no record; stop reads a last time', async () => {
    const s = setup();
    s.agent.ruleset = compileRuleset(clusterOf([]).cluster);
    s.then(new Error('nft: table gone\nmore'), new Error('nft: table gone'), [A(1)], [A(1), B(4)]);
    expect(await s.log.poll()).toBe(0);
    expect(await s.log.poll()).toBe(0);
    expect(s.said).toEqual(['cannot read denied connections for the connection log: nft: table gone; trying again']);
    expect(await s.log.poll()).toBe(1);
    expect(s.said[1]).toBe('reading denied connections works again; the connection log continues');
    s.log.stop();
    s.log.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(s.lines().map((l) => l['from'])).toEqual(['app/web', '10.9.0.7']);
  });

  it('refuses a file it cannot write, naming it', () => {
    dir = mkdtempSync(join(tmpdir(), 'kordon-connlog-'));
    const agent = { ruleset: undefined, denied: async () => [] };
    expect(() => openConnectionLog(agent, { file: join(dir, 'no/such/dir/log.jsonl'), node: 'n' }, () => {})).toThrow(/cannot write the connection log .*no\/such\/dir\/log\.jsonl/);
  });
});
