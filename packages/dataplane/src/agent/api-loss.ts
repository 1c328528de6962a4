import type { Agent } from './agent.js';
import type { ApiSource } from './api-source.js';

/**
 * What the table enforces once the API server has been lost for longer than `afterMs`: `keep` the last state seen
 * (what CNI agents do), `open` (the table is deleted: nothing is enforced) or `closed` (every local pod is isolated
 * both ways, as by a deny-all policy in each namespace; node traffic stays allowed).
 */
export interface ApiLossPolicy {
  mode: 'keep' | 'open' | 'closed';
  afterMs: number;
}

export type FailMode = 'none' | 'open' | 'closed';

export interface ApiLossHooks {
  /** Whether the agent has synced once: before that nothing is touched, lost API or not. */
  synced(): boolean;
  say(kind: 'api-lost' | 'api-back' | 'failed', message: string): void;
  /** The API is back: enforce the cluster as it is now. */
  resume(): void;
}

export interface ApiLossWatch {
  /** What the table holds instead of the last state, while the API is lost past the limit. */
  readonly mode: FailMode;
  stop(): void;
}

/**
 * Watches how long the API has been lost and puts the policy in force past the limit; lifts it when every watch is
 * open again. Checked a few times per limit, at most every second.
 */
export function watchApiLoss(api: ApiSource, agent: Agent, policy: ApiLossPolicy, hooks: ApiLossHooks): ApiLossWatch {
  let mode: FailMode = 'none';
  let noted = false;
  const limit = `limit ${policy.afterMs / 1000} s`;

  const check = async (): Promise<void> => {
    const lost = api.lostSince();
    if (lost === undefined) {
      noted = false;
      if (mode === 'none') return;
      mode = 'none';
      hooks.say('api-back', `following ${api.name} again: enforcing the cluster as it is now`);
      hooks.resume();
      return;
    }
    if (mode !== 'none' || !hooks.synced() || Date.now() - lost < policy.afterMs) return;
    const lostFor = `the API server has been lost for ${Math.round((Date.now() - lost) / 1000)} s (${limit})`;
    if (policy.mode === 'keep') {
      if (!noted) hooks.say('api-lost', `${lostFor}: enforcing the last state seen until it is back`);
      noted = true;
      return;
    }
    mode = policy.mode;
    try {
      if (policy.mode === 'open') {
        await agent.uninstall();
        hooks.say('api-lost', `${lostFor}: failing open, the table is deleted and nothing is enforced until it is back`);
      } else {
        await agent.sync(api.isolated().cluster);
        hooks.say('api-lost', `${lostFor}: failing closed, every pod of this node is isolated both ways until it is back`);
      }
    } catch (e) {
      hooks.say('failed', `could not fail ${policy.mode}: ${(e as Error).message}`);
    }
  };

  const timer = setInterval(() => void check(), Math.min(1000, Math.max(50, policy.afterMs / 4)));
  return {
    get mode() {
      return mode;
    },
    stop: () => clearInterval(timer),
  };
}
