/**
 * Entry point of a gateway (`npm run gateway`): cluster mode only (NATS_URL is
 * required); the same configuration as the quoting service for http, auth,
 * limits and heartbeat; shuts down like it on SIGTERM/SIGINT.
 */
import closeWithGrace from 'close-with-grace';
import { loadConfigsOrExit } from './cluster/cluster-config.js';
import { buildGateway } from './cluster/gateway-app.js';
import { createLogger } from './service/app.js';
import { listenHost } from './service/config.js';

async function main(): Promise<void> {
  const { config, cluster } = loadConfigsOrExit(true);
  if (cluster === null) return;
  const logger = createLogger(config.logLevel);
  const app = await buildGateway({ config, cluster, logger });
  closeWithGrace({ delay: config.http.shutdownGraceMs + 2_000, logger: false }, async ({ signal, err }) => {
    if (err) app.log.fatal({ err }, 'uncaught error: shutting down');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    logger.flush();
  });
  const { host, warning } = listenHost(config);
  if (warning) app.log.warn(warning);
  await app.listen({ port: config.port, host });
  app.log.info({ instance: cluster.instanceId }, 'gateway ready');
}

main().catch((err: unknown) => {
  process.stderr.write(`failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
