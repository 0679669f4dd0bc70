/**
 * The service as one Fastify plugin, `quotingApp`: the cross-cutting plugins
 * (metrics, websocket, ledger, auth: one decorator each), the quoting service
 * (`app.quoting`, every command), the request hooks, one error handler, then
 * the routes. `server.ts` registers it on a Fastify built with
 * `serverOptions(config)` and listens; `buildApp` does the same without
 * listening, for the tests and the benchmarks.
 */
import { randomUUID } from 'node:crypto';
import type { ClusterConfig } from '../cluster/cluster-config.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { pino, type Logger } from 'pino';
import { installBrowserGuard, requireJsonWrites } from './browser-guard.js';
import { uiEnabled, type ServiceConfig } from './config.js';
import { errorResponse } from './errors.js';
import { installMethodNotAllowed } from './method-not-allowed.js';
import { passValidator } from './route-schemas.js';
import { lazyRequestLogger } from './request-logger.js';
import auth from './plugins/auth.js';
import ledger from './plugins/ledger.js';
import metrics from './plugins/metrics.js';
import websocket from './plugins/websocket.js';
import quoting from './quoting/plugin.js';
import { agentRoutes } from './routes/agents.js';
import { ledgerRoutes } from './routes/ledger.js';
import { opsRoutes } from './routes/ops.js';
import { readRoutes } from './routes/reads.js';
import { riskRoutes } from './routes/risk.js';
import { streamRoutes } from './routes/stream.js';
import { uiRoot, uiRoutes } from './routes/ui.js';
import { updateRoutes } from './routes/updates.js';

export interface AppOptions {
  config: ServiceConfig;
  /** the clock for updates without a time of their own, Unix ms */
  now?: () => number;
  /** cluster mode (NATS_URL, docs/scaling.md); null or absent: the single process, and nothing of NATS is loaded */
  cluster?: ClusterConfig | null;
}

export interface BuildOptions extends AppOptions {
  /** by default pino at config.logLevel, one JSON line per event, pretty on a TTY */
  logger?: Logger;
}

/** The API returns JSON only; nothing in it is to be framed, sniffed, run or cached. */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function createLogger(level: string): Logger {
  return process.stdout.isTTY ? pino({ level, transport: { target: 'pino-pretty' } }) : pino({ level });
}

/** What the Fastify instance itself takes from the configuration: bounds on bodies, timeouts, request ids. */
export function serverOptions(config: ServiceConfig, logger: FastifyBaseLogger): FastifyServerOptions {
  const bootId = randomUUID().slice(0, 8);
  let requests = 0;
  return {
    loggerInstance: logger,
    // a line per request would sit in the per-update hot path; rejections are logged at debug by the error handler
    logController: new LogController({ disableRequestLogging: true }),
    // req.log becomes a pino child only when the request logs something
    childLoggerFactory: lazyRequestLogger,
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
  } as FastifyServerOptions;
}

/** The app (never listens). Registered without encapsulation, so its decorators are the instance's. */
async function app(app: FastifyInstance, opts: AppOptions): Promise<void> {
  const { config } = opts;
  // connections past this are closed by Node as soon as they are accepted
  app.server.maxConnections = config.http.maxConnections;
  // first: it records every route as it is registered (the WebSocket plugin's own hooks see them after)
  installMethodNotAllowed(app);
  // the routes parse their input with zod (route-schemas.ts); the JSON Schemas on them describe it
  app.setValidatorCompiler(passValidator);

  await app.register(metrics, { config });
  await app.register(websocket, { config });
  if (opts.cluster) await app.register((await import('../cluster/plugin.js')).default, { cluster: opts.cluster });
  await app.register(ledger, { config });
  await app.register(quoting, { config, ...(opts.now ? { now: opts.now } : {}) });

  // JSON only: every other body is a 415, not a string for the schemas to puzzle over
  app.removeContentTypeParser('text/plain');
  let closing = false;
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id).headers(SECURITY_HEADERS);
    done();
  });
  installBrowserGuard(app, config.http.allowedHosts);
  await app.register(auth, config.auth);
  requireJsonWrites(app);
  // On close, connections still open after the grace period (a WebSocket that never reads the close frame,
  // a request whose headers never end) are destroyed, so that the server closes whatever its clients do.
  let grace: NodeJS.Timeout | null = null;
  app.addHook('preClose', async () => {
    closing = true;
    grace = setTimeout(() => {
      for (const c of [...app.hub.clients]) {
        c.socket.terminate();
        app.hub.remove(c);
      }
      app.server.closeAllConnections();
    }, config.http.shutdownGraceMs);
  });
  app.addHook('onClose', async () => {
    if (grace !== null) clearTimeout(grace);
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = errorResponse(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    else req.log.debug({ code: body.error.code, message: body.error.message }, 'request rejected');
    return reply.code(status).send(body);
  });

  await app.register(opsRoutes, { isReady: () => !closing, isHalted: () => app.quoting.registry.halted });
  await app.register(agentRoutes);
  await app.register(updateRoutes, { maxBatch: config.limits.maxBatch });
  await app.register(riskRoutes);
  await app.register(readRoutes);
  await app.register(streamRoutes, { maxSubscriptions: config.limits.maxSubscriptionsPerConnection, maxClients: config.limits.maxWsClients });
  await app.register(ledgerRoutes);
  if (uiEnabled(config)) {
    const root = uiRoot();
    if (root !== null) await app.register(uiRoutes, { root });
    else app.log.warn('the quote board (/ui/) is not built: run npm run build');
  }
}

export const quotingApp = fp(app, { name: 'quoting-app' });

/** A Fastify instance with the app registered and loaded, not listening. */
export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const instance = Fastify(serverOptions(opts.config, opts.logger ?? createLogger(opts.config.logLevel)));
  await instance.register(quotingApp, { config: opts.config, ...(opts.now ? { now: opts.now } : {}), ...(opts.cluster ? { cluster: opts.cluster } : {}) });
  return instance;
}
