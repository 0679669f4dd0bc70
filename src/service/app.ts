/**
 * The service as one Fastify app. `buildApp` never listens: `server.ts`
 * starts it, and the tests and benchmarks build the same app.
 */
import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { Journal } from '../journal/journal.js';
import { installAuth } from './auth.js';
import { uiEnabled, type ServiceConfig } from './config.js';
import { errorResponse, ROUTE_NOT_FOUND } from './errors.js';
import { ServiceMetrics } from './metrics.js';
import { QuoteHub } from './quote-hub.js';
import { restore, snapshotEntries } from './recovery.js';
import { AgentRegistry } from './registry.js';
import { agentRoutes } from './routes/agents.js';
import { journalRoutes } from './routes/journal.js';
import { opsRoutes } from './routes/ops.js';
import { readRoutes } from './routes/reads.js';
import { streamRoutes } from './routes/stream.js';
import { uiRoot, uiRoutes } from './routes/ui.js';
import { updateRoutes } from './routes/updates.js';
import { UpdatePipeline } from './update-pipeline.js';

export interface AppOptions {
  config: ServiceConfig;
  /** by default pino at config.logLevel, one JSON line per event, pretty on a TTY */
  logger?: Logger;
  /** the clock for updates without a time of their own, Unix ms */
  now?: () => number;
}

export interface Quoting {
  /** every route registered, for the check against openapi.yaml */
  routes: { method: string; url: string }[];
  registry: AgentRegistry;
  hub: QuoteHub;
  metrics: ServiceMetrics;
  pipeline: UpdatePipeline;
  journal: Journal | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    quoting: Quoting;
  }
}

/** WebSocket close code for "going away" (RFC 6455 §7.4.1) */
const GOING_AWAY = 1001;

/** The API returns JSON only; nothing in it is to be framed, sniffed, run or cached. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function createLogger(level: string): Logger {
  return process.stdout.isTTY ? pino({ level, transport: { target: 'pino-pretty' } }) : pino({ level });
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const now = opts.now ?? Date.now;
  const bootId = randomUUID().slice(0, 8);
  let requests = 0;
  const loggerInstance: FastifyBaseLogger = opts.logger ?? createLogger(config.logLevel);
  const app = Fastify({
    loggerInstance,
    // a line per request would sit in the per-update hot path; rejections are logged at debug by the error handler
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.limits.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    // requests already in flight when a shutdown starts are answered by the app (readyz says not-ready)
    return503OnClosing: false,
    // unique across restarts (a random prefix per process) without a UUID per request
    genReqId: () => `${bootId}-${(++requests).toString(36)}`,
  });

  const registry = new AgentRegistry(config.limits.maxAgents);
  const hub = new QuoteHub({ highWaterBytes: config.limits.wsHighWaterBytes, onConflate: () => metrics.conflated.inc() });
  const metrics = new ServiceMetrics(config.processBudgetSeconds, config.latencyWindow, {
    agents: () => registry.all(),
    wsClients: () => hub.clients.size,
    wsSubscriptions: () => hub.subscriptionCount,
  });
  for (const [id, agentConfig] of Object.entries(config.agents)) registry.create(id, agentConfig);

  let journal: Journal | null = null;
  if (config.journal.path !== null) {
    const opened = Journal.open(config.journal.path, config.journal);
    journal = opened.journal;
    for (const w of opened.warnings) app.log.warn(w);
    const report = restore(registry, opened.entries);
    for (const skipped of report.skipped) app.log.warn({ skipped }, 'journal entry no longer applies');
    app.log.info({ path: journal.path, entries: opened.entries.length, updates: report.updates, agents: report.agents }, 'journal replayed');
    if (journal.sizeBytes > config.journal.compactAtBytes) {
      const before = journal.sizeBytes;
      journal.compact(snapshotEntries(registry));
      app.log.info({ before, after: journal.sizeBytes }, 'journal compacted');
    }
  }
  const pipeline = new UpdatePipeline(registry, hub, metrics, journal);
  const routes: Quoting['routes'] = [];
  app.addHook('onRoute', (r) => {
    // routes hidden from the schema (the quote board's static files) are not part of the API
    if ((r.schema as { hide?: boolean } | undefined)?.hide === true) return;
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  app.decorate('quoting', { routes, registry, hub, metrics, pipeline, journal });

  // registered before any hook of ours, so its own hooks (which free refused upgrades) run first
  await app.register(websocket, {
    options: { maxPayload: config.limits.maxWsMessageBytes },
    preClose(done) {
      for (const c of hub.clients) c.socket.close(GOING_AWAY, 'server shutting down');
      this.websocketServer.close();
      done();
    },
  });

  // JSON only: every other body is a 415, not a string for the schemas to puzzle over
  app.removeContentTypeParser('text/plain');

  let closing = false;
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id).headers(SECURITY_HEADERS);
    done();
  });
  installAuth(app, config.auth);
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = errorResponse(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    else req.log.debug({ code: body.error.code, message: body.error.message }, 'request rejected');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = errorResponse(new ROUTE_NOT_FOUND(req.method, req.url.split('?')[0]));
    return reply.code(status).send(body);
  });

  const heartbeat = setInterval(() => hub.heartbeat(), config.heartbeatMs);
  heartbeat.unref();
  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    hub.close();
    journal?.close();
  });

  await app.register(opsRoutes, { metrics, isReady: () => !closing });
  await app.register(agentRoutes, { registry, pipeline, hub, metrics, now });
  await app.register(updateRoutes, { pipeline, maxBatch: config.limits.maxBatch, now });
  await app.register(readRoutes, { registry });
  await app.register(streamRoutes, {
    registry, hub,
    maxSubscriptions: config.limits.maxSubscriptionsPerConnection,
    maxClients: config.limits.maxWsClients,
  });
  await app.register(journalRoutes, { registry, journal });
  if (uiEnabled(config)) {
    const root = uiRoot();
    if (root !== null) await app.register(uiRoutes, { root });
    else app.log.warn('the quote board (/ui/) is not built: run npm run build');
  }
  return app;
}
