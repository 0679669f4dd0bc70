/**
 * A server for the HTTP and fan-out benchmarks, in a process of its own so
 * that the load generator and the WebSocket subscribers do not share its
 * event loop. Started by `servers.ts` with an IPC channel:
 *
 *   app       the real service: buildApp() with a silent logger, on 127.0.0.1:0, with a
 *             write token configured and the ledger on (in a temporary directory)
 *   bare      bare Fastify: the same routes parse the same JSON bodies and answer {}
 *             (the batch route with ?reply=summary: {index, ok, outcome, seq} per item, built per
 *             request); and POST …/mid-sized answers a pre-serialised reply of a real update's size
 *   bare-ws   bare Fastify + a bare `ws` server: POST …/mid parses the body and
 *             broadcasts a message of a real quote's size to every WebSocket client
 *
 * Messages from the parent: {type:'stats'} → {type:'stats', cpu, elu}; {type:'template', prefix, suffix};
 * {type:'alloc-start'} → {type:'alloc-started'}, then {type:'alloc-stop'} → {type:'alloc', …}: bytes the
 * server allocated on its V8 heap in between (from v8.GCProfiler: the growth of the used heap between
 * collections, plus what each collection freed); {type:'stop'} → closes and exits.
 * MM_BENCH_LATENCY_WINDOW (environment) sets the app's latencyWindow.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { MarketMakerAgent } from '../../src/agent/index.js';
import { buildApp } from '../../src/service/app.js';
import { updateReply } from '../../src/service/routes/updates.js';
import { parseServiceConfig } from '../../src/service/config.js';
import { BENCH_TOKEN } from './token.js';

export type ServerKind = 'app' | 'bare' | 'bare-ws';

export type ToChild = { type: 'stats' } | { type: 'stop' } | { type: 'template'; prefix: string; suffix: string } | { type: 'alloc-start' } | { type: 'alloc-stop' };
/** V8 heap allocation between alloc-start and alloc-stop */
export interface AllocationReport {
  bytes: number; gcs: number; scavenges: number; gcMs: number;
  /** times the kernel took the CPU from this process while it could run (getrusage), over the window: preemption */
  involuntaryContextSwitches: number;
}
export type FromChild =
  | { type: 'listening'; port: number }
  | { type: 'alloc-started' }
  | { type: 'alloc'; report: AllocationReport }
  | { type: 'stats'; cpu: NodeJS.CpuUsage; elu: EventLoopUtilization }
  | { type: 'template-set' };

const MID_ROUTE = '/v1/agents/:agentId/symbols/:symbol/mid';
const BATCH_ROUTE = '/v1/agents/:agentId/updates';

function send(msg: FromChild): void {
  process.send?.(msg);
}

/** The body the real service answers to a mid update, serialised once. */
function sampleReply(): string {
  const agent = new MarketMakerAgent('default');
  const time = Date.now();
  agent.process({ type: 'volatility', symbol: 'S0500', sigma: 9.01, time });
  return JSON.stringify(updateReply(agent.process({ type: 'mid', symbol: 'S0500', mid: 450.01, time })));
}

