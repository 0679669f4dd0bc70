/**
 * The service as one Fastify app. `buildApp` never listens: `server.ts`
 * starts it, and the tests and benchmarks build the same app.
 */
import { randomUUID } from 'node:crypto';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Ledger } from '../ledger/ledger.js';
import { installAuth } from './auth.js';
import { installBrowserGuard, requireJsonWrites } from './browser-guard.js';
import { uiEnabled, type ServiceConfig } from './config.js';
import { errorResponse, ROUTE_NOT_FOUND } from './errors.js';
import { ServiceMetrics } from './metrics.js';
import { QuoteHub } from './quote-hub.js';
import { openLedger } from './open-ledger.js';
import { AgentRegistry } from './registry.js';
import { agentRoutes } from './routes/agents.js';
import { ledgerRoutes } from './routes/ledger.js';
import { opsRoutes } from './routes/ops.js';
import { readRoutes } from './routes/reads.js';
import { riskRoutes } from './routes/risk.js';
import { streamRoutes } from './routes/stream.js';
import { uiRoot, uiRoutes } from './routes/ui.js';
import { updateRoutes } from './routes/updates.js';
import { UpdatePipeline } from './update-pipeline.js';
import { warmUp } from './warm-up.js';

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
  ledger: Ledger | null;
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
    // a client that holds a connection without finishing is cut off (408 for slow headers and trickled bodies)
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.connectionTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    // Node checks those two deadlines every connectionsCheckingInterval (30 s by default): once a second here
    http: { headersTimeout: config.http.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
  });
  // connections past this are closed by Node as soon as they are accepted
  app.server.maxConnections = config.http.maxConnections;

  const registry = new AgentRegistry(config.limits.maxAgents, config.limits.maxTotalSymbols);
  const hub = new QuoteHub({
    highWaterBytes: config.limits.wsHighWaterBytes,
    maxQueueBytes: config.limits.wsMaxQueueBytes,
    invalidPerSecond: config.limits.wsInvalidMessagesPerSecond,
    onConflate: () => metrics.conflated.inc(),
    onKick: (reason) => metrics.wsClosed.inc({ reason }),
  });
  const metrics = new ServiceMetrics(config.processBudgetSeconds, config.latencyWindow, {
    agents: () => registry.all(),
    halted: () => registry.halted,
    wsClients: () => hub.clients.size,
    wsSubscriptions: () => hub.subscriptionCount,
  });
  for (const [id, agentConfig] of Object.entries(config.agents)) registry.create(id, agentConfig);

  const ledger = openLedger(config.ledger, registry, app.log, Object.keys(config.agents));
  const pipeline = new UpdatePipeline(
    registry, hub, metrics, ledger,
    { everyEntries: config.ledger.snapshotEveryEntries, intervalMs: config.ledger.snapshotIntervalMs, configured: Object.keys(config.agents) },
    (message) => app.log.warn(message),
  );
  // scratch agents take the JIT through every update type (no real state touched); synchronous and
  // before any route is registered, so /readyz cannot answer ready before it is done
  const warm = warmUp(Array.from(registry.all(), (a) => a.config), metrics.scratch());
  app.log.info(warm, 'hot path warmed up');
  const routes: Quoting['routes'] = [];
  app.addHook('onRoute', (r) => {
    // routes hidden from the schema (the quote board's static files) are not part of the API
    if ((r.schema as { hide?: boolean } | undefined)?.hide === true) return;
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  app.decorate('quoting', { routes, registry, hub, metrics, pipeline, ledger });

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
  installBrowserGuard(app, config.http.allowedHosts);
  installAuth(app, config.auth);
  requireJsonWrites(app);
  // On close, connections still open after the grace period (a WebSocket that never reads the close frame,
  // a request whose headers never end) are destroyed, so that the server closes whatever its clients do.
  let grace: NodeJS.Timeout | null = null;
  app.addHook('preClose', async () => {
    closing = true;
    grace = setTimeout(() => {
      for (const c of [...hub.clients]) {
        c.socket.terminate();
        hub.remove(c);
      }
      app.server.closeAllConnections();
    }, config.http.shutdownGraceMs);
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
    if (grace !== null) clearTimeout(grace);
    clearInterval(heartbeat);
    hub.close();
    metrics.close();
    // what is queued is committed and applied, a last snapshot written, the ledger closed (idempotent)
    await pipeline.close();
  });

  await app.register(opsRoutes, { metrics, isReady: () => !closing, isHalted: () => registry.halted });
  await app.register(agentRoutes, { registry, pipeline, hub, metrics, now });
  await app.register(updateRoutes, { pipeline, maxBatch: config.limits.maxBatch, now });
  await app.register(riskRoutes, { registry, pipeline, hub, now });
  await app.register(readRoutes, { registry });
  await app.register(streamRoutes, {
    registry, hub,
    maxSubscriptions: config.limits.maxSubscriptionsPerConnection,
    maxClients: config.limits.maxWsClients,
  });
  await app.register(ledgerRoutes, { pipeline });
  if (uiEnabled(config)) {
    const root = uiRoot();
    if (root !== null) await app.register(uiRoutes, { root });
    else app.log.warn('the quote board (/ui/) is not built: run npm run build');
  }
  return app;
}
