/**
 * A stateless gateway: `/v1/stream` (the quoting service's protocol and code:
 * the same metrics, websocket and auth plugins, the same stream route and
 * quote hub, fed by the NATS mirror instead of agents), `/healthz`, `/readyz`
 * and `/metrics`, and nothing else. Any number run behind a load balancer;
 * each follows only the agents its clients asked for.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import { serverOptions } from '../service/app.js';
import { installBrowserGuard } from '../service/browser-guard.js';
import type { ServiceConfig } from '../service/config.js';
import { errorResponse, ROUTE_NOT_FOUND } from '../service/errors.js';
import auth from '../service/plugins/auth.js';
import metrics from '../service/plugins/metrics.js';
import websocket from '../service/plugins/websocket.js';
import { opsRoutes } from '../service/routes/ops.js';
import { streamRoutes } from '../service/routes/stream.js';
import type { ClusterConfig } from './cluster-config.js';
import { connectNats } from './nats.js';
import { QuoteMirror } from './quote-mirror.js';

export interface GatewayOptions {
  /** the service's configuration: its http, auth, limits and heartbeat apply to the gateway alike */
  config: ServiceConfig;
  cluster: ClusterConfig;
  logger: FastifyBaseLogger;
}

export async function buildGateway(opts: GatewayOptions): Promise<FastifyInstance> {
  const { config } = opts;
  // the same bounds on connections and timeouts as the service; no request body is accepted beyond 1 KiB
  const app = Fastify({ ...serverOptions(config, opts.logger), bodyLimit: 1_024 });
  app.server.maxConnections = config.http.maxConnections;
  await app.register(metrics, { config });
  await app.register(websocket, { config });
  const nc = await connectNats(opts.cluster.natsUrl, opts.cluster.natsCreds, `gateway ${opts.cluster.instanceId}`);
  const mirror = await QuoteMirror.open(nc, app.hub, opts.cluster.replicas, (m) => app.log.warn(m));
  new Counter({
    name: 'mm_gateway_messages_received_total', help: 'Quote and withdrawal messages received from NATS', registers: [app.metrics.registry],
    collect() {
      this.reset();
      this.inc(mirror.received);
    },
  });
  installBrowserGuard(app, config.http.allowedHosts);
  await app.register(auth, config.auth);
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
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onClose', async () => {
    mirror.close();
    await nc.drain().catch(() => nc.close());
  });
  // ready while connected to NATS: a gateway that cannot receive quotes should not be sent clients
  await app.register(opsRoutes, { isReady: () => !closing && !nc.isClosed() });
  await app.register(streamRoutes, { sources: mirror, maxSubscriptions: config.limits.maxSubscriptionsPerConnection, maxClients: config.limits.maxWsClients });
  return app;
}
