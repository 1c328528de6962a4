import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, toYamlFiles } from '@kordon/bench';
import { buildCluster, checkConnection, loadSources, type CheckRequest } from '@kordon/engine';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/serve.js';
import { MARKINGS, selectorOf } from '../src/view/graph-style.js';
import { axeViolations, cell, DEMO, launch, open, pageErrors, screenshot, setEditorText, settled, start } from './harness.js';

const demo = readFileSync(DEMO, 'utf8');
const clusterOf = (text: string) => buildCluster(loadSources([{ name: DEMO, text }]).objects).cluster;
const check = (text: string, req: CheckRequest) => checkConnection(clusterOf(text), req);

async function clickCell(page: Page, from: string, to: string): Promise<void> {
  const heads = await page.$$eval('table.matrix th.rowhead', (ths) => ths.map((th) => (th as HTMLElement).title));
  await page.click(`td[data-row="${heads.indexOf(from)}"][data-col="${heads.indexOf(to)}"]`);
  await page.waitForSelector('#explain:not([hidden]):not([aria-busy])');
}

const explained = async (page: Page) => ({
  hidden: await page.$eval('#explain', (e) => (e as HTMLElement).hidden),
  verdict: await page.textContent('#explain .verdict'),
  title: await page.textContent('#explain-title'),
  summary: await page.textContent('.explain-summary'),
});

