/**
 * Entry point: load and validate the configuration, build the app, listen,
 * and shut down cleanly on SIGTERM/SIGINT (stop accepting, close WebSockets
 * with 1001, destroy what is still connected after http.shutdownGraceMs,
 * commit what is queued and close the ledger, flush the log, exit 0). close-with-grace also handles an
 * uncaught exception or unhandled rejection (the same close, then exit 1), a
 * second signal (exit 1 at once), and a close that takes longer than the grace
 * period + 2 s (exit 1).
 */
import closeWithGrace from 'close-with-grace';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger, quotingApp, serverOptions } from './service/app.js';
import { ConfigError, listenHost, loadServiceConfig } from './service/config.js';
import { LedgerCorruptError, LedgerUnavailableError } from './ledger/ledger.js';
import { memoryBudget } from './service/memory-budget.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadServiceConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  const logger = createLogger(config.logLevel);
  const app: FastifyInstance = Fastify(serverOptions(config, logger));
  try {
    await app.register(quotingApp, { config });
  } catch (err) {
    // a ledger that cannot be read exactly or opened stops the start with what and where, without a stack
    if (err instanceof LedgerCorruptError || err instanceof LedgerUnavailableError) {
      logger.fatal(err.message);
      logger.flush();
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // the backstop: whatever happens during the close, the process is gone this long after the signal
  const deadlineMs = config.http.shutdownGraceMs + 2_000;
  closeWithGrace({
    delay: deadlineMs,
    logger: false,
    onSecondSignal: (signal) => {
      app.log.warn({ signal }, 'second signal: exiting now');
      logger.flush();
    },
    onSecondError: (err) => {
      app.log.error({ err }, 'second error while shutting down: exiting now');
      logger.flush();
    },
    onTimeout: (delay) => {
      app.log.error({ delay }, 'shutdown took too long: exiting now');
      logger.flush();
    },
  }, async ({ signal, err }) => {
    if (err) app.log.fatal({ err }, 'uncaught error: shutting down');
    else app.log.info({ signal }, 'shutting down');
    try {
      // app.close() runs the onClose hooks: what is queued is committed, a last snapshot written, the ledger closed
      await app.close();
      app.log.info('stopped');
    } finally {
      logger.flush();
    }
  });

  const { host, warning } = listenHost(config);
  if (warning) app.log.warn(warning);
  if (!['127.0.0.1', '::1', 'localhost'].includes(host) && config.http.allowedHosts.every((h) => ['localhost', '127.0.0.1', '::1'].includes(h))) {
    app.log.warn({ host, allowedHosts: config.http.allowedHosts }, 'listening beyond loopback, but only loopback host names are served: set ALLOWED_HOSTS to the names clients use');
  }
  await app.listen({ port: config.port, host });
  // the most memory these limits let clients make the service hold (docs/operations.md)
  const memoryBudgetMiB = Math.round(memoryBudget(config).total / 1_048_576);
  app.log.info({ agents: Object.keys(config.agents), memoryBudgetMiB }, 'quoting service ready');
}

main().catch((err: unknown) => {
  process.stderr.write(`failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
