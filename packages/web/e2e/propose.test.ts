// "Allow this connection" and "Deny" in chromium: on a matrix cell and on a graph edge, the change is written into the
// page's own file (the editor shows it), applied live (the matrix reads as asked), and what else it opens or closes is
// listed; Deny proposes the narrowing first; Undo takes a change back. No axe violation with a proposal shown.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/serve.js';
import { axeViolations, cell, DEMO, launch, open, pageErrors, screenshot, settled, start } from './harness.js';

describe('Allow this connection / Deny, in chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  let page: Page;

  beforeAll(async () => {
    browser = await launch();
    server = await start([DEMO]);
    page = await open(browser, server.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const clickCell = async (from: string, to: string) => {
    const heads = await page.$$eval('table.matrix th.rowhead', (ths) => ths.map((th) => (th as HTMLElement).title));
    await page.click(`td[data-row="${heads.indexOf(from)}"][data-col="${heads.indexOf(to)}"]`);
    await page.waitForSelector('#explain:not([hidden])');
    await page.waitForSelector('#propose:not([hidden])');
  };
  const proposalState = () => page.getAttribute('#proposal', 'data-state');

  it('Allow on a matrix cell writes the rule into the policy, applies it, and lists what else it opens', async () => {
    await page.selectOption('#level', 'pod');
    await settled(page);
    await page.selectOption('#port', '5432/TCP');
    await settled(page);
    expect((await cell(page, 'shop/frontend', 'shop/db')).state).toBe('denied');
    expect((await cell(page, 'shop/api', 'shop/db')).state).toBe('allowed');
    await clickCell('shop/frontend', 'shop/db');
    await page.click('#allow-btn');
    await expect.poll(proposalState, { timeout: 30_000 }).toBe('applied');
    await settled(page);
    expect((await cell(page, 'shop/frontend', 'shop/db')).state).toBe('allowed');
    // Nothing else moved on this port.
    expect((await cell(page, 'shop/api', 'shop/db')).state).toBe('allowed');
    expect((await cell(page, 'monitoring/prometheus', 'shop/db')).state).toBe('denied');
    expect(await page.textContent('#proposal .proposal-changes')).toContain('changed shop/db-from-api: 1 ingress rule added');
    expect(await page.textContent('#proposal .proposal-besides.opened')).toBe('nothing');
    // The editor shows the policy with the new rule, in the demo's own file.
    expect(await page.inputValue('#file-select')).toMatch(/online-shop\.yaml$/);
    const yaml = await page.inputValue('#yaml');
    expect(yaml).toMatch(/name: db-from-api[\s\S]*app: frontend/);
    expect(yaml).toContain('metadata: { name: payments-out, namespace: shop }');
    // The explanation was asked again: it now says allowed.
    await expect.poll(() => page.textContent('#explain .verdict')).toBe('allowed');
    await screenshot(page, 'propose-allow');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('Undo takes the change back', async () => {
    await page.click('#proposal-undo');
    await settled(page);
    await expect.poll(async () => (await cell(page, 'shop/frontend', 'shop/db')).state).toBe('denied');
    expect(await proposalState()).toBe('proposed');
  });

  it('Deny proposes the narrowing, and applies it when asked', async () => {
    await clickCell('shop/api', 'shop/db');
    await page.click('#deny-btn');
    await expect.poll(proposalState, { timeout: 30_000 }).toBe('proposed');
    expect((await cell(page, 'shop/api', 'shop/db')).state).toBe('allowed');
    expect(await page.textContent('#proposal .proposal-changes')).toContain('changed shop/db-from-api: spec.ingress[0] is removed: it admits only shop/api');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'propose-deny');
    await page.click('#proposal-apply');
    await expect.poll(proposalState, { timeout: 30_000 }).toBe('applied');
    await settled(page);
    expect((await cell(page, 'shop/api', 'shop/db')).state).toBe('denied');
    await page.click('#proposal-undo');
    await settled(page);
    await expect.poll(async () => (await cell(page, 'shop/api', 'shop/db')).state).toBe('allowed');
  });

  it('a column of many ports asks for one port first', async () => {
    await page.selectOption('#port', 'any');
    await settled(page);
    await clickCell('shop/frontend', 'shop/db');
    await page.click('#allow-btn');
    await expect.poll(proposalState, { timeout: 30_000 }).toBe('problem');
    expect(await page.textContent('#proposal')).toMatch(/stands for several ports/);
  });

  it('Allow on a graph edge: the same, from the edge list of the graph', async () => {
    await page.selectOption('#port', '8080/TCP');
    await settled(page);
    await page.click('#tab-graph');
    await page.waitForSelector('#graph-view canvas');
    await page.click('details.edges summary');
    await page.locator('#edge-list button', { hasText: /^shop\/frontend → shop\/api$/ }).click({ timeout: 5000 });
    await page.waitForSelector('#propose:not([hidden])');
    await page.click('#deny-btn');
    await expect.poll(proposalState, { timeout: 30_000 }).toBe('proposed');
    expect(await page.textContent('#proposal-title')).toBe('Deny shop/frontend → shop/api on 8080/TCP');
    await page.click('#proposal-apply');
    await expect.poll(proposalState, { timeout: 30_000 }).toBe('applied');
    await settled(page);
    await page.click('#tab-matrix');
    await expect.poll(async () => (await cell(page, 'shop/frontend', 'shop/api')).state).toBe('denied');
    expect(pageErrors(page)).toEqual([]);
  });
});
