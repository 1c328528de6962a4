import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, toYamlFiles } from '@kordon/bench';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/serve.js';
import { launch, pageErrors, screenshot, settled, start } from './harness.js';

/** The longest task the page's main thread ran, in ms (the Long Tasks API: what blocks input, without scheduler gaps). */
async function longestStall(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __stall: number }).__stall);
}

describe('10,000 pods, in chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  let page: Page;

  beforeAll(async () => {
    const g = generate({ preset: 'realistic', pods: 10_000, workloads: true });
    const dir = mkdtempSync(join(tmpdir(), 'kordon-10k-'));
    // One file per kind: the way a `kubectl get -o yaml` dump usually arrives.
    const byKind = new Map<string, string[]>();
    for (const f of toYamlFiles(g.objects)) {
      const kind = f.path.split('/')[0]!;
      const l = byKind.get(kind) ?? [];
      l.push(f.text);
      byKind.set(kind, l);
    }
    mkdirSync(dir, { recursive: true });
    for (const [kind, texts] of byKind) writeFileSync(join(dir, `${kind}.yaml`), texts.join('---\n'));
    browser = await launch();
    server = await start([dir]);
    page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    await page.addInitScript(() => {
      const w = window as unknown as { __stall: number };
      w.__stall = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__stall = Math.max(w.__stall, e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads without freezing the tab, aggregated by namespace', async () => {
    const t0 = Date.now();
    await page.goto(server.url);
    // While the worker reads 10,000 pods, the page answers: a click on a tab switches it at once.
    await page.click('#tab-graph', { timeout: 5_000 });
    await page.click('#tab-matrix', { timeout: 5_000 });
    await settled(page, 400_000);
    const loadMs = Date.now() - t0;
    expect(await page.textContent('#stats')).toContain('10000 pods');
    expect(await page.$eval('#level', (s) => (s as HTMLSelectElement).value)).toBe('namespace');
    const rows = await page.$$eval('table.matrix th.rowhead', (ths) => ths.length);
    expect(rows).toBeGreaterThanOrEqual(100);
    const stall = await longestStall(page);
    console.log(`10,000 pods: loaded and drawn in ${loadMs} ms; longest main-thread task ${stall.toFixed(0)} ms`);
    expect(stall).toBeLessThan(2000);
    await screenshot(page, 'large-namespaces');
  }, 420_000);

  it('draws 2,000+ workloads on a virtualised canvas that hover and keyboard can read', async () => {
    await page.selectOption('#level', 'workload');
    await settled(page, 240_000);
    const canvas = page.locator('canvas.matrix-canvas');
    await canvas.waitFor();
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + 200, box.y + 200);
    await expect.poll(() => page.textContent('#hover')).toMatch(/ → .* on .*: (allowed|denied|partly allowed)/);
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    const label = await canvas.getAttribute('aria-label');
    expect(label).toMatch(/current cell: .* → .*/);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#explain:not([hidden])', { timeout: 60_000 });
    const stall = await longestStall(page);
    console.log(`10,000 pods by workload: longest main-thread task so far ${stall.toFixed(0)} ms`);
    expect(stall).toBeLessThan(2000);
    await screenshot(page, 'large-workloads');
    expect(pageErrors(page)).toEqual([]);
  }, 300_000);
});
