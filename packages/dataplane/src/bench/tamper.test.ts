// The soak's tampers: each must change the table, or the soak would count a no-op as a tamper that the agent put
// right without saying so (issue 13: "2 of 9 tampers repaired without the repaired log line" were deletions of an
// address that had already left the map).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterOf } from '../conformance/upstream.js';
import { exec } from '../exec.js';
import { Lab } from '../lab/lab.js';
import { applyScript, listTable } from '../nft/apply.js';
import { compileRuleset } from '../nft/compile.js';
import { compareViews, expectedView, kernelView } from '../nft/digest.js';
import { renderRuleset } from '../nft/ruleset.js';
import { requirePrivileges } from '../test-support.js';
import { presentKey, tampers } from './tamper.js';

requirePrivileges();

const objects = (ips: string[]) => [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } },
  ...ips.map((ip, i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name: `p${i}` }, spec: { containers: [{ name: 'c' }] }, status: { podIP: ip } })),
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'a', name: 'deny' }, spec: { podSelector: {} } },
];

describe('soak tampers', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ hosts: [] });
  });
  afterAll(() => lab.destroy());

  it('each changes the table, whatever pods the changes before it left', async () => {
    // 10.100.0.1 is not a pod here: the soak's old fixed tamper would have deleted nothing.
    const rs = compileRuleset(clusterOf(objects(['10.100.0.7', '10.100.0.9'])).cluster);
    for (const t of tampers('kordon')) {
      await applyScript(renderRuleset(rs, { notes: false }), { netns: lab.nodeNetns });
      const cmd = t.command(await listTable('kordon', { netns: lab.nodeNetns }));
      const r = await exec('ip', ['netns', 'exec', lab.nodeNetns, 'nft', cmd]);
      expect(r.code, `${t.what}: ${cmd}: ${r.stderr}`).toBe(0);
      const diffs = compareViews(expectedView(rs), kernelView(await listTable('kordon', { netns: lab.nodeNetns }), 'kordon'));
      expect(diffs.length, t.what).toBeGreaterThan(0);
    }
  });

  it('names an element the map holds, and refuses when it holds none', async () => {
    const rs = compileRuleset(clusterOf(objects(['10.100.0.7'])).cluster);
    await applyScript(renderRuleset(rs, { notes: false }), { netns: lab.nodeNetns });
    expect(presentKey(await listTable('kordon', { netns: lab.nodeNetns }), 'kordon', 'ingress4')).toBe('10.100.0.7');
    const empty = compileRuleset(clusterOf(objects([])).cluster);
    await applyScript(renderRuleset(empty, { notes: false }), { netns: lab.nodeNetns });
    const listed = await listTable('kordon', { netns: lab.nodeNetns });
    expect(() => presentKey(listed, 'kordon', 'ingress4')).toThrow(/map ingress4 of table inet kordon holds no element: nothing to delete/);
  });
});
