/**
 * A stateless gateway: `/v1/stream` (the quoting service's protocol and code:
 * the same stream route and quote hub, fed by the NATS mirror instead of
 * agents), `/healthz`, `/readyz` and `/metrics`, and nothing else. Any number
 * run behind a load balancer; each subscribes only to the agents its clients
 * asked for.
 */
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import type { Logger } from 'pino';
import { installAuth } from '../service/auth.js';
import { installBrowserGuard } from '../service/browser-guard.js';
import type { ServiceConfig } from '../service/config.js';
import { errorResponse, ROUTE_NOT_FOUND } from '../service/errors.js';
import { ServiceMetrics } from '../service/metrics.js';
import { QuoteHub } from '../service/quote-hub.js';
import { opsRoutes } from '../service/routes/ops.js';
import { streamRoutes } from '../service/routes/stream.js';
import type { ClusterConfig } from './cluster-config.js';
import { connectNats } from './nats.js';
import { QuoteMirror } from './quote-mirror.js';

const GOING_AWAY = 1001;

export interface GatewayOptions {
  /** the service's configuration: its http, auth, limits and heartbeat apply to the gateway alike */
  config: ServiceConfig;
  cluster: ClusterConfig;
  logger: Logger;
}

export async function buildGateway(opts: GatewayOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const loggerInstance: FastifyBaseLogger = opts.logger;
  const app = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_024,
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.connectionTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: { headersTimeout: config.http.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
  });
  app.server.maxConnections = config.http.maxConnections;
  let metrics: ServiceMetrics | null = null;
  const hub = new QuoteHub({
    highWaterBytes: config.limits.wsHighWaterBytes,
    maxQueueBytes: config.limits.wsMaxQueueBytes,
    invalidPerSecond: config.limits.wsInvalidMessagesPerSecond,
    onConflate: () => metrics?.conflated.inc(),
    onKick: (reason) => metrics?.wsClosed.inc({ reason }),
  });
  metrics = new ServiceMetrics(config.processBudgetSeconds, config.latencyWindow, {
    agents: () => [],
    wsClients: () => hub.clients.size,
    wsSubscriptions: () => hub.subscriptionCount,
  });
  const nc = await connectNats(opts.cluster.natsUrl, opts.cluster.natsCreds, `gateway ${opts.cluster.instanceId}`);
  const mirror = await QuoteMirror.open(nc, hub, opts.cluster.replicas, (m) => app.log.warn(m));
  new Counter({
    name: 'mm_gateway_messages_received_total', help: 'Quote and withdrawal messages received from NATS', registers: [metrics.registry],
    collect() {
      this.reset();
      this.inc(mirror.received);
    },
  });

  await app.register(websocket, {
    options: { maxPayload: config.limits.maxWsMessageBytes },
    preClose(done) {
      for (const c of hub.clients) c.socket.close(GOING_AWAY, 'gateway shutting down');
      this.websocketServer.close();
      done();
    },
  });
  installBrowserGuard(app, config.http.allowedHosts);
  installAuth(app, config.auth);
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = errorResponse(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = errorResponse(new ROUTE_NOT_FOUND(req.method, req.url.split('?')[0]));
    return reply.code(status).send(body);
  });
  let closing = false;
  const heartbeat = setInterval(() => hub.heartbeat(), config.heartbeatMs);
  heartbeat.unref();
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    mirror.close();
    hub.close();
    metrics.close();
    await nc.drain().catch(() => nc.close());
  });
  // ready while connected to NATS: a gateway that cannot receive quotes should not be sent clients
  await app.register(opsRoutes, { metrics, isReady: () => !closing && !nc.isClosed() });
  await app.register(streamRoutes, {
    registry: mirror,
    hub,
    maxSubscriptions: config.limits.maxSubscriptionsPerConnection,
    maxClients: config.limits.maxWsClients,
  });
  return app;
}
