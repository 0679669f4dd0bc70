/**
 * Start-up of durability: imports a journal of an earlier version into a new
 * ledger, or restores the registry from the ledger (its latest snapshot, then
 * the entries after it, through the same functions as the live commands).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { SqliteLedger } from '../../ledger/sqlite-ledger.js';
import type { ServiceConfig } from '../config.js';
import { importJournal, ledgerState, restore } from '../recovery.js';
import type { AgentRegistry } from '../registry.js';

export function recover(ledger: SqliteLedger, config: ServiceConfig['ledger'], registry: AgentRegistry, log: FastifyBaseLogger, configured: readonly string[]): void {
  const started = performance.now();
  const source = config.importJournal === null ? null : resolve(config.importJournal);
  if (source !== null && ledger.isEmpty() && existsSync(source)) {
    const report = importJournal(registry, source, (m) => log.warn(m));
    for (const skipped of report.skipped) log.warn({ skipped }, 'journal entry no longer applies');
    ledger.importSnapshot(ledgerState(registry, configured), source);
    log.info({ from: source, to: ledger.location, entries: report.entries, agents: report.agents }, 'journal imported into the ledger (once; the file is left as it was)');
    return;
  }
  const report = restore(registry, ledger.replay());
  for (const skipped of report.skipped) log.warn({ skipped }, 'ledger entry refused again, as when it was made');
  log.info({
    path: ledger.location, snapshot: report.snapshot, entries: report.entries, updates: report.updates, agents: report.agents,
    ms: Math.round(performance.now() - started),
  }, 'ledger replayed');
}
