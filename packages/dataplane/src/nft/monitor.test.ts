import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lineSplitter, monitorTable, type TableChange } from './monitor.js';

describe('nft monitor lines', () => {
  it('keeps the start of each line only, so endless garbage on one line (nft 1.0.6 prints such) costs no memory', () => {
    const got: Array<[string, boolean]> = [];
    const feed = lineSplitter((line, whole) => got.push([line, whole]));
    feed(Buffer.from('add element inet kordon s { 10.0.0.1 . 6 . 9100-0x1'));
    for (let i = 0; i < 200; i++) feed(Buffer.from('0'.repeat(65536)));
    feed(Buffer.from('00\n# new generation 7 by process 42 (nft)\nadd element inet kordon ingress4 { 10.0.0.2 : jump in_x }\n'));
    feed(Buffer.from('delete table inet '));
    feed(Buffer.from('kordon\n\n'));
    expect(got.map(([l, w]) => [l.length, w])).toEqual([[512, false], [38, true], ['add element inet kordon ingress4 { 10.0.0.2 : jump in_x }'.length, true], [24, true], [0, true]]);
    expect(got[0]![0]).toMatch(/^add element inet kordon s \{ 10\.0\.0\.1 \. 6 \. 9100-0x10+$/);
    expect(got[1]![0]).toBe('# new generation 7 by process 42 (nft)');
    expect(got[3]![0]).toBe('delete table inet kordon');
  });
});

describe('monitorTable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kordon-monitor-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** A stand-in for `nft monitor` that prints `lines` (each after its pause in seconds) and then ends. */
  const fakeNft = (name: string, lines: Array<[number, string]>): string => {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${lines.map(([pause, line]) => `sleep ${pause}; echo '${line}'`).join('\n')}\n`);
    chmodSync(file, 0o755);
    return file;
  };
  /** Waits until `done` holds, or `limitMs` passed. */
  const until = async (done: () => boolean, limitMs: number): Promise<void> => {
    for (const end = Date.now() + limitMs; !done() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
  };

  it('waits for the generation line of a transaction once this nft prints them, however late it comes', async () => {
    const nft = fakeNft('late', [
      [0, 'add element inet kordon peers { 10.0.0.1 }'],
      [0, '# new generation 7 by process 4242 (nft)'],
      [0, 'delete element inet kordon peers { 10.0.0.1 }'],
      // Later than the 1 s after which an nft that never printed one is taken to have changed it anyway.
      [1.5, '# new generation 8 by process 4343 (nft)'],
      [30, ''],
    ]);
    const changes: TableChange[] = [];
    const m = monitorTable('kordon', { nftProgram: nft }, (c) => changes.push(c), () => {});
    try {
      await until(() => changes.length >= 2, 10_000);
      expect(changes).toEqual([
        { why: 'changed by process 4242 (nft)', seen: true },
        { why: 'changed by process 4343 (nft)', seen: true },
      ]);
    } finally {
      m.stop();
    }
  });

  it('starts a monitor that died again after a wait that doubles, and asks for a look each time', async () => {
    // It works for a moment (a transaction of no interest), then dies, as nft 1.0.6 does on the agent's own deletes.
    const nft = fakeNft('dies', [[0, '# new generation 9 by process 4242 (nft)']]);
    const changes: TableChange[] = [];
    const log: string[] = [];
    const m = monitorTable('kordon', { nftProgram: nft }, (c) => changes.push(c), (l) => log.push(l));
    try {
      await until(() => log.length >= 4, 15_000);
      expect(log.map((l) => /starting it again in ([\d.]+) s/.exec(l)?.[1])).toEqual(['0.5', '1', '2', '4']);
      expect(changes).toEqual(Array(3).fill({ why: 'nothing seen while the monitor was down', seen: false }));
    } finally {
      m.stop();
    }
  });
});

describe('monitorTable on a monitor that prints garbage without end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kordon-monitor-runaway-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ends it and starts it again, asking for a look', async () => {
    // As nft 1.0.6 does on some elements of concatenated interval sets: the start of an event, then only garbage.
    const nft = join(dir, 'nft');
    writeFileSync(nft, `#!/bin/sh\nprintf 'add element inet kordon s { 10.0.0.1 . 6 . 9100-0x'\nexec tr '\\000' 0 < /dev/zero\n`);
    chmodSync(nft, 0o755);
    const changes: TableChange[] = [];
    const log: string[] = [];
    const m = monitorTable('kordon', { nftProgram: nft }, (c) => changes.push(c), (l) => log.push(l));
    try {
      for (const end = Date.now() + 10_000; changes.length === 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
      expect(log[0]).toBe('nft monitor printed 1 MiB without a line end and nothing else: ending it');
      expect(log[1]).toMatch(/^nft monitor ended \(SIGKILL\); starting it again in 0.5 s/);
      expect(changes[0]).toEqual({ why: 'nothing seen while the monitor was down', seen: false });
    } finally {
      m.stop();
    }
  });
});
