/**
 * `npm run watch -- AGENT [SYMBOL …]` (`mm-watch`): its options, its line
 * format, and the ticker run as its own process against a real service
 * that restarts under it.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/command-line.js';
import { DEFAULT_URL, parseWatchArgs } from '../../src/watch/args.js';
import { priceDigits, QuotingClient } from '../../src/client/index.js';
import { formatQuote } from '../../src/watch/ticker.js';
import { readText, repoPath } from '../support/ops.js';
import { waitFor } from '../support/recorder.js';
import { restartableServer, type RestartableServer } from '../support/restartable-server.js';

describe('mm-watch options', () => {
  it('an agent, then symbols (none or "*": every symbol); URL and token from flags or the environment', () => {
    expect(parseWatchArgs(['default', 'AAPL', 'MSFT'])).toEqual({ url: DEFAULT_URL, agent: 'default', symbols: ['AAPL', 'MSFT'], token: undefined, count: null, help: false });
    expect(parseWatchArgs(['default']).symbols).toBe('*');
    expect(parseWatchArgs(['default', '*']).symbols).toBe('*');
    expect(parseWatchArgs(['default', 'A,B']).symbols).toEqual(['A', 'B']);
    expect(parseWatchArgs(['a'], { QUOTING_URL: 'http://h:1/', API_TOKEN: 'api' })).toMatchObject({ url: 'http://h:1', token: 'api' });
    expect(parseWatchArgs(['a'], { QUOTING_TOKEN: 'q', API_TOKEN: 'api' }).token).toBe('q');
    expect(parseWatchArgs(['a', '--url', 'http://x:2', '--token', 't', '--count', '3'], { QUOTING_URL: 'http://h:1' })).toMatchObject({ url: 'http://x:2', token: 't', count: 3 });
    expect(parseWatchArgs(['--help']).help).toBe(true);
    for (const bad of [[], ['a', '--count', '0'], ['a', '--count', 'x'], ['a', '--url', 'ftp://x'], ['a', '--nope']]) {
      expect(() => parseWatchArgs(bad), bad.join(' ')).toThrow(UsageError);
    }
  });

  it('is the npm script "watch" and the bin mm-watch', () => {
    const pkg = JSON.parse(readText('package.json')) as { scripts: Record<string, string>; bin: Record<string, string> };
    expect(pkg.scripts.watch).toBe('tsx src/watch.ts');
    expect(pkg.bin['mm-watch']).toBe('dist/src/watch.js');
    expect(readText('src/watch.ts').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('a line per quote: prices to the tick, sizes, reservation, spread, inventory, toxicity', () => {
    expect([0.01, 0.0005, 1, 0.25, 0.05, 5, 1e-12].map(priceDigits)).toEqual([2, 4, 0, 2, 2, 0, 10]);
    const line = formatQuote({
      type: 'quote', agent: 'default', serverTime: 0, symbol: 'AAPL', seq: 7, time: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      mid: 100, bidPrice: 99.15, bidSize: 1, askPrice: 100.85, askSize: 0, reservation: 99.6, spread: 1.7, spreadBps: 170,
      model: 'avellaneda-stoikov', sigma: 2, sigmaSource: 'pushed', horizon: 'session', tau: 0.5, inventory: 1, toxicity: 0.125,
      adjustments: { inventorySkew: 0, toxicityMultiplier: 1, spreadClamp: 'none', crossMidClamp: 'none' }, conflated: true,
    }, 2);
    expect(line).toBe('03:04:05.678 AAPL     #7     bid 99.15 × 1 │ ask — │ mid 100.00 r 99.600 170.0 bps │ inv 1 tox 0.13 conflated');
  });
});

describe('mm-watch against a real service', () => {
  let srv: RestartableServer;
  beforeAll(async () => {
    srv = await restartableServer();
  });
  afterAll(() => srv.stop());

  it('prints the snapshot and each quote, says when the service goes away and when it is back, and stops at --count', async () => {
    const c = new QuotingClient({ baseUrl: srv.url });
    await c.postVolatility('default', 'WAT', { sigma: 2 });
    await c.postMid('default', 'WAT', { mid: 100 });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/watch.ts', 'default', 'WAT', '--url', srv.url, '--count', '3'], {
      cwd: repoPath(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QUOTING_TOKEN: '', API_TOKEN: '' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    try {
      await waitFor(() => /WAT +#1 .*snapshot/.test(out), 20_000, `the snapshot line in ${out}`);
      expect(out).toMatch(/^watching default WAT at http:\/\/127\.0\.0\.1:\d+$/m);
      expect(out).toMatch(/WAT +#1 +bid 99\.15 × 1 │ ask 100\.85 × 1 │ mid 100\.00 r 100\.000 170\.0 bps │ inv 0 tox 0\.00 snapshot/);
      await c.postMid('default', 'WAT', { mid: 101 });
      await waitFor(() => /WAT +#2 +bid 100\.15/.test(out), 10_000, `quote #2 in ${out}`);
      await srv.stop();
      await waitFor(() => /! connection lost \(1001 server shutting down\); attempt 1 in \d+\.\d s/.test(out), 10_000, `the loss in ${out}`);
      await srv.start();
      await waitFor(() => /✓ reconnected after \d+ attempt\(s\)/.test(out), 20_000, `the reconnection in ${out}`);
      await c.postVolatility('default', 'WAT', { sigma: 2 });
      await c.postMid('default', 'WAT', { mid: 90 });
      expect(await exited).toBe(0);
      expect(out).toMatch(/WAT +#1 +bid 89\.15 × 1 │ ask 90\.85 × 1 │ mid 90\.00/);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  });

  it('an unknown agent or an unreachable service: one line saying so, exit 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/watch.ts', 'nobody', '--url', srv.url], { cwd: repoPath(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(out.trim()).toBe(`mm-watch: no agent "nobody" at ${srv.url}`);
  });
});
