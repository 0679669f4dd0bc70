/**
 * The quote board (/ui/) in a real headless Chromium (Debian's package,
 * driven by playwright-core) against a real listening service: the page
 * loads, a posted mid shows on the board, and a service restart shows the
 * reconnect indicator and then fresh quotes.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowser } from '../../scripts/build-browser.js';
import { QuotingClient } from '../../src/client/index.js';
import { ConfigError, loadServiceConfig, parseServiceConfig, uiEnabled } from '../../src/service/config.js';
import { restartableServer, type RestartableServer } from '../support/restartable-server.js';
import { request, startServer } from '../support/server.js';
import { describeWith, SYSTEM_PROGRAMS } from '../support/system-programs.js';

const WRITE = 'write-token-0123456789';
const READ = 'read-token-0123456789ab';

describe('the board is served only when configured, by default on loopback', () => {
  it('ui: null means loopback only; UI=true/false decide', () => {
    expect(uiEnabled(parseServiceConfig({}))).toBe(true);
    expect(uiEnabled(parseServiceConfig({ host: '0.0.0.0' }))).toBe(false);
    expect(uiEnabled(parseServiceConfig({ host: '0.0.0.0', ui: true }))).toBe(true);
    expect(uiEnabled(parseServiceConfig({ ui: false }))).toBe(false);
    expect(uiEnabled(loadServiceConfig({ HOST: '0.0.0.0', API_TOKENS: 'write-token-0123456789', UI: 'true' }))).toBe(true);
    expect(uiEnabled(loadServiceConfig({ UI: 'false' }))).toBe(false);
    expect(uiEnabled(loadServiceConfig({ UI: '' }))).toBe(true);
    expect(() => loadServiceConfig({ UI: 'yes' })).toThrow(ConfigError);
  });

  it('served: open (no token needed for the page), its own CSP; /ui redirects to /ui/ with the query; ui: false → 404', async () => {
    await buildBrowser();
    const s = await startServer({ auth: { writeTokens: [WRITE], readTokens: [READ] } });
    try {
      const page = await fetch(`${s.url}/ui/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'.*connect-src 'self'/);
      expect(await page.text()).toContain('<script type="module" src="board.js">');
      const js = await fetch(`${s.url}/ui/board.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      const redirect = await fetch(`${s.url}/ui?agent=default`, { redirect: 'manual' });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.get('location')).toBe('/ui/?agent=default');
      // the API is as closed as before
      expect((await request('GET', `${s.url}/v1/agents`)).status).toBe(401);
      // nothing outside dist/ui
      for (const escape of ['/ui/%2e%2e/%2e%2e/package.json', '/ui/..%2f..%2fpackage.json']) {
        const r = await fetch(`${s.url}${escape}`);
        expect(r.status, escape).toBeGreaterThanOrEqual(400);
        expect(await r.text()).not.toContain('"name": "mm-quoting-service"');
      }
    } finally {
      await s.close();
    }
    const off = await startServer({ ui: false });
    try {
      expect((await fetch(`${off.url}/ui/`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describeWith(['chromium'], 'the quote board in headless Chromium', () => {
  let browser: Browser;
  let srv: RestartableServer;
  let client: QuotingClient;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await buildBrowser();
    srv = await restartableServer({ auth: { writeTokens: [WRITE], readTokens: [READ] } });
    client = new QuotingClient({ baseUrl: srv.url, token: WRITE });
    browser = await chromium.launch({
      executablePath: SYSTEM_PROGRAMS.chromium.command,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 30_000,
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  });

  const open = async (query: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    // uncaught errors in the page's script (the failed connections during the restart are expected console noise)
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${srv.url}/ui/${query}`);
    return page;
  };
  const cell = (page: Page, symbol: string, field: string) => page.locator(`tr[data-symbol="${symbol}"] td[data-field="${field}"]`);

  it('loads with the token from the URL, shows a posted mid, then reconnects across a restart and shows fresh quotes', async () => {
    const page = await open(`?agent=default&token=${READ}`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });

    await client.postVolatility('default', 'AAPL', { sigma: 2 });
    await client.postMid('default', 'AAPL', { mid: 100 });
    // σ 2, mid 100, the default agent: bid 99.15, ask 100.85 (README quick start)
    await expect.poll(() => cell(page, 'AAPL', 'mid').textContent(), { timeout: 10_000 }).toBe('100.00');
    expect(await cell(page, 'AAPL', 'bid').textContent()).toBe('1 × 99.15');
    expect(await cell(page, 'AAPL', 'ask').textContent()).toBe('1 × 100.85');
    expect(await cell(page, 'AAPL', 'reservation').textContent()).toBe('100.000');
    expect(await cell(page, 'AAPL', 'spreadBps').textContent()).toBe('170.0');
    expect(await cell(page, 'AAPL', 'status').textContent()).toBe('quoting');
    await client.postFill('default', 'AAPL', { id: 'board-1', side: 'buy', price: 99.15, quantity: 1 });
    await expect.poll(() => cell(page, 'AAPL', 'inventory').textContent(), { timeout: 10_000 }).toBe('1');
    // the sparkline has points for the mid and both sides
    const midPoints = await page.locator('tr[data-symbol="AAPL"] svg polyline.mid').getAttribute('points');
    expect(midPoints?.split(' ').length).toBe(2);

    await srv.stop();
    await page.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#conn').textContent()).toMatch(/reconnecting/);

    await srv.start();
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#reconnects').textContent()).toBe('1 reconnect');
    await client.postVolatility('default', 'AAPL', { sigma: 2 });
    await client.postMid('default', 'AAPL', { mid: 90 });
    // fresh quotes after the restart: the fill was journaled, so the position (1) is still there
    await expect.poll(() => cell(page, 'AAPL', 'mid').textContent(), { timeout: 10_000 }).toBe('90.00');
    expect(await cell(page, 'AAPL', 'seq').textContent()).toBe('1');
    expect(await cell(page, 'AAPL', 'inventory').textContent()).toBe('1');
    await client.pauseSymbol('default', 'AAPL');
    await expect.poll(() => cell(page, 'AAPL', 'status').textContent(), { timeout: 10_000 }).toBe('symbol-paused');
    await client.resumeSymbol('default', 'AAPL');
    await page.screenshot({ path: 'test-results/board.png' });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('without a token in the URL it prompts for one', async () => {
    const prompts: string[] = [];
    const page = await browser.newPage();
    page.on('dialog', (d) => {
      prompts.push(d.message());
      void d.accept(READ);
    });
    await page.goto(`${srv.url}/ui/`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toMatch(/token/);
    await expect.poll(() => cell(page, 'AAPL', 'mid').textContent(), { timeout: 10_000 }).toBe('90.00');
    await page.close();
  });
});
