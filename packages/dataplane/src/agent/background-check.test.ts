// The check in pieces beside the syncs: it must not hold a sync up, and a sync that commits while it lists must not
// look like drift. (What it finds and repairs, case by case, is in verify.test.ts beside the exact check.)
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCluster } from '../bench/synthetic.js';
import { Lab } from '../lab/lab.js';
import { listTable } from '../nft/apply.js';
import { expectedView, kernelView, viewDigest } from '../nft/digest.js';
import { NftLister } from '../nft/lister.js';
import { requirePrivileges } from '../test-support.js';
import { Agent } from './agent.js';
import { backgroundCheck } from './background-check.js';

requirePrivileges();

const sleep = (ms: number): Promise<'late'> => new Promise((r) => setTimeout(() => r('late'), ms));

describe('backgroundCheck', () => {
  let lab: Lab;
  let dir: string;
  const t = (): { netns: string } => ({ netns: lab.nodeNetns });
  const kernelDigest = async (table: string): Promise<string> => viewDigest(kernelView(await listTable(table, t()), table));
  beforeAll(async () => {
    lab = await Lab.create({ hosts: [] });
    dir = mkdtempSync(join(tmpdir(), 'kordon-bgcheck-'));
  });
  afterAll(async () => {
    await lab?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a sync commit while it lists, and lists again what that commit changed', async () => {
    // The real nft, except that a terse listing (the check's first piece) waits while the gate file is there.
    const gate = join(dir, 'gate');
    const started = join(dir, 'started');
    const nft = join(dir, 'nft-gated');
    writeFileSync(nft, `#!/bin/sh\ncase " $* " in *" -t "*) touch ${started}; while [ -e ${gate} ]; do sleep 0.02; done;; esac\nexec nft "$@"\n`);
    chmodSync(nft, 0o755);
    const agent = await Agent.create({ ...t(), table: 'kordon_gated', nftProgram: nft });
    const lister = new NftLister(t());
    try {
      await agent.sync(syntheticCluster({ pods: 40, policies: 20, nodes: 1 }));
      writeFileSync(gate, '');
      const check = backgroundCheck(agent, lister);
      while (!existsSync(started)) await sleep(10);
      // Inside the agent's queue the check would hold this sync until the gate opens, which it does not before.
      const sync = agent.sync(syntheticCluster({ pods: 40, policies: 30, nodes: 1 }));
      expect(await Promise.race([sync.then(() => 'synced'), sleep(5_000)])).toBe('synced');
      expect(existsSync(gate)).toBe(true);
      rmSync(gate);
      const r = await check;
      expect(r.state).toBe('ok');
      expect(agent.repairs).toBe(0);
      expect(await kernelDigest('kordon_gated')).toBe(viewDigest(expectedView(agent.ruleset!)));
    } finally {
      rmSync(gate, { force: true });
      lister.close();
      await agent.uninstall();
    }
  });

  it('takes none of the agent’s own commits for drift while syncs run beside it', async () => {
    const agent = await Agent.create({ ...t(), table: 'kordon_racing' });
    const lister = new NftLister(t());
    const clusters = [
      syntheticCluster({ pods: 30, policies: 12, nodes: 1 }),
      syntheticCluster({ pods: 24, policies: 16, nodes: 1 }),
      syntheticCluster({ pods: 36, policies: 14, nodes: 1 }),
    ];
    try {
      await agent.sync(clusters[0]!);
      let stop = false;
      let synced = 0;
      const syncs = (async () => {
        while (!stop) await agent.sync(clusters[++synced % clusters.length]!);
      })();
      const states: string[] = [];
      for (let i = 0; i < 3; i++) states.push((await backgroundCheck(agent, lister)).state);
      stop = true;
      await syncs;
      expect(states).toEqual(['ok', 'ok', 'ok']);
      expect(agent.repairs).toBe(0);
      // Many of the agent’s commits fell inside the checks’ listings.
      expect(synced).toBeGreaterThan(6);
      expect(await kernelDigest('kordon_racing')).toBe(viewDigest(expectedView(agent.ruleset!)));
    } finally {
      lister.close();
      await agent.uninstall();
    }
  });
});
