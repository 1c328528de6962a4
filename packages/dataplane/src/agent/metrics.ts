import type { ResourceStatus } from '@kordon/source';
import type { DeniedConnection } from './agent.js';
import type { Ruleset } from '../nft/ruleset.js';

/** Seconds from the first event of a change to its committed transaction. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the agent is at the moment of a scrape. */
export interface AgentSnapshot {
  ruleset: Ruleset | undefined;
  repairs: number;
  /** Synced with its source at least once, and following it now. */
  synced: boolean;
  /** Following the API server (always true for a directory). */
  apiUp: boolean;
  /** What the agent enforces while the API is lost: the last state, nothing, or isolation. */
  failMode: 'none' | 'open' | 'closed';
  resources: readonly ResourceStatus[];
  denied: readonly DeniedConnection[];
}

const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>): string => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

/**
 * The agent's counters, and their rendering in the Prometheus text exposition format (version 0.0.4). A handful of
 * gauges, counters and one histogram do not need a client library: the format is a few lines of text per metric.
 */
export class AgentMetrics {
  private readonly syncs = new Map<string, number>();
  private failures = 0;
  private refused = 0;
  private readonly buckets = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  private latencyCount = 0;
  private latencySum = 0;

  synced(mode: string, seconds: number | undefined): void {
    this.syncs.set(mode, (this.syncs.get(mode) ?? 0) + 1);
    if (seconds === undefined || mode === 'unchanged') return;
    this.latencyCount++;
    this.latencySum += seconds;
    LATENCY_BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.buckets[i]!++;
    });
  }

  failed(): void {
    this.failures++;
  }

  rejected(): void {
    this.refused++;
  }

  render(s: AgentSnapshot): string {
    const out: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter' | 'histogram', help: string, rows: Array<[Record<string, string>, number]>): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [l, v] of rows) out.push(`${name}${labels(l)} ${v}`);
    };
    metric('kordon_agent_synced', 'gauge', 'Whether the agent has synced with its source and follows it (1) or leaves the table as it is (0).', [[{}, s.synced ? 1 : 0]]);
    metric('kordon_agent_api_up', 'gauge', 'Whether every watch of the API server is open.', [[{}, s.apiUp ? 1 : 0]]);
    metric('kordon_agent_fail_mode', 'gauge', 'What the table enforces while the API is lost past the limit (1 for the mode in force).', (['none', 'open', 'closed'] as const).map((m) => [{ mode: m }, s.failMode === m ? 1 : 0]));
    const st = s.ruleset?.stats;
    metric('kordon_agent_rules', 'gauge', 'Rules in the nftables table.', [[{}, st?.rules ?? 0]]);
    metric('kordon_agent_set_elements', 'gauge', 'Elements of the sets and maps of the table.', [[{}, st?.elements ?? 0]]);
    metric('kordon_agent_local_pods', 'gauge', 'Pods of this node the table enforces for.', [[{}, st?.localPods ?? 0]]);
    metric('kordon_agent_policies', 'gauge', 'NetworkPolicies compiled into the table.', [[{}, st?.policies ?? 0]]);
    metric('kordon_agent_syncs_total', 'counter', 'Changes handled, by how the table was updated.', ['full', 'incremental', 'unchanged'].map((m) => [{ mode: m }, this.syncs.get(m) ?? 0]));
    metric('kordon_agent_sync_failures_total', 'counter', 'Changes whose nft transaction failed (the previous ruleset stayed).', [[{}, this.failures]]);
    metric('kordon_agent_changes_refused_total', 'counter', 'Changes refused because the state had errors (the previous ruleset stayed).', [[{}, this.refused]]);
    metric('kordon_agent_table_repairs_total', 'counter', 'Times the kernel table differed from the ruleset and was put right.', [[{}, s.repairs]]);
    out.push('# HELP kordon_agent_sync_latency_seconds From the first event of a change to its committed nft transaction.', '# TYPE kordon_agent_sync_latency_seconds histogram');
    LATENCY_BUCKETS.forEach((b, i) => out.push(`kordon_agent_sync_latency_seconds_bucket{le="${b}"} ${this.buckets[i]}`));
    out.push(`kordon_agent_sync_latency_seconds_bucket{le="+Inf"} ${this.latencyCount}`, `kordon_agent_sync_latency_seconds_sum ${this.latencySum}`, `kordon_agent_sync_latency_seconds_count ${this.latencyCount}`);
    if (s.resources.length) {
      metric('kordon_agent_watch_restarts_total', 'counter', 'Informers started again after they stopped on an error, by resource.', s.resources.map((r) => [{ resource: r.resource.plural }, r.restarts]));
      metric('kordon_agent_relists_total', 'counter', 'Lists after the first (a watch expired with 410 Gone), by resource.', s.resources.map((r) => [{ resource: r.resource.plural }, r.relists]));
    }
    metric('kordon_agent_denied_packets', 'gauge', 'Packets denied, by pod and direction, in the denied-connection records the kernel holds (records expire).', deniedByPod(s.denied, 'packets'));
    metric('kordon_agent_denied_connections', 'gauge', 'Denied connections (source, destination, protocol, port) recorded, by pod and direction.', deniedByPod(s.denied, 'connections'));
    return `${out.join('\n')}\n`;
  }
}

/** Denied records summed per local pod: the destination for ingress, the source for egress. */
function deniedByPod(denied: readonly DeniedConnection[], what: 'packets' | 'connections'): Array<[Record<string, string>, number]> {
  const sums = new Map<string, number>();
  for (const d of denied) {
    const pod = d.direction === 'ingress' ? d.to : d.from;
    const key = `${d.direction}\0${pod}`;
    sums.set(key, (sums.get(key) ?? 0) + (what === 'packets' ? d.packets : 1));
  }
  return [...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => {
    const [direction, pod] = k.split('\0') as [string, string];
    const slash = pod.indexOf('/');
    return [slash > 0 ? { direction, namespace: pod.slice(0, slash), pod: pod.slice(slash + 1) } : { direction, namespace: '', pod }, v];
  });
}
