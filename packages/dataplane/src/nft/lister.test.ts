// The long-lived `nft -j -i` session of the background check, against the real nft in a network namespace.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { requirePrivileges } from '../test-support.js';
import { applyScript, listSet } from './apply.js';
import { kernelSetView } from './digest.js';
import { NftLister } from './lister.js';

requirePrivileges();

const TABLE = `
table inet kordon_lister {
  set peers { type ipv4_addr . inet_proto . inet_service; flags interval; elements = { 10.0.0.0/24 . tcp . 80-90, 10.1.0.7 . udp . 53 } }
  set empty { type ipv6_addr; }
  map ingress4 { type ipv4_addr : verdict; elements = { 10.1.0.1 : jump c, 10.1.0.2 : accept } }
  chain c { ip saddr . meta l4proto . th dport @peers accept; }
}
`;

describe('NftLister', () => {
  let lab: Lab;
  let dir: string;
  const t = (): { netns: string } => ({ netns: lab.nodeNetns });
  beforeAll(async () => {
    lab = await Lab.create({ hosts: [] });
    await applyScript(TABLE, t(), { check: false });
    dir = mkdtempSync(join(tmpdir(), 'kordon-lister-'));
  });
  afterAll(async () => {
    await lab?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists each set and map as a process of its own would, over one session', async () => {
    const lister = new NftLister(t());
    try {
      for (const [kind, name] of [['set', 'peers'], ['set', 'empty'], ['map', 'ingress4'], ['set', 'peers']] as const) {
        const alone = kernelSetView(await listSet('kordon_lister', name, t(), kind), 'kordon_lister', name);
        expect(alone, name).toBeDefined();
        expect(kernelSetView(await lister.list(kind, 'kordon_lister', name), 'kordon_lister', name), name).toEqual(alone);
      }
      expect([...kernelSetView(await lister.list('map', 'kordon_lister', 'ingress4'), 'kordon_lister', 'ingress4')!.elements].sort()).toEqual(['10.1.0.1 : jump c', '10.1.0.2 : accept']);
    } finally {
      lister.close();
    }
  });

  it('answers undefined for a set or a table that is not there, and goes on answering', async () => {
    const lister = new NftLister(t());
    try {
      expect(await lister.list('set', 'kordon_lister', 'gone')).toBeUndefined();
      expect(await lister.list('map', 'kordon_nowhere', 'ingress4')).toBeUndefined();
      expect(kernelSetView(await lister.list('set', 'kordon_lister', 'peers'), 'kordon_lister', 'peers')?.elements.size).toBe(2);
    } finally {
      lister.close();
    }
  });

  it('refuses a name that could carry a second command, and any listing once closed', async () => {
    const lister = new NftLister(t());
    await expect(lister.list('set', 'kordon_lister', 'peers\nflush ruleset')).rejects.toThrow(/not a name kordon makes/);
    await expect(lister.list('set', 'kordon_lister; flush ruleset', 'peers')).rejects.toThrow(/not a name kordon makes/);
    lister.close();
    await expect(lister.list('set', 'kordon_lister', 'peers')).rejects.toThrow(/closed/);
  });

  it('fails the listing under way when nft ends, and starts nft again for the next', async () => {
    // Passes on only the first line it is sent, the listing without its end mark, then ends.
    const nft = join(dir, 'nft-dies');
    writeFileSync(nft, '#!/bin/sh\nhead -n 1 | nft "$@"\n');
    chmodSync(nft, 0o755);
    const lister = new NftLister({ ...t(), nftProgram: nft });
    try {
      await expect(lister.list('set', 'kordon_lister', 'peers')).rejects.toThrow(/nft -i ended/);
      await expect(lister.list('set', 'kordon_lister', 'peers')).rejects.toThrow(/nft -i ended/);
    } finally {
      lister.close();
    }
  });

  it('gives up on an nft that does not answer, after its time-out', async () => {
    const nft = join(dir, 'nft-mute');
    writeFileSync(nft, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(nft, 0o755);
    const lister = new NftLister({ ...t(), nftProgram: nft, nftTimeoutMs: 300 });
    try {
      await expect(lister.list('set', 'kordon_lister', 'peers')).rejects.toThrow(/timed out after 0.3 s/);
    } finally {
      lister.close();
    }
  });
});
