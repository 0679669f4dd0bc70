/**
 * `app.ledger`: the ledger the configuration names (null when it is off).
 * Opened here; the quoting service replays it at start and closes it last
 * (after what is queued is committed and a last snapshot written).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SqliteLedger } from '../../ledger/sqlite-ledger.js';
import type { ServiceConfig } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    ledger: SqliteLedger | null;
  }
}

async function ledgerPlugin(app: FastifyInstance, opts: { config: ServiceConfig }): Promise<void> {
  const config = opts.config.ledger;
  if (config.path === null) {
    app.log.warn('the ledger is off (LEDGER_PATH=off): fills, positions and agent changes are not durable and are lost at exit');
    app.decorate('ledger', null);
    return;
  }
  app.decorate('ledger', SqliteLedger.open(config.path, {
    fsync: config.fsync,
    checkpointIntervalMs: config.checkpointIntervalMs,
    fullCheckAtStart: config.fullCheckAtStart,
    onWarning: (message) => app.log.warn(message),
    onDamage: (message) => app.log.error(message),
  }));
}

export default fp(ledgerPlugin, { name: 'ledger' });
