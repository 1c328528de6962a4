import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/serve.js';
import { axeViolations, DEMO, launch, open, pageErrors, screenshot, settled, start, VIEWPORTS } from './harness.js';

/** Where an element sits in the window, and how much of its content it shows. */
async function box(page: Page, selector: string) {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return { top: r.top, left: r.left, right: r.right, bottom: r.bottom, width: r.width, height: r.height, scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, scrollHeight: el.scrollHeight, clientHeight: el.clientHeight };
  });
}

/** Every view of the page, at both window sizes: no axe violation of any impact, and a screenshot of each. */
describe.each(VIEWPORTS)('every view at $name', (vp) => {
  let browser: Browser;
  let served: RunningServer;
  let statics: RunningServer;
  let page: Page;
  const size = { width: vp.width, height: vp.height };

  beforeAll(async () => {
    browser = await launch();
    served = await start([DEMO]);
    statics = await start([], { manifests: false });
    page = await open(browser, served.url, size);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await statics?.close();
  });

  const check = async (name: string) => {
    await screenshot(page, `${vp.name}-${name}`);
    expect(await axeViolations(page), name).toEqual([]);
  };

  it('matrix: the whole demo matrix is in view, nothing cut off, no page-wide horizontal scroll', async () => {
    const scroller = await box(page, '.matrix-scroll');
    expect(scroller.left).toBeGreaterThanOrEqual(0);
    expect(scroller.right).toBeLessThanOrEqual(vp.width);
    expect(scroller.bottom).toBeLessThanOrEqual(vp.height);
    // The demo's matrix (7 rows) fits its area: no scroll bar needed to read it.
    expect(scroller.scrollWidth).toBeLessThanOrEqual(scroller.clientWidth + 1);
    expect(scroller.scrollHeight).toBeLessThanOrEqual(scroller.clientHeight + 1);
    expect(scroller.width).toBeGreaterThanOrEqual(420);
    const doc = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight }));
    expect(doc.w).toBeLessThanOrEqual(vp.width);
    // The editor and the details stay on screen beside the matrix.
    for (const sel of ['#editor-pane', 'aside.side']) {
      const b = await box(page, sel);
      expect(b.width, sel).toBeGreaterThanOrEqual(240);
      expect(b.bottom, sel).toBeLessThanOrEqual(vp.height);
    }
    await check('matrix');
  });

  it('explanation of a clicked cell', async () => {
    await page.click('td.cell[data-row="1"][data-col="2"]');
    await page.waitForSelector('#explain:not([hidden])');
    const b = await box(page, '#explain');
    expect(b.top).toBeLessThan(vp.height);
    await check('explain');
  });

  it('matrix on any port', async () => {
    await page.selectOption('#port', 'any');
    await settled(page);
    await check('any-port');
  });

  it('matrix by namespace', async () => {
    await page.selectOption('#level', 'namespace');
    await settled(page);
    await check('namespaces');
    await page.selectOption('#level', 'pod');
    await settled(page);
  });

  it('asking by Service name', async () => {
    await page.fill('#ask-from', 'shop/frontend');
    await page.fill('#ask-to', 'api.shop');
    await page.click('#ask-form button[type=submit]');
    await settled(page);
    await page.waitForSelector('#explain:not([hidden])');
    await check('ask');
  });

  it('graph', async () => {
    await page.click('#tab-graph');
    await page.waitForSelector('#graph-view canvas');
    await settled(page);
    await page.waitForTimeout(300);
    const g = await box(page, '#graph-view');
    expect(g.height).toBeGreaterThanOrEqual(300);
    expect(g.bottom).toBeLessThanOrEqual(vp.height);
    await check('graph');
    await page.click('#tab-matrix');
  });

  it('exposure: the words of kordon exposure, beside the views', async () => {
    await page.waitForFunction(() => (document.getElementById('exposure')?.textContent ?? '').includes('Not protected by any policy:'));
    await page.locator('#exposure-section').scrollIntoViewIfNeeded();
    const text = await page.textContent('#exposure');
    expect(text).toMatch(/ingress from/);
    expect(text).toMatch(/egress to/);
    const b = await box(page, '#exposure-section');
    expect(b.bottom).toBeLessThanOrEqual(vp.height);
    const doc = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(doc).toBeLessThanOrEqual(vp.width);
    await check('exposure');
  });

  it('the paste dialog', async () => {
    await page.click('#paste');
    await page.waitForSelector('#paste-dialog[open]');
    await check('paste');
    await page.click('#paste-cancel');
    expect(pageErrors(page)).toEqual([]);
  });

  it('the static site, empty', async () => {
    const empty = await open(browser, statics.url, size);
    await screenshot(empty, `${vp.name}-static-empty`);
    expect(await axeViolations(empty)).toEqual([]);
    await empty.close();
  });
});
