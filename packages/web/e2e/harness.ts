import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serve, type RunningServer, type ServeOptions } from '../src/serve.js';

export const CHROMIUM = process.env['KORDON_CHROMIUM'] ?? '/usr/bin/chromium';
export const WEB = fileURLToPath(new URL('..', import.meta.url));
export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const ARTIFACTS = join(REPO, 'test-artifacts', 'web');
export const DEMO = join(WEB, 'demo', 'online-shop.yaml');

let site: Promise<string> | undefined;

/** Builds the page from the current source once per test file, into a fresh folder: tests never see a stale site. */
export function buildSite(): Promise<string> {
  site ??= (async () => {
    const { build } = await import('vite');
    const outDir = mkdtempSync(join(tmpdir(), 'kordon-site-'));
    await build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
    return outDir;
  })();
  return site;
}

/** Debian's chromium, headless. Missing chromium fails the test (CI installs it; see .ci/run): browser tests never skip. */
export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is not installed at ${CHROMIUM}: apt-get install chromium (browser tests fail rather than skip)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    // Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function start(paths: string[], options: Omit<ServeOptions, 'siteDir'> = {}): Promise<RunningServer> {
  return serve(paths, { ...options, siteDir: await buildSite() });
}

/** Opens the page and waits until the engine has answered. */
export async function open(browser: Browser, url: string, viewport = { width: 1500, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(url);
  await settled(page);
  return page;
}

export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? [];
}

/** Waits until no request to the engine is under way. */
export async function settled(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => document.body.dataset['busy'] === 'false', undefined, { timeout, polling: 50 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The matrix cell from `from` to `to` (ids such as `p:shop/api`), read off the page: its state and label. */
export async function cell(page: Page, from: string, to: string): Promise<{ state: string; label: string; changed: boolean }> {
  return page.evaluate(
    ([f, t]) => {
      const heads = [...document.querySelectorAll<HTMLElement>('table.matrix th.rowhead')].map((th) => th.title);
      const i = heads.indexOf(f!);
      const j = heads.indexOf(t!);
      const td = document.querySelector<HTMLElement>(`td[data-row="${i}"][data-col="${j}"]`);
      if (!td) throw new Error(`no cell ${f} -> ${t}; rows: ${heads.join(', ')}`);
      return { state: td.dataset['state'] ?? '', label: td.getAttribute('aria-label') ?? '', changed: td.classList.contains('changed') };
    },
    [from, to],
  );
}

/** Replaces the editor's text the way typing does (an input event), then waits for the page to settle. */
export async function setEditorText(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const ta = document.getElementById('yaml') as HTMLTextAreaElement;
    ta.value = t;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
  // The editor waits 120 ms for more typing before it asks the engine.
  await page.waitForTimeout(200);
  await settled(page);
}

/** The two window sizes every view is checked and photographed at: a small laptop and a common desktop. */
export const VIEWPORTS = [
  { name: '1024x768', width: 1024, height: 768 },
  { name: '1440x900', width: 1440, height: 900 },
] as const;

/**
 * axe-core's violations of every impact on the page as it is now (every rule axe runs by default: WCAG 2.x A/AA and
 * best practices), one line each with the offending elements.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axe.source });
  return page.evaluate(async () => {
    const run = (window as unknown as { axe: typeof axe }).axe;
    const r = await run.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}`);
  });
}