async function build(kind: ServerKind): Promise<{ app: FastifyInstance; onTemplate: (prefix: string, suffix: string) => void }> {
  if (kind === 'app') {
    // as deployed: a write token (so every write is authenticated) and the ledger on, in a fresh directory
    const dir = mkdtempSync(join(tmpdir(), 'mm-bench-'));
    const config = parseServiceConfig({
      port: 0, logLevel: 'silent',
      auth: { writeTokens: [BENCH_TOKEN] },
      ledger: { path: join(dir, 'quoting.db'), importJournal: null },
      // the fan-out benchmark holds 1,000 subscribers, the default maxWsClients: room for its probes too
      limits: { maxSubscriptionsPerConnection: 10_000, maxWsClients: 2_000 },
      ...(process.env.MM_BENCH_LATENCY_WINDOW ? { latencyWindow: Number(process.env.MM_BENCH_LATENCY_WINDOW) } : {}),
    });
    const app = await buildApp({ config, logger: pino({ level: 'silent' }) });
    app.addHook('onClose', async () => rmSync(dir, { recursive: true, force: true }));
    return { app, onTemplate: () => {} };
  }
  const app = Fastify({ logger: false });
  if (kind === 'bare') {
    app.post(MID_ROUTE, async () => ({}));
    // a bare batch route: {} or, with ?reply=summary, the compact reply's shape for every item (as the service's)
    let seq = 0;
    app.post(BATCH_ROUTE, async (req) => {
      if ((req.query as { reply?: string }).reply !== 'summary') return {};
      const { updates } = req.body as { updates: unknown[] };
      return { results: updates.map((_u, index) => ({ index, ok: true, outcome: 'quoted', seq: ++seq })) };
    });
    const sized = sampleReply();
    app.post(`${MID_ROUTE}-sized`, async (_req, reply) => reply.type('application/json; charset=utf-8').send(sized));
    return { app, onTemplate: () => {} };
  }
  // bare-ws: the broadcast baseline
  let prefix = '{"type":"quote","time":';
  let suffix = '}';
  const clients = new Set<WebSocket>();
  const wss = new WebSocketServer({ server: app.server, path: '/v1/stream' });
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('message', () => ws.send('{"type":"subscribed"}'));
    ws.on('close', () => clients.delete(ws));
  });
  app.post(MID_ROUTE, async (req) => {
    const { time } = req.body as { time: number };
    // the message is built before the POST: only the update's time is spliced in, so subscribers can match it
    const message = prefix + time + suffix;
    for (const ws of clients) ws.send(message);
    return {};
  });
  app.addHook('onClose', async () => {
    for (const ws of clients) ws.terminate();
    wss.close();
  });
  return { app, onTemplate: (p, s) => { prefix = p; suffix = s; } };
}

/**
 * Bytes allocated on the V8 heap over a window: used heap at the end − at the start + what every GC in
 * between freed (used before − used after). Promotion and compaction move bytes without allocating, so
 * the sum is exact up to the few bytes the profiler's own bookkeeping allocates.
 */
const allocation = {
  profiler: null as GCProfiler | null,
  usedAtStart: 0,
  switchesAtStart: 0,
  start(): void {
    this.switchesAtStart = process.resourceUsage().involuntaryContextSwitches;
    this.profiler = new GCProfiler();
    this.usedAtStart = getHeapStatistics().used_heap_size;
    this.profiler.start();
  },
  stop(): AllocationReport {
    const result = this.profiler?.stop();
    const usedAtEnd = getHeapStatistics().used_heap_size;
    this.profiler = null;
    let freed = 0;
    let gcMs = 0;
    let scavenges = 0;
    const stats = result?.statistics ?? [];
    for (const g of stats) {
      freed += g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize;
      gcMs += g.cost / 1_000;
      if (g.gcType === 'Scavenge') scavenges++;
    }
    const involuntaryContextSwitches = process.resourceUsage().involuntaryContextSwitches - this.switchesAtStart;
    return { bytes: usedAtEnd - this.usedAtStart + freed, gcs: stats.length, scavenges, gcMs, involuntaryContextSwitches };
  },
};

async function main(): Promise<void> {
  const kind = process.argv[2] as ServerKind;
  if (!['app', 'bare', 'bare-ws'].includes(kind)) throw new Error(`unknown server kind ${kind}`);
  const { app, onTemplate } = await build(kind);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.on('message', (msg: ToChild) => {
    if (msg.type === 'stats') send({ type: 'stats', cpu: process.cpuUsage(), elu: performance.eventLoopUtilization() });
    else if (msg.type === 'template') {
      onTemplate(msg.prefix, msg.suffix);
      send({ type: 'template-set' });
    } else if (msg.type === 'alloc-start') {
      allocation.start();
      send({ type: 'alloc-started' });
    } else if (msg.type === 'alloc-stop') {
      send({ type: 'alloc', report: allocation.stop() });
    } else if (msg.type === 'stop') {
      void app.close().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'listening', port: address.port });
}

main().catch((err: unknown) => {
  process.stderr.write(`server child failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
