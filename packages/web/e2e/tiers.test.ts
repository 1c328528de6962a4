// Cluster policy tiers on the page, in chromium: the platform scenario of examples/005-cluster-policy-tiers served as
// files. The explanation of a connection walks the tiers as kordon check does, the cluster policies are listed in the
// order the tiers try them, and an invalid ClusterNetworkPolicy typed into the editor is reported at its line.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildCluster, checkConnection, describeWalk, explainConnection, loadSources } from '@kordon/engine';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/serve.js';
import { axeViolations, launch, open, pageErrors, REPO, screenshot, setEditorText, settled, start } from './harness.js';

const DIR = join(REPO, 'examples', '005-cluster-policy-tiers', 'platform');
const files = readdirSync(DIR).filter((n) => n.endsWith('.yaml') && !n.startsWith('expect')).sort().map((n) => join(DIR, n));
const cluster = buildCluster(loadSources(files.map((f) => ({ name: f, text: readFileSync(f, 'utf8') }))).objects).cluster;

async function ask(page: Page, from: string, to: string, port: string): Promise<void> {
  await page.fill('#ask-from', from);
  await page.fill('#ask-to', to);
  await page.fill('#ask-port', port);
  await page.click('#ask-form button[type=submit]');
  await page.waitForSelector('#explain:not([hidden]):not([aria-busy])');
  await settled(page);
}

describe('cluster policy tiers on the page, in chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  let page: Page;

  beforeAll(async () => {
    browser = await launch();
    server = await start(files);
    page = await open(browser, server.url, { width: 1440, height: 900 });
    await settled(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists the cluster policies in tier order and counts them', async () => {
    expect(await page.textContent('#stats')).toContain('5 cluster policies');
    expect(await page.$eval('#tiers-section', (e) => (e as HTMLElement).hidden)).toBe(false);
    const rows = await page.$$eval('#tiers .tier-item', (lis) => lis.map((li) => `${li.querySelector('.tier-name')!.textContent} ${li.querySelector('.tier-policy')!.textContent}`));
    expect(rows).toEqual(['Admin · priority 10 cnp/allow-monitoring', 'Admin · priority 20 cnp/isolate-sandbox', 'Admin · priority 20 cnp/pass-to-namespace-owners', 'Admin · priority 30 cnp/protect-legacy', 'Baseline · priority 100 cnp/sandbox-egress']);
  });

  it('explains a connection as the walk through the tiers, with the tie, and links each rule to its line', async () => {
    await ask(page, 'sandbox/tester', 'payments/api-6f9c7d8b5-k2x4p', '8080/TCP');
    const r = checkConnection(cluster, { from: 'sandbox/tester', to: 'payments/api-6f9c7d8b5-k2x4p', port: '8080/TCP' });
    expect(await page.textContent('#explain .verdict')).toBe(r.verdict);
    const text = (await page.textContent('#explain')) ?? '';
    expect(text).toContain(`ingress of payments/api-6f9c7d8b5-k2x4p: denied: ${describeWalk(explainConnection(cluster, r.hops[0]!).ingress)}`);
    expect(text).toContain('tie: cnp/pass-to-namespace-owners has the same priority and would decide otherwise');
    expect(text).toContain('[Baseline] cnp/sandbox-egress egress rule 1 "deny-all": Deny');
    // The deciding rule's line is a link to the editor.
    const where = await page.$$eval('#explain li', (lis) => lis.filter((li) => li.textContent?.startsWith('[Admin] cnp/isolate-sandbox ingress rule 0')).map((li) => li.querySelector('.where')?.textContent));
    const rule = cluster.clusterPolicies.find((p) => p.id === 'cnp/isolate-sandbox')!.locate!(['spec', 'ingress', 0]);
    expect(where).toEqual([`platform/admin-tier.yaml:${rule.line}`]);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, '1440x900-tiers-explanation');
    // Pass, then the payments team's NetworkPolicy, with its rule-level reason.
    await ask(page, 'frontend/web-7d4b9c6f8-9qz2m', 'payments/db-0', '5432/TCP');
    const np = (await page.textContent('#explain')) ?? '';
    expect(np).toContain('[Admin] cnp/pass-to-namespace-owners ingress rule 0 "namespace-owners-decide" (Pass)');
    expect(np).toContain('denied, isolated by payments/db-from-api and no rule admits it');
  });

  it('validates a ClusterNetworkPolicy as it is typed: an out-of-range priority is reported at its line', async () => {
    const admin = files.find((f) => f.endsWith('admin-tier.yaml'))!;
    await page.selectOption('#file-select', admin);
    await settled(page);
    const text = readFileSync(admin, 'utf8');
    await setEditorText(page, text.replace('  priority: 10\n', '  priority: 1001\n'));
    const messages = await page.$$eval('#editor-messages li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(messages.some((m) => m.includes('line 9:') && m.includes('spec.priority'))).toBe(true);
    // Left out of every answer, as the API server would refuse it: four cluster policies remain.
    expect(await page.textContent('#stats')).toContain('4 cluster policies');
    expect(await axeViolations(page)).toEqual([]);
    await setEditorText(page, text);
    expect(await page.textContent('#stats')).toContain('5 cluster policies');
    expect(pageErrors(page)).toEqual([]);
  });
});
