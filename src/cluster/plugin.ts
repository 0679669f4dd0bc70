/**
 * `app.cluster`: cluster mode's node (only registered with NATS_URL). Connects
 * to NATS, gives the hub its relay, installs the forwarding of requests for
 * agents owned elsewhere; the ledger plugin then opens no SQLite ledger and
 * the quoting plugin takes `app.cluster.ledger` and starts owning agents once
 * the app is ready (cluster-node.ts).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ClusterConfig } from './cluster-config.js';
import { ClusterNode } from './cluster-node.js';

declare module 'fastify' {
  interface FastifyInstance {
    cluster?: ClusterNode;
  }
}

async function clusterPlugin(app: FastifyInstance, opts: { cluster: ClusterConfig }): Promise<void> {
  const node = await ClusterNode.start(opts.cluster, app.log);
  app.decorate('cluster', node);
  app.hub.relay = node.relay;
  node.installForwarding(app);
}

export default fp(clusterPlugin, { name: 'cluster', dependencies: ['websocket'] });
