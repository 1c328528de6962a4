import { describe, expect, it } from 'vitest';
import { AgentMetrics, type AgentSnapshot } from './metrics.js';

const snapshot = (over: Partial<AgentSnapshot> = {}): AgentSnapshot => ({ ruleset: undefined, repairs: 0, synced: true, apiUp: true, failMode: 'none', resources: [], denied: [], ...over });

/** The samples of a text exposition, `name{labels}` → value; every other line must be a HELP or TYPE comment. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-z_]+ /.test(line)) continue;
    const m = /^([a-z_]+(?:\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*\})?) (-?[\d.e+]+|\+Inf)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('AgentMetrics', () => {
  it('renders the Prometheus text format: counters, a cumulative histogram, denied packets summed per local pod', () => {
    const m = new AgentMetrics();
    m.synced('full', 0.3);
    m.synced('incremental', 0.04);
    m.synced('incremental', 0.09);
    m.synced('unchanged', 0.01);
    m.failed();
    const text = m.render(
      snapshot({
        repairs: 2,
        denied: [
          { direction: 'ingress', from: '10.0.0.9', to: 'db/pg', protocol: 'TCP', port: 5432, packets: 3 },
          { direction: 'ingress', from: 'app/web', to: 'db/pg', protocol: 'TCP', port: 80, packets: 4 },
          { direction: 'egress', from: 'app/"odd"\\pod', to: '1.1.1.1', protocol: 'UDP', port: 53, packets: 1 },
        ],
      }),
    );
    const s = samples(text);
    expect(s.get('kordon_agent_syncs_total{mode="incremental"}')).toBe(2);
    expect(s.get('kordon_agent_syncs_total{mode="unchanged"}')).toBe(1);
    expect(s.get('kordon_agent_sync_failures_total')).toBe(1);
    expect(s.get('kordon_agent_table_repairs_total')).toBe(2);
    // Unchanged syncs commit nothing: not in the latency histogram. Buckets are cumulative.
    expect(s.get('kordon_agent_sync_latency_seconds_count')).toBe(3);
    expect(s.get('kordon_agent_sync_latency_seconds_bucket{le="0.05"}')).toBe(1);
    expect(s.get('kordon_agent_sync_latency_seconds_bucket{le="0.1"}')).toBe(2);
    expect(s.get('kordon_agent_sync_latency_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(s.get('kordon_agent_sync_latency_seconds_sum')).toBeCloseTo(0.43);
    expect(s.get('kordon_agent_denied_packets{direction="ingress",namespace="db",pod="pg"}')).toBe(7);
    expect(s.get('kordon_agent_denied_connections{direction="ingress",namespace="db",pod="pg"}')).toBe(2);
    expect(s.get('kordon_agent_denied_packets{direction="egress",namespace="app",pod="\\"odd\\"\\\\pod"}')).toBe(1);
    expect(s.get('kordon_agent_fail_mode{mode="none"}')).toBe(1);
  });

  it('says what the table enforces while the API is lost', () => {
    const s = samples(new AgentMetrics().render(snapshot({ synced: true, apiUp: false, failMode: 'closed' })));
    expect(s.get('kordon_agent_api_up')).toBe(0);
    expect(s.get('kordon_agent_fail_mode{mode="closed"}')).toBe(1);
    expect(s.get('kordon_agent_fail_mode{mode="none"}')).toBe(0);
  });
});
