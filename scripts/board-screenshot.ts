/**
 * Takes the README's picture of the quote board (docs/img/board.png): a
 * service on a free loopback port, the demo feeding four symbols, the board
 * in headless Chromium (Debian's package). Run by hand:
 * `npx tsx scripts/board-screenshot.ts [out.png]`.
 */
import { chromium } from 'playwright-core';
import { pino } from 'pino';
import { buildApp } from '../src/service/app.js';
import { parseServiceConfig } from '../src/service/config.js';
import { buildBrowser } from './build-browser.js';
import { parseDemoArgs } from './demo/args.js';
import { runDemo } from './demo/feed.js';

const out = process.argv[2] ?? 'docs/img/board.png';
await buildBrowser();
const app = await buildApp({ config: parseServiceConfig({ port: 0, journal: { path: null } }), logger: pino({ level: 'silent' }) });
await app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1180, height: 420 } });
  await page.goto(`${url}/ui/?agent=default`);
  await page.locator('#conn[data-state="live"]').waitFor();
  await runDemo(parseDemoArgs(['--url', url, '--symbols', 'AAPL,MSFT,NVDA,TSLA', '--duration', '8', '--rate', '10', '--seed', '3']), { print: () => {} });
  await page.waitForTimeout(700);
  await page.screenshot({ path: out });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  await app.close();
}
