import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCluster, checkConnection, loadSources } from '@kordon/engine';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/serve.js';
import { cell, DEMO, launch, open, pageErrors, REPO, screenshot, setEditorText, settled, start } from './harness.js';

const demo = readFileSync(DEMO, 'utf8');

describe('kordon serve, in chromium', () => {
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

  it('shows the same verdicts as kordon check, cell by cell', async () => {
    await page.selectOption('#port', '8080/TCP');
    await settled(page);
    const cluster = buildCluster(loadSources([{ name: DEMO, text: demo }]).objects).cluster;
    const names = await page.$$eval('table.matrix th.rowhead', (ths) => ths.map((th) => (th as HTMLElement).title));
    expect(names).toContain('shop/frontend');
    expect(names.length).toBe(cluster.pods.length + 1); // and one outside address
    for (const from of names) {
      for (const to of names) {
        if (!from.includes('/') && !to.includes('/')) continue; // address to address: not applicable
        const r = checkConnection(cluster, { from, to, port: '8080/TCP' });
        const c = await cell(page, from, to);
        expect(c.state, `${from} -> ${to}`).toBe(r.verdict);
      }
    }
    const c = await cell(page, 'shop/frontend', 'shop/api');
    expect(c.label).toBe('shop/frontend → shop/api on 8080/TCP: allowed');
    expect(pageErrors(page)).toEqual([]);
  });

  it('explains a clicked cell as kordon check does, with links into the YAML', async () => {
    const heads = await page.$$eval('table.matrix th.rowhead', (ths) => ths.map((th) => (th as HTMLElement).title));
    await page.click(`td[data-row="${heads.indexOf('shop/frontend')}"][data-col="${heads.indexOf('shop/db')}"]`);
    await page.waitForSelector('#explain:not([hidden])');
    const cluster = buildCluster(loadSources([{ name: DEMO, text: demo }]).objects).cluster;
    const want = checkConnection(cluster, { from: 'shop/frontend', to: 'shop/db', port: '8080/TCP' });
    await expect.poll(() => page.textContent('.explain-summary')).toBe(want.summary);
    expect(await page.textContent('#explain .verdict')).toBe('denied');
    const text = await page.textContent('#explain');
    expect(text).toContain('ingress of shop/db: denied, isolated by shop/db-from-api, shop/default-deny, shop/scrape-from-monitoring');
    // A rule reference jumps to its line in the editor.
    const link = page.locator('#explain button.where').first();
    const where = (await link.textContent()) ?? '';
    const line = Number(where.split(':').pop());
    await link.click();
    const caretLine = await page.evaluate(() => {
      const ta = document.getElementById('yaml') as HTMLTextAreaElement;
      return ta.value.slice(0, ta.selectionStart).split('\n').length;
    });
    expect(caretLine).toBe(line);
    await screenshot(page, 'explain');
  });

  it('re-evaluates as a policy is edited: the matrix changes and the change is outlined', async () => {
    await page.selectOption('#port', '8080/TCP');
    await settled(page);
    expect((await cell(page, 'shop/frontend', 'shop/api')).state).toBe('allowed');
    const edited = demo.replace('ports: [{ port: 8080 }]\n---', 'ports: [{ port: 8081 }]\n---');
    expect(edited).not.toBe(demo);
    await setEditorText(page, edited);
    const after = await cell(page, 'shop/frontend', 'shop/api');
    expect(after.state).toBe('denied');
    expect(after.changed).toBe(true);
    // Only that cell changed: monitoring's own rule for 8080 still admits prometheus.
    expect((await cell(page, 'monitoring/prometheus', 'shop/api')).state).toBe('allowed');
    expect(await page.$$eval('td.cell.changed', (tds) => tds.length)).toBe(1);
    expect(await page.textContent('#change')).toBe('Last edit: 1 cell closed, 0 opened (outlined)');
    const ms = Number(await page.getAttribute('body', 'data-update-ms'));
    console.log(`demo: edit to repainted matrix in ${ms} ms`);
    await screenshot(page, 'edited');
    await setEditorText(page, demo);
    expect((await cell(page, 'shop/frontend', 'shop/api')).state).toBe('allowed');
  });

  it('puts a validation message at the line of the mistake while typing', async () => {
    const broken = demo.replace('ports: [{ port: 5432 }]', 'ports: [{ port: 70000 }]');
    const line = broken.split('\n').findIndex((l) => l.includes('70000')) + 1;
    await setEditorText(page, broken);
    const first = page.locator('#editor-messages button.msg.error').first();
    expect(await first.getAttribute('data-line')).toBe(String(line));
    expect(await first.textContent()).toContain(`line ${line}:`);
    expect(await page.getAttribute(`.gutter .ln[data-line="${line}"]`, 'class')).toContain('mark error');
    expect(await page.getAttribute('#yaml', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#stats')).toContain('1 rejected');
    // The rejected policy no longer isolates db: api's rule was the only way in, now everything is.
    await page.selectOption('#port', '5432/TCP');
    await settled(page);
    expect((await cell(page, 'shop/api', 'shop/db')).state).toBe('denied');
    await screenshot(page, 'validation');
    await setEditorText(page, demo);
    expect(await page.$$eval('#editor-messages button.msg.error', (b) => b.length)).toBe(0);
    expect((await cell(page, 'shop/api', 'shop/db')).state).toBe('allowed');
  });

  it('reaches the matrix with the keyboard alone and explains with Enter', async () => {
    await page.reload();
    await settled(page);
    let onCell = false;
    for (let k = 0; k < 40 && !onCell; k++) {
      await page.keyboard.press('Tab');
      onCell = await page.evaluate(() => document.activeElement?.matches('td.cell') ?? false);
    }
    expect(onCell).toBe(true);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => (document.activeElement as HTMLElement).dataset);
    expect([focused['row'], focused['col']]).toEqual(['1', '1']);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#explain:not([hidden])');
    expect(await page.textContent('#explain-title')).toMatch(/→/);
  });

  it('names every control and keeps text contrast at WCAG AA', async () => {
    const problems = await page.evaluate(() => {
      const out: string[] = [];
      const visible = (el: Element) => {
        const r = (el as HTMLElement).getBoundingClientRect();
        const st = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
      };
      const nameOf = (el: HTMLElement): string => {
        const aria = el.getAttribute('aria-label');
        if (aria) return aria;
        const by = el.getAttribute('aria-labelledby');
        if (by) return by.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
        if (el.id) {
          const l = document.querySelector(`label[for="${el.id}"]`);
          if (l?.textContent?.trim()) return l.textContent.trim();
        }
        const wrap = el.closest('label');
        if (wrap?.textContent?.trim()) return wrap.textContent.trim();
        if (el.tagName !== 'SELECT' && el.tagName !== 'TEXTAREA' && el.textContent?.trim()) return el.textContent.trim();
        return el.getAttribute('title') ?? '';
      };
      for (const el of document.querySelectorAll<HTMLElement>('button, select, input:not([type=hidden]), textarea, a[href], [role=tab], [role=gridcell][tabindex="0"], [tabindex="0"]')) {
        if (!visible(el) && !el.matches('input[type=file]')) continue;
        if (el.matches('input[type=file]')) continue; // opened through the labelled "Open files…" button
        if (!nameOf(el)) out.push(`no accessible name: ${el.outerHTML.slice(0, 100)}`);
      }
      const rgb = (c: string): [number, number, number, number] => {
        const m = c.match(/rgba?\(([^)]+)\)/);
        if (!m) return [0, 0, 0, 0];
        const p = m[1]!.split(/[ ,/]+/).filter(Boolean).map(Number);
        return [p[0]!, p[1]!, p[2]!, p[3] ?? 1];
      };
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
      };
      const background = (el: Element | null): [number, number, number] => {
        for (let e = el; e; e = e.parentElement) {
          const st = getComputedStyle(e);
          if (st.backgroundImage !== 'none') return [255, 255, 255]; // gradients: only the hatched n/a cells, which hold no text
          const c = rgb(st.backgroundColor);
          if (c[3] > 0.5) return [c[0], c[1], c[2]];
        }
        return [255, 255, 255];
      };
      let checked = 0;
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || !n.textContent?.trim() || !visible(el) || el.closest('[aria-hidden="true"], .visually-hidden, option')) continue;
        const st = getComputedStyle(el);
        const fg = rgb(st.color);
        const bg = background(el);
        const [a, b] = [lum(fg), lum(bg)];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        const size = parseFloat(st.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
        checked++;
        if (ratio < (large ? 3 : 4.5)) out.push(`contrast ${ratio.toFixed(2)} for "${n.textContent.trim().slice(0, 30)}" (${st.color} on rgb(${bg.join(',')}))`);
      }
      if (checked < 50) out.push(`only ${checked} text nodes checked`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it('draws the graph, with its connections also as a list', async () => {
    await page.selectOption('#port', '8080/TCP');
    await settled(page);
    await page.click('#tab-graph');
    await page.waitForSelector('#graph-view canvas');
    await page.waitForTimeout(500);
    const count = await page.textContent('#edge-count');
    expect(Number(count?.split(' ')[0])).toBeGreaterThan(5);
    await page.click('details.edges summary');
    await page.locator('#edge-list button', { hasText: /^shop\/frontend → shop\/api$/ }).click({ timeout: 5000 });
    await expect.poll(() => page.textContent('.explain-summary')).toContain('shop/frontend');
    await screenshot(page, 'graph');
    expect(pageErrors(page)).toEqual([]);
  });
});

describe('the static site, in chromium', () => {
  let browser: Browser;
  let server: RunningServer;

  beforeAll(async () => {
    browser = await launch();
    server = await start([], { manifests: false });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('starts empty, loads a bundled example and reads its verdict', async () => {
    const page = await open(browser, server.url);
    expect(await page.getAttribute('body', 'data-mode')).toBe('static');
    expect(await page.isVisible('.empty-state')).toBe(true);
    await screenshot(page, 'static-empty');
    const dir = '002-earthly-namespaces/3-allow-by-labels';
    const option = await page.$$eval('#example option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    const id = option.find((v) => v.endsWith(dir));
    expect(id, `examples: ${option.join(', ')}`).toBeDefined();
    await page.selectOption('#example', id!);
    await settled(page);
    const files = readdirSync(join(REPO, 'examples', dir))
      .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('expect'))
      .map((f) => ({ name: f, text: readFileSync(join(REPO, 'examples', dir, f), 'utf8') }));
    const cluster = buildCluster(loadSources(files).objects).cluster;
    expect(await page.textContent('#stats')).toContain(`${cluster.pods.length} pods`);
    const rows = await page.$$eval('table.matrix th.rowhead', (ths) => ths.map((th) => (th as HTMLElement).title));
    const port = await page.$eval('#port', (s) => (s as HTMLSelectElement).value);
    const pods = rows.filter((r) => r.includes('/'));
    expect(pods.length).toBeGreaterThan(1);
    const [a, b] = [pods[0]!, pods[pods.length - 1]!];
    const want = checkConnection(cluster, { from: a, to: b, port: port === '*' ? '1/TCP' : port });
    if (port !== '*') expect((await cell(page, a, b)).state).toBe(want.verdict);
    await screenshot(page, 'static-example');
    await page.close();
  });

  it('takes pasted YAML', async () => {
    const page = await open(browser, server.url);
    await page.click('#paste');
    await page.fill('#paste-text', demo);
    await page.click('#paste-form button[type=submit]');
    await settled(page);
    expect(await page.textContent('#stats')).toContain('6 pods');
    await page.selectOption('#port', '5432/TCP');
    await settled(page);
    expect((await cell(page, 'shop/api', 'shop/db')).state).toBe('allowed');
    expect((await cell(page, 'shop/frontend', 'shop/db')).state).toBe('denied');
    await page.close();
  });
});