/** The page defects of issue 11, each as a person meets it. */
describe('everyday use of the page, in chromium', () => {
  let browser: Browser;
  let server: RunningServer;
  let page: Page;

  beforeAll(async () => {
    browser = await launch();
    server = await start([DEMO]);
    page = await open(browser, server.url, { width: 1440, height: 900 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('refreshes the explanation after an edit and a port change, and clears it when its cell is gone', async () => {
    await page.selectOption('#port', '8080/TCP');
    await settled(page);
    await clickCell(page, 'shop/frontend', 'shop/api');
    expect((await explained(page)).verdict).toBe('allowed');
    // The edit closes the cell: the panel must not keep saying "allowed".
    const edited = demo.replace('ports: [{ port: 8080 }]\n---', 'ports: [{ port: 8081 }]\n---');
    await setEditorText(page, edited);
    expect((await cell(page, 'shop/frontend', 'shop/api')).state).toBe('denied');
    const after = await explained(page);
    expect(after.verdict).toBe('denied');
    expect(after.summary).toBe(check(edited, { from: 'shop/frontend', to: 'shop/api', port: '8080/TCP' }).summary);
    // Another port: the same cell, explained on the new port.
    await page.selectOption('#port', '8081/TCP');
    await settled(page);
    const moved = await explained(page);
    expect(moved.title).toBe('shop/frontend → shop/api on 8081/TCP');
    expect(moved.verdict).toBe('allowed');
    await setEditorText(page, demo);
    await page.selectOption('#port', '8080/TCP');
    await settled(page);
    expect((await explained(page)).verdict).toBe('allowed');
    // By namespace the pod cell no longer exists: nothing stale is left on screen.
    await page.selectOption('#level', 'namespace');
    await settled(page);
    expect((await explained(page)).hidden).toBe(true);
    await page.selectOption('#level', 'pod');
    await settled(page);
  });

  it('shows "any port" as partial for a pair open on some columns, and says which', async () => {
    await page.selectOption('#port', 'any');
    await settled(page);
    const columns = (await page.$$eval('#port option', (os) => os.map((o) => ({ key: (o as HTMLOptionElement).value, label: o.textContent ?? '' })))).filter((o) => o.key !== 'any');
    const cluster = clusterOf(demo);
    // A port inside each column, as the engine's columns name them (`*`: a port nothing names).
    const open = columns.filter((c) => !c.key.startsWith('*') && checkConnection(cluster, { from: 'shop/frontend', to: 'shop/api', port: c.key.replace(/-\d+/, '') }).verdict === 'allowed').map((c) => c.key);
    expect(open).toEqual(['8080/TCP']);
    const c = await cell(page, 'shop/frontend', 'shop/api');
    expect(c.state).toBe('partial');
    expect(c.label).toBe(`shop/frontend → shop/api on any port: partly allowed: open on 8080/TCP only (1 of ${columns.length} port columns)`);
    await clickCell(page, 'shop/frontend', 'shop/api');
    const e = await explained(page);
    expect(e.verdict).toBe('partly allowed');
    expect(e.summary).toContain(`shop/frontend can reach shop/api only on 8080/TCP (1 of ${columns.length} port columns)`);
    await screenshot(page, 'any-port-partial');
    await page.selectOption('#port', '8080/TCP');
    await settled(page);
  });

  it('answers a Service name as kordon check does, DNS lookup included, and keeps the answer current', async () => {
    const ask = async (from: string, to: string, port = '') => {
      await page.fill('#ask-from', from);
      await page.fill('#ask-to', to);
      await page.fill('#ask-port', port);
      await page.click('#ask-form button[type=submit]');
      await page.waitForSelector('#explain:not([hidden]):not([aria-busy])');
    };
    await ask('shop/frontend', 'api.shop');
    const want = check(demo, { from: 'shop/frontend', to: 'api.shop' });
    expect(want.dns?.needed).toBe(true);
    expect((await explained(page)).summary).toBe(want.summary);
    const text = (await page.textContent('#explain')) ?? '';
    expect(text).toContain('DNS lookup: allowed');
    expect(text).toContain(`shop/frontend → ${want.dns!.hops[0]!.to} 53/UDP: allowed`);
    expect(text).toContain(`Service shop/api port 80/TCP → targetPort api`);
    // Block DNS for the shop: the same question now stops at the lookup, as kordon check says.
    const noDns = demo.replace(/kubernetes\.io\/metadata\.name: kube-system/, 'kubernetes.io/metadata.name: nowhere');
    await setEditorText(page, noDns);
    const blocked = check(noDns, { from: 'shop/frontend', to: 'api.shop' });
    expect(blocked.summary).toMatch(/^DNS lookup of api.shop is blocked/);
    expect((await explained(page)).summary).toBe(blocked.summary);
    expect(await page.textContent('#explain .verdict')).toBe('denied');
    await setEditorText(page, demo);
    expect((await explained(page)).summary).toBe(want.summary);
    // Names that do not resolve get the engine's reason.
    await ask('shop/frontend', 'nothing.shop');
    expect((await explained(page)).summary).toBe(check(demo, { from: 'shop/frontend', to: 'nothing.shop' }).summary);
    expect(await page.$$eval('#ask-targets option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toContain('api.shop');
  });

  it('highlights the line of a clicked finding, and lists errors first', async () => {
    const broken = demo.replace('ports: [{ port: 5432 }]', 'ports: [{ port: 70000 }]');
    const line = broken.split('\n').findIndex((l) => l.includes('70000')) + 1;
    await setEditorText(page, broken);
    await expect.poll(() => page.$$eval('#findings li.finding', (lis) => lis.length)).toBeGreaterThan(3);
    const order = await page.$$eval('#findings li.finding', (lis) => lis.map((li) => (li as HTMLElement).dataset['severity']));
    expect(order[0]).toBe('error');
    const rank = { error: 0, warning: 1, info: 2 } as Record<string, number>;
    expect(order.map((s) => rank[s!])).toEqual(order.map((s) => rank[s!]).sort());
    await page.click('#findings li.finding.error button.finding-text');
    expect(await page.getAttribute('.line-focus', 'data-line')).toBe(String(line));
    expect(await page.isVisible('.line-focus')).toBe(true);
    expect(await page.getAttribute('.gutter .ln.focus', 'data-line')).toBe(String(line));
    const caret = await page.evaluate(() => {
      const ta = document.getElementById('yaml') as HTMLTextAreaElement;
      return ta.value.slice(0, ta.selectionStart).split('\n').length;
    });
    expect(caret).toBe(line);
    // The band sits on that line's text, where the reader looks.
    const band = (await page.locator('.line-focus').boundingBox())!;
    const ta = (await page.locator('#yaml').boundingBox())!;
    const scrollTop = await page.$eval('#yaml', (t) => t.scrollTop);
    expect(Math.round(band.y - ta.y + scrollTop)).toBe(8 + (line - 1) * 18);
    await screenshot(page, 'finding-line');
    await setEditorText(page, demo);
  });

  it('starts a new policy whose next rule goes under the same ingress key', async () => {
    await page.click('#new-policy');
    await settled(page);
    const text = await page.$eval('#yaml', (t) => (t as HTMLTextAreaElement).value);
    expect(text.split('\n').filter((l) => /^\s*ingress:/.test(l))).toEqual(['  ingress:']);
    expect(await page.textContent('#editor-messages-title')).toBe('No problems in this file');
    // Written anyway, a second key is reported where it is: at the second occurrence, which is the one to remove.
    const twice = `${text}  ingress:\n    - {}\n`;
    const second = twice.split('\n').lastIndexOf('  ingress:') + 1;
    expect(second).toBeGreaterThan(twice.split('\n').indexOf('  ingress:') + 1);
    await setEditorText(page, twice);
    const msg = page.locator('#editor-messages button.msg.error').first();
    expect(await msg.getAttribute('data-line')).toBe(String(second));
    expect(await msg.textContent()).toContain('duplicate field "ingress"');
    await page.selectOption('#file-select', DEMO);
    await settled(page);
  });

  it('draws a legend entry for every marking, and lets the keyboard walk the graph nodes', async () => {
    await page.click('#tab-graph');
    await page.waitForSelector('#graph-view canvas');
    await settled(page);
    const legend = await page.$$eval('#graph-legend [data-marking]', (els) => els.map((e) => (e as HTMLElement).dataset['marking']));
    expect(legend).toEqual(MARKINGS.map(selectorOf));
    expect(await page.isVisible('#graph-legend')).toBe(true);
    await page.focus('#graph-view');
    await page.keyboard.press('ArrowRight');
    const first = await page.getAttribute('#graph-view', 'data-current');
    expect(first).toBeTruthy();
    await page.keyboard.press('ArrowRight');
    const second = await page.getAttribute('#graph-view', 'data-current');
    expect(second).not.toBe(first);
    expect(await page.textContent('#graph-status')).toMatch(/: (ingress \w+, egress \w+|an address outside the cluster)\. Reaches .*\. Reached by .*\./);
    await page.click('#tab-matrix');
    expect(pageErrors(page)).toEqual([]);
  });
});

describe('graph labels at pod level, in chromium', () => {
  let browser: Browser;
  let server: RunningServer;

  beforeAll(async () => {
    const g = generate({ preset: 'realistic', pods: 120, workloads: true });
    const dir = mkdtempSync(join(tmpdir(), 'kordon-graph-'));
    writeFileSync(join(dir, 'all.yaml'), toYamlFiles(g.objects).map((f) => f.text).join('---\n'));
    browser = await launch();
    server = await start([dir]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it.each([
    { width: 1024, height: 768 },
    { width: 1440, height: 900 },
  ])('draws every label at 12 px or more on screen at $width×$height', async (vp) => {
    const page = await open(browser, server.url, vp);
    await page.selectOption('#level', 'pod');
    await settled(page);
    // 120 pods and their outside addresses: the matrix is the canvas view, which axe checks as well.
    await page.waitForSelector('canvas.matrix-canvas');
    await screenshot(page, `${vp.width}x${vp.height}-matrix-canvas`);
    expect(await axeViolations(page)).toEqual([]);
    await page.click('#tab-graph');
    await page.waitForSelector('#graph-view canvas');
    await settled(page);
    await expect.poll(() => page.getAttribute('#graph-view', 'data-label-px'), { timeout: 20_000 }).toBeTruthy();
    await page.waitForTimeout(300);
    await screenshot(page, `${vp.width}x${vp.height}-graph-pods`);
    const px = Number(await page.getAttribute('#graph-view', 'data-label-px'));
    expect(px).toBeGreaterThanOrEqual(12);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });
});

/** What `kordon serve` could not read, or would not serve, is listed on the page: no file goes missing in silence. */
describe('reading problems on the page, in chromium', () => {
  let browser: Browser;
  let server: RunningServer;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kordon-served-'));
    writeFileSync(join(dir, 'shop.yaml'), demo);
    const outside = mkdtempSync(join(tmpdir(), 'kordon-outside-'));
    writeFileSync(join(outside, 'elsewhere.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: elsewhere}\n');
    symlinkSync(join(outside, 'elsewhere.yaml'), join(dir, 'link.yaml'));
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from([...Buffer.from('apiVersion: v1\nkind: Namespace\nmetadata: {name: caf'), 0xe9, ...Buffer.from('}\n')]));
    browser = await launch();
    server = await start([dir]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists a link out of the folder and a byte that is not UTF-8, each at its place', async () => {
    const page = await open(browser, server.url);
    const findings = () => page.$$eval('#findings li.finding', (lis) => lis.map((li) => li.textContent ?? ''));
    await expect.poll(async () => (await findings()).some((t) => t.includes('outside the served paths'))).toBe(true);
    const texts = await findings();
    expect(texts.find((t) => t.includes('latin1.yaml'))).toMatch(/^errorinput-binarybyte 0xE9 here is not UTF-8 text.*latin1\.yaml:3$/);
    expect(texts.find((t) => t.includes('link.yaml'))).toMatch(/^warninginput-skipped.*outside the served paths.*link\.yaml:1$/);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  }, 120_000);
});
