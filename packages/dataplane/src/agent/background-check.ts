import { performance } from 'node:perf_hooks';
import { listTable } from '../nft/apply.js';
import { compareSet, compareStructure, expectedSetView, expectedView, kernelSetView, kernelView } from '../nft/digest.js';
import type { NftLister } from '../nft/lister.js';
import type { NftSet } from '../nft/ruleset.js';
import type { Agent, VerifyResult } from './agent.js';

export interface BackgroundCheckOptions {
  /** The longest a piece waits for the agent to have no sync to do before it runs anyway. */
  maxWaitMs?: number;
}

/** How many times a piece is listed again when a sync of the agent's committed while it was listed. */
const RELISTS = 2;

/**
 * Compares the kernel's table with the agent's ruleset in small pieces that do not hold up its syncs: first the
 * table without set elements (`nft -t`: chains, rules, which sets there are and their shapes, foreign objects), then
 * each set and map on its own. Each piece waits until no sync is queued, and its nft runs at a lower priority.
 *
 * The pieces are listed outside the agent's queue, so a sync may commit while one is listed; what it then finds
 * differing may be that sync's own change, not drift. A piece whose listing no transaction of the agent's overlapped
 * shows the kernel as it was after the agent's last commit: what differs there differs. One that a transaction did
 * overlap is listed again. What differs either way is checked once more inside the queue, where nothing races it
 * (`Agent.verify` for the table's structure, `Agent.verifySets` for sets), and only that check repairs.
 */
export async function backgroundCheck(agent: Agent, lister: NftLister, opts: BackgroundCheckOptions = {}): Promise<VerifyResult> {
  const t0 = performance.now();
  const wait = (): Promise<void> => agent.whenIdle(opts.maxWaitMs ?? 2_000);
  if (!agent.ruleset) return { state: 'not-synced', differences: [], ms: 0 };
  if (!(await structureHolds(agent, wait))) return agent.verify();
  const suspects = await differingSets(agent, lister, wait);
  if (suspects.length === 0) return { state: 'ok', differences: [], ms: performance.now() - t0 };
  return agent.verifySets(suspects);
}

/** Whether the kernel's table has the ruleset's chains, rules and sets, as far as listings outside the queue tell. */
async function structureHolds(agent: Agent, wait: () => Promise<void>): Promise<boolean> {
  for (let i = 0; i <= RELISTS; i++) {
    await wait();
    const want = agent.ruleset;
    if (!want) return true;
    const before = agent.transactionsBegun;
    const json = await listTable(agent.table, agent.nftTarget, { terse: true, background: true });
    if (compareStructure(expectedView(want, { elements: false }), kernelView(json, agent.table)).length === 0) return true;
    if (agent.transactionsBegun === before) return false;
  }
  return false;
}

/** The sets and maps that differ from the ruleset's, listed one by one (the kernel fills the dynamic ones). */
async function differingSets(agent: Agent, lister: NftLister, wait: () => Promise<void>): Promise<string[]> {
  let todo = (agent.ruleset?.sets ?? []).filter((s) => !s.dynamic).map((s) => s.name);
  const suspects: string[] = [];
  for (let i = 0; i <= RELISTS && todo.length > 0; i++) {
    const overlapped: string[] = [];
    for (const name of todo) {
      await wait();
      const want = setOf(agent, name);
      if (!want) continue;
      const before = agent.transactionsBegun;
      const json = await lister.list(want.kind, agent.table, name);
      if (compareSet(name, expectedSetView(want), kernelSetView(json, agent.table, name)).length === 0) continue;
      (agent.transactionsBegun === before ? suspects : overlapped).push(name);
    }
    todo = overlapped;
  }
  return [...suspects, ...todo];
}

const setIndex = new WeakMap<object, Map<string, NftSet>>();
/** The set of that name in the agent's ruleset now (the ruleset changes with each sync). */
function setOf(agent: Agent, name: string): NftSet | undefined {
  const rs = agent.ruleset;
  if (!rs) return undefined;
  let index = setIndex.get(rs);
  if (!index) setIndex.set(rs, (index = new Map(rs.sets.map((s) => [s.name, s]))));
  return index.get(name);
}
