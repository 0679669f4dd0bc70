/**
 * Where a single update's server CPU goes, over the wire: the same mid load as
 * benchmark 2 (autocannon, 10 connections, pipelining 1, 1,000 symbols in turn)
 * against servers built up layer by layer, each in a child process of its own,
 * slices taken in turn (rotated each round). Per layer: user and system CPU µs
 * per request (the child's process.cpuUsage()) and the main thread's alone,
 * medians of the slices.
 *
 *   bare                     Fastify() answering {}
 *   bare, N µs busy          bare, burning N µs per request (5, 10, 25): the cost of being slower at all
 *   options                  + the service's server options (logger, request ids, timeouts)
 *   options+headers          + the request id and security headers the service sends
 *   +schema, no zod          + the route's JSON Schemas (the pass validator, as the service), answering {}
 *   +agent in memory         + an agent holding 1,000 symbols (its heap), answering {}
 *   +zod, no schema          + params and body parsed by the service's zod schemas, answering {}
 *   +zod, tiny reply         + both of the above
 *   +process, tiny reply     + a MarketMakerAgent's process(), answering {}
 *   +the quote as reply      + the ProcessResult through the route's compiled reply serializer
 *   app, open / token        buildApp() without a ledger: no tokens and any Host / a write token
 *   app, token, ledger       as benchmark 2 runs it (the SQLite ledger on)
 *   batch: bare, N ns busy   (SCENARIO=summary) the bare summary-batch route burning N ns per item (0, 250, 500, 1,000)
 *   batch: required work     (SCENARIO=summary) what the issue requires of the summary batch and no more: the service's
 *                            options and headers, params, query and body through zod, each item as the route reads it
 *                            (batchUpdate: the compiled check), process() on an agent of 1,000 quoted symbols, the compact reply
 *
 *   npm run bench:edge-layers -- [seconds per slice] [slices]   (LAYERS="bare;app, token" picks some; RATE=8000 an open loop;
 *   SCENARIO=summary benchmark 2's summary batches, figures per update, with the batch layers and the app;
 *   BENCH_CPU_PROF=1 a V8 CPU profile per layer in bench/results/profiles/edge-<layer>/)
 *
 * Not part of `npm run bench`: the attribution behind issue 16's single-update figures (bench/README.md).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { MarketMakerAgent } from '../src/agent/index.js';
import { buildApp, SECURITY_HEADERS, serverOptions } from '../src/service/app.js';
import { parseServiceConfig } from '../src/service/config.js';
import { UpdateReply } from '../src/service/replies.js';
import { passValidator, routeSchema } from '../src/service/route-schemas.js';
import { batchUpdate } from '../src/service/routes/updates.js';
import { AgentParams, BatchBody, BatchQuery, MidBody, parse, SymbolParams } from '../src/service/schemas.js';
import { BATCH, batchRequests, countArg, median, midRequests, seed, seedUpdates } from './support/ingest-load.js';
import { RESULTS_DIR } from './support/report.js';
import { BENCH_TOKEN } from './support/token.js';

const MID_ROUTE = '/v1/agents/:agentId/symbols/:symbol/mid';
const BATCH_ROUTE = '/v1/agents/:agentId/updates';

type Layer = () => Promise<FastifyInstance>;
const config = (extra: Record<string, unknown> = {}) => parseServiceConfig({ port: 0, logLevel: 'silent', ledger: { path: null, importJournal: null }, ...extra });

function plain(opts: boolean): FastifyInstance {
  return Fastify(opts ? serverOptions(config(), pino({ level: 'silent' })) : { logger: false });
}

/** The service's server options and response headers, then `route`. */
function layer(route: (app: FastifyInstance) => unknown): Layer {
  return async () => {
    const app = plain(true);
    app.addHook('onRequest', (req, reply, done) => {
      reply.header('x-request-id', req.id).headers(SECURITY_HEADERS);
      done();
    });
    route(app);
    return app;
  };
}

/** An agent with every symbol quoted, as the service's after benchmark 2's seeding. */
function seededAgent(): MarketMakerAgent {
  const agent = new MarketMakerAgent('default');
  const time = Date.now();
  for (const u of seedUpdates()) agent.process({ ...u, time });
  return agent;
}

/** The route as the service has it, on a bare agent: zod params and body, process(), the compiled reply. */
function agentRoute(app: FastifyInstance, upTo: 'zod' | 'process' | 'reply'): void {
  const agent = seededAgent();
  app.setValidatorCompiler(passValidator);
  const response: Record<number, typeof UpdateReply> = upTo === 'reply' ? { 200: UpdateReply } : {};
  app.post(MID_ROUTE, { schema: routeSchema({ tags: [], summary: '', params: SymbolParams, body: MidBody, response }) }, async (req) => {
    const { symbol: s } = parse(SymbolParams, req.params);
    const b = parse(MidBody, req.body);
    if (upTo === 'zod') return {};
    const r = agent.process({ type: 'mid', symbol: s, mid: b.mid, time: b.time ?? Date.now() });
    return upTo === 'reply' ? r : {};
  });
}

