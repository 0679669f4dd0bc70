import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_URL, parseDemoArgs, UsageError } from '../../scripts/demo/args.js';
import { runDemo } from '../../scripts/demo/feed.js';
import { readText, repoPath, sleep } from '../support/ops.js';
import { request, startServer, type Running } from '../support/server.js';

describe('npm run demo: options', () => {
  it('defaults: the local service, agent default, one symbol, until Ctrl-C, no token', () => {
    expect(parseDemoArgs([])).toMatchObject({
      url: DEFAULT_URL, agent: 'default', symbols: ['DEMO1'], rate: 10, duration: null, seed: 1, mid: 100, sigma: 2, dt: 0.005, token: null,
    });
    expect(DEFAULT_URL).toBe('http://127.0.0.1:8080');
  });

  it('takes the URL and the token from the environment, --url first', () => {
    const env = { QUOTING_URL: 'http://svc:9000/', API_TOKEN: 't0k' };
    expect(parseDemoArgs([], env)).toMatchObject({ url: 'http://svc:9000', token: 't0k' });
    expect(parseDemoArgs(['--url', 'http://127.0.0.1:1234'], env).url).toBe('http://127.0.0.1:1234');
  });

  it('--symbols is a count or a list; numbers must be positive', () => {
    expect(parseDemoArgs(['--symbols', '3']).symbols).toEqual(['DEMO1', 'DEMO2', 'DEMO3']);
    expect(parseDemoArgs(['--symbols', 'AAPL,MSFT']).symbols).toEqual(['AAPL', 'MSFT']);
    expect(parseDemoArgs(['--duration', '2', '--rate', '50']).duration).toBe(2);
    for (const bad of [
      ['--symbols', '0'], ['--symbols', 'A,A'], ['--symbols', 'a b'], ['--rate', '0'], ['--rate', 'x'], ['--duration', '-1'],
      ['--seed', '1.5'], ['--dt', '0'], ['--url', 'ftp://x'], ['--agent', '!'], ['--nope'], ['positional'],
    ]) expect(() => parseDemoArgs(bad), bad.join(' ')).toThrow(UsageError);
  });

  it('is the npm script "demo"', () => {
    const pkg = JSON.parse(readText('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBe('tsx scripts/demo.ts');
  });
});

describe('npm run demo against an in-process service', () => {
  let s: Running;
  const authorization: (string | undefined)[] = [];
  beforeAll(async () => {
    s = await startServer();
    // a second listener on the node server sees every request's headers; Fastify answers them as usual
    s.app.server.on('request', (req: { headers: Record<string, string | string[] | undefined> }) => {
      const a = req.headers.authorization;
      authorization.push(Array.isArray(a) ? a[0] : a);
    });
  });
  afterAll(() => s.close());

  it('runs for --duration 2: quotes and fills reach the service, every request with the bearer token', async () => {
    const child = spawn(process.execPath, [
      '--import', 'tsx', 'scripts/demo.ts', '--url', s.url, '--duration', '2', '--rate', '20', '--symbols', '2', '--seed', '7',
    ], { cwd: repoPath(), env: { ...process.env, API_TOKEN: 'demo-secret', QUOTING_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exit = await Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
      sleep(20_000).then(() => {
        child.kill('SIGKILL');
        return 'timeout';
      }),
    ]);
    expect(exit, out).toBe(0);
    // the requests the demo made (the test's own below carry no token)
    const demoAuthorization = [...authorization];

    const lines = out.trim().split('\n');
    const live = lines.filter((l) => /^\s+\d+\.\ds DEMO1 mid \d+\.\d+ bid \d+\.\d+ ask \d+\.\d+ inv -?\d+ pnl [+-]\d+\.\d\d │ 2 symbols/.test(l));
    expect(live.length, out).toBeGreaterThanOrEqual(2);
    const done = /^done: (\d+) steps, (\d+) updates, (\d+) quotes, (\d+) fills, 0 errors in (\S+) s$/.exec(lines.at(-1)!);
    expect(done, out).not.toBeNull();
    const [steps, updates, quotes, fills] = done!.slice(1, 5).map(Number) as [number, number, number, number];
    expect(Number(done![5])).toBeGreaterThanOrEqual(2);
    // 20 steps/s for 2 s, less on a loaded machine
    expect(steps).toBeGreaterThan(10);
    expect(steps).toBeLessThanOrEqual(41);

    // what the service saw, through its REST API
    const agent = (await request('GET', `${s.url}/v1/agents/default`)).body as {
      stats: { updates: number; quotes: number; fills: number; duplicateFills: number; rejected: number };
    };
    expect(agent.stats.quotes).toBe(quotes);
    expect(agent.stats.quotes).toBeGreaterThan(steps);
    expect(agent.stats.fills).toBe(fills);
    expect(fills).toBeGreaterThan(0);
    expect(agent.stats).toMatchObject({ updates, duplicateFills: 0, rejected: 0 });
    const inventory = (await request('GET', `${s.url}/v1/agents/default/inventory`)).body as {
      symbols: { symbol: string; buyFills: number; sellFills: number }[];
    };
    expect(inventory.symbols.map((x) => x.symbol).sort()).toEqual(['DEMO1', 'DEMO2']);
    expect(inventory.symbols.reduce((n, x) => n + x.buyFills + x.sellFills, 0)).toBe(fills);
    for (const sym of ['DEMO1', 'DEMO2']) {
      const q = (await request('GET', `${s.url}/v1/agents/default/symbols/${sym}/quote`)).body as { quote: { bidPrice: number; askPrice: number } };
      expect(q.quote.bidPrice).toBeLessThan(q.quote.askPrice);
    }
    expect(demoAuthorization.length).toBeGreaterThan(steps);
    expect(new Set(demoAuthorization)).toEqual(new Set(['Bearer demo-secret']));
  }, 30_000);

  it('fills follow the model: never with a step of 1e-9 days, on both sides at every step with a step of 10 days', async () => {
    const base = { url: s.url, agent: 'default', rate: 50, seed: 3, mid: 100, sigma: 2, token: null, help: false, duration: 0.5 };
    const quiet = { print: () => undefined };
    // λ·dt ≈ 39 · 1e-9: no fill in a lifetime
    const none = await runDemo({ ...base, symbols: ['TINY'], dt: 1e-9 }, quiet);
    expect(none.steps).toBeGreaterThan(3);
    expect(none.fills).toBe(0);
    // λ·dt ≈ 39 · 10: 1 − e^(−390) = 1, both sides fill at every step that has a quote (all but none: the first mid quotes)
    const all = await runDemo({ ...base, symbols: ['HUGE'], dt: 10 }, quiet);
    expect(all.steps).toBeGreaterThan(3);
    expect(all.fills).toBe(2 * all.steps);
    expect(all.errors).toBe(0);
  }, 20_000);
});
