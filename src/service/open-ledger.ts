/**
 * Start-up of durability: opens the ledger the configuration names, imports a
 * journal of an earlier version into a new one, and restores the registry.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { SqliteLedger } from '../ledger/sqlite-ledger.js';
import type { ServiceConfig } from './config.js';
import { importJournal, ledgerState, restore } from './recovery.js';
import type { AgentRegistry } from './registry.js';

export function openLedger(config: ServiceConfig['ledger'], registry: AgentRegistry, log: FastifyBaseLogger, configured: readonly string[]): SqliteLedger | null {
  if (config.path === null) {
    log.warn('the ledger is off (LEDGER_PATH=off): fills, positions and agent changes are not durable and are lost at exit');
    return null;
  }
  const started = performance.now();
  const ledger = SqliteLedger.open(config.path, {
    fsync: config.fsync,
    checkpointIntervalMs: config.checkpointIntervalMs,
    fullCheckAtStart: config.fullCheckAtStart,
    onWarning: (message) => log.warn(message),
    onDamage: (message) => log.error(message),
  });
  try {
    const source = config.importJournal === null ? null : resolve(config.importJournal);
    if (source !== null && ledger.isEmpty() && existsSync(source)) {
      const report = importJournal(registry, source, (m) => log.warn(m));
      for (const skipped of report.skipped) log.warn({ skipped }, 'journal entry no longer applies');
      ledger.importSnapshot(ledgerState(registry, configured), source);
      log.info({ from: source, to: ledger.location, entries: report.entries, agents: report.agents }, 'journal imported into the ledger (once; the file is left as it was)');
    } else {
      const report = restore(registry, ledger.replay());
      for (const skipped of report.skipped) log.warn({ skipped }, 'ledger entry refused again, as when it was made');
      log.info({
        path: ledger.location, snapshot: report.snapshot, entries: report.entries, updates: report.updates, agents: report.agents,
        ms: Math.round(performance.now() - started),
      }, 'ledger replayed');
    }
  } catch (err) {
    void ledger.close();
    throw err;
  }
  return ledger;
}
