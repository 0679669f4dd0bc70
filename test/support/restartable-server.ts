/**
 * The real app on a loopback port that stays the same across restarts, with
 * the same ledger: a service restart as a client sees it.
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/service/app.js';
import { parseServiceConfig, type ServiceConfigInput } from '../../src/service/config.js';
import { tempLedger } from './server.js';

export interface RestartableServer {
  url: string;
  port: number;
  app: () => FastifyInstance | null;
  /** closes the app (WebSockets get 1001) */
  stop: () => Promise<void>;
  /** listens again on the same port, ledger replayed; `change` alters the configuration from then on */
  start: (change?: ServiceConfigInput) => Promise<void>;
}

export async function restartableServer(config: ServiceConfigInput = {}): Promise<RestartableServer> {
  let input: ServiceConfigInput = { port: 0, ledger: { path: tempLedger(), importJournal: null }, ...config };
  let app: FastifyInstance | null = null;
  let port = 0;
  const start = async (change: ServiceConfigInput = {}) => {
    input = { ...input, ...change };
    const a = await buildApp({ config: parseServiceConfig(input), logger: pino({ level: 'silent' }) });
    await a.listen({ port, host: '127.0.0.1' });
    port = (a.server.address() as { port: number }).port;
    app = a;
  };
  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    port,
    app: () => app,
    stop: async () => {
      const a = app;
      app = null;
      await a?.close();
    },
    start,
  };
}
