/**
 * Entry point: load and validate the configuration, build the app, listen,
 * and shut down cleanly on SIGTERM/SIGINT (stop accepting, close WebSockets
 * with 1001, flush the log, exit 0).
 */
import { buildApp, createLogger } from './service/app.js';
import { ConfigError, listenHost, loadServiceConfig } from './service/config.js';
import { LedgerCorruptError, LedgerUnavailableError } from './ledger/ledger.js';

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
  let app;
  try {
    app = await buildApp({ config, logger });
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
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => {
        app.log.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'error while shutting down');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const { host, warning } = listenHost(config);
  if (warning) app.log.warn(warning);
  await app.listen({ port: config.port, host });
  app.log.info({ agents: Object.keys(config.agents) }, 'quoting service ready');
}

main().catch((err: unknown) => {
  process.stderr.write(`failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
