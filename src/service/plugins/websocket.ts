/**
 * `app.hub`: the quote hub that fans quotes out to WebSocket clients, with
 * @fastify/websocket under it. Heartbeat pings every heartbeatMs; on close,
 * every client gets 1001 and the hub's timers stop.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServiceConfig } from '../config.js';
import { QuoteHub } from '../quote-hub.js';

declare module 'fastify' {
  interface FastifyInstance {
    hub: QuoteHub;
  }
}

/** WebSocket close code for "going away" (RFC 6455 §7.4.1) */
const GOING_AWAY = 1001;

async function websocketPlugin(app: FastifyInstance, opts: { config: ServiceConfig }): Promise<void> {
  const { limits, heartbeatMs } = opts.config;
  const hub = new QuoteHub({
    highWaterBytes: limits.wsHighWaterBytes,
    maxQueueBytes: limits.wsMaxQueueBytes,
    invalidPerSecond: limits.wsInvalidMessagesPerSecond,
    onConflate: () => app.metrics.conflated.inc(),
    onKick: (reason) => app.metrics.wsClosed.inc({ reason }),
  });
  app.decorate('hub', hub);
  // registered before any hook of the app, so its own hooks (which free refused upgrades) run first
  await app.register(websocket, {
    options: { maxPayload: limits.maxWsMessageBytes },
    preClose(done) {
      for (const c of hub.clients) c.socket.close(GOING_AWAY, 'server shutting down');
      this.websocketServer.close();
      done();
    },
  });
  const heartbeat = setInterval(() => hub.heartbeat(), heartbeatMs);
  heartbeat.unref();
  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    hub.close();
  });
}

export default fp(websocketPlugin, { name: 'websocket', dependencies: ['metrics'] });