/**
 * A bare route that burns a fixed time per request: what a server slower by just that costs on this
 * machine (its client, idle while it waits, is woken by each reply; the server's loop sleeps and wakes too).
 */
function busy(us: number): FastifyInstance {
  const app = plain(false);
  app.post(MID_ROUTE, async () => {
    const until = performance.now() + us / 1_000;
    while (performance.now() < until);
    return {};
  });
  return app;
}

/**
 * The bare batch route of benchmark 2 (the compact reply's shape per item, as server-child.ts's), burning
 * `ns` per item: the batch's calibration.
 */
function busyBatch(ns: number): FastifyInstance {
  const app = plain(false);
  let seq = 0;
  app.post(BATCH_ROUTE, async (req) => {
    const { updates } = req.body as { updates: unknown[] };
    const until = performance.now() + (ns * updates.length) / 1e6;
    while (performance.now() < until);
    return { results: updates.map((_u, index) => ({ index, ok: true, outcome: 'quoted', seq: ++seq })) };
  });
  return app;
}

/** The layers of the single-mid load (each serves MID_ROUTE). */
const MID_LAYERS: Record<string, Layer> = {
  bare: async () => {
    const app = plain(false);
    app.post(MID_ROUTE, async () => ({}));
    return app;
  },
  ...Object.fromEntries([5, 10, 25].map((us) => [`bare, ${us} µs busy`, async () => busy(us)])),
  options: async () => {
    const app = plain(true);
    app.post(MID_ROUTE, async () => ({}));
    return app;
  },
  'options+headers': layer((app) => app.post(MID_ROUTE, async () => ({}))),
  '+schema, no zod': layer((app) => {
    app.setValidatorCompiler(passValidator);
    app.post(MID_ROUTE, { schema: routeSchema({ tags: [], summary: '', params: SymbolParams, body: MidBody, response: {} }) }, async () => ({}));
  }),
  '+agent in memory': layer((app) => {
    const agent = seededAgent();
    app.post(MID_ROUTE, async () => ({ n: agent.stats.updates > 0 ? 1 : 0 }));
  }),
  '+zod, no schema': layer((app) => app.post(MID_ROUTE, async (req) => {
    parse(SymbolParams, req.params);
    parse(MidBody, req.body);
    return {};
  })),
  '+zod, tiny reply': layer((app) => agentRoute(app, 'zod')),
  '+process, tiny reply': layer((app) => agentRoute(app, 'process')),
  '+the quote as reply': layer((app) => agentRoute(app, 'reply')),
};

/**
 * The summary batch route doing only the required work, as the service's route does it (routes/updates.ts),
 * on a bare agent: no token check, metrics, publishing, ledger or room bookkeeping.
 */
function requiredBatch(app: FastifyInstance): void {
  const agent = seededAgent();
  app.post(BATCH_ROUTE, async (req) => {
    parse(AgentParams, req.params);
    parse(BatchQuery, req.query);
    const { updates } = parse(BatchBody, req.body);
    const time = Date.now();
    const results = updates.map((raw, index) => {
      try {
        const u = batchUpdate(raw, index, time);
        if (u instanceof Error) throw u;
        const r = agent.process(u);
        return { index, ok: true as const, outcome: r.outcome, seq: r.quote?.seq ?? null };
      } catch (err) {
        return { index, ok: false as const, error: (err as Error).message };
      }
    });
    return { results };
  });
}

/** The layers of the summary-batch load (SCENARIO=summary; each serves BATCH_ROUTE). */
const BATCH_LAYERS: Record<string, Layer> = {
  ...Object.fromEntries([0, 250, 500, 1_000].map((ns) => [`batch: bare, ${ns} ns busy`, async () => busyBatch(ns)])),
  'batch: required work': layer(requiredBatch),
};

/** The service itself, in both loads. */
const APP_LAYERS: Record<string, Layer> = {
  'app, open': async () => buildApp({ config: config({ http: { allowedHosts: ['*'] } }), logger: pino({ level: 'silent' }) }),
  'app, token': async () => buildApp({ config: config({ auth: { writeTokens: [BENCH_TOKEN] } }), logger: pino({ level: 'silent' }) }),
  'app, token, ledger': async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-layers-'));
    const app = await buildApp({ config: config({ auth: { writeTokens: [BENCH_TOKEN] }, ledger: { path: join(dir, 'quoting.db'), importJournal: null } }), logger: pino({ level: 'silent' }) });
    app.addHook('onClose', async () => rmSync(dir, { recursive: true, force: true }));
    return app;
  },
};

const LAYERS: Record<string, Layer> = { ...MID_LAYERS, ...BATCH_LAYERS, ...APP_LAYERS };

async function child(name: string): Promise<void> {
  const app = await LAYERS[name]!();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  if (name.startsWith('app')) await seed(`http://127.0.0.1:${port}`);
  const stop = () => void app.close().finally(() => process.exit(0));
  process.on('message', (m: string) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage(), thread: process.threadCpuUsage() });
    else stop();
  });
  // the parent gone (killed, or failed): close too, rather than listen on as an orphan
  process.on('disconnect', stop);
  process.send!({ port });
}

