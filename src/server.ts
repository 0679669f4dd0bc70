/**
 * Entry point: load and validate the configuration, build the app, listen,
 * and shut down cleanly on SIGTERM/SIGINT (stop accepting, close WebSockets
 * with 1001, flush the log, exit 0).
 */
import { buildApp, createLogger } from './service/app.js';
import { ConfigError, listenHost, loadServiceConfig } from './service/config.js';

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
  const app = await buildApp({ config, logger });
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