interface Cpu { cpu: NodeJS.CpuUsage; thread: NodeJS.CpuUsage }
interface Server { name: string; port: number; cpu(): Promise<Cpu>; stop(): Promise<void> }

async function start(name: string): Promise<Server> {
  // BENCH_CPU_PROF=1: a V8 CPU profile per layer, written when it stops (as servers.ts does for benchmark 2)
  const profile = process.env.BENCH_CPU_PROF === '1'
    ? ['--cpu-prof', `--cpu-prof-dir=${resolve(RESULTS_DIR, 'profiles', `edge-${name.replace(/[^a-z0-9]+/gi, '-')}`)}`]
    : [];
  const c = fork(fileURLToPath(import.meta.url), ['--child', name], { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // every wait on the child is bounded, as servers.ts's: a child that hangs fails the run instead of stalling it
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => { c.kill('SIGKILL'); fail(new Error(`${name} did not start in 20 s`)); }, 20_000);
    c.once('exit', (code) => { clearTimeout(timer); fail(new Error(`${name} exited with ${code} before listening`)); });
    c.once('message', (m: { port: number }) => { clearTimeout(timer); ok(m.port); });
  });
  c.removeAllListeners('exit');
  return {
    name, port,
    cpu: () => new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`${name} did not report its CPU in 10 s`)), 10_000);
      c.once('message', (m: Cpu) => { clearTimeout(timer); ok(m); });
      c.send('cpu');
    }),
    stop: () => new Promise((ok) => {
      c.once('exit', () => ok());
      c.send('stop');
    }),
  };
}

async function main(): Promise<void> {
  const slice = countArg(process.argv[2], 2, 'seconds per slice');
  const slices = countArg(process.argv[3], 5, 'slices');
  // SCENARIO=summary: benchmark 2's summary batches (figures per update) instead of single mids
  const scenario = process.env.SCENARIO ?? 'mid';
  if (scenario !== 'mid' && scenario !== 'summary') throw new Error(`SCENARIO: mid or summary, not ${scenario}`);
  const summary = scenario === 'summary';
  const requests = summary ? batchRequests('?reply=summary') : midRequests();
  const per = summary ? BATCH : 1;
  const available = { ...(summary ? BATCH_LAYERS : MID_LAYERS), ...APP_LAYERS };
  const names = process.env.LAYERS?.split(';') ?? Object.keys(available);
  const unknown = names.filter((n) => !(n in available));
  if (unknown.length > 0) throw new Error(`no ${scenario} layer ${unknown.join(', ')}; there are: ${Object.keys(available).join('; ')}`);
  const servers: Server[] = [];
  for (const name of names) servers.push(await start(name));
  const figures = new Map(servers.map((s) => [s, { user: [] as number[], system: [] as number[], thread: [] as number[], rate: [] as number[] }]));
  // RATE=n: an open loop at n requests/s in all (autocannon's overallRate) instead of as fast as the server answers
  const rate = process.env.RATE === undefined ? {} : { overallRate: countArg(process.env.RATE, 0, 'RATE') };
  const load = (s: Server, seconds: number) => autocannon({ url: `http://127.0.0.1:${s.port}`, connections: 10, pipelining: 1, duration: seconds, requests, ...rate });
  for (const s of servers) await load(s, 1);
  for (let r = 0; r < slices; r++) {
    for (let k = 0; k < servers.length; k++) {
      const s = servers[(k + r) % servers.length]!;
      const before = await s.cpu();
      const res = await load(s, slice);
      const after = await s.cpu();
      if (res.non2xx > 0 || res.errors > 0) throw new Error(`${s.name}: ${res.non2xx} non-2xx, ${res.errors} errors`);
      const f = figures.get(s)!;
      const n = res['2xx'] * per;
      f.user.push((after.cpu.user - before.cpu.user) / n);
      f.system.push((after.cpu.system - before.cpu.system) / n);
      f.thread.push((after.thread.user + after.thread.system - before.thread.user - before.thread.system) / n);
      f.rate.push(n / res.duration);
    }
  }
  await Promise.all(servers.map((s) => s.stop()));
  console.log(`layer (per ${summary ? 'update' : 'request'})    user µs  system µs  total µs  main thread µs  ${summary ? 'upd/s' : 'req/s'}`);
  for (const [s, f] of figures) {
    const u = median(f.user);
    const y = median(f.system);
    console.log(`${s.name.padEnd(24)} ${u.toFixed(2).padStart(8)} ${y.toFixed(2).padStart(10)} ${(u + y).toFixed(2).padStart(9)} ${median(f.thread).toFixed(2).padStart(15)} ${Math.round(median(f.rate)).toString().padStart(7)}`);
  }
}

const fail = (err: unknown) => {
  console.error(err);
  process.exit(1);
};
if (process.argv[2] === '--child') child(process.argv[3]!).catch(fail);
else main().catch(fail);
