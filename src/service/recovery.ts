/**
 * Start-up: rebuilds the registry from the ledger (its latest snapshot, then
 * the entries after it), importing a journal of an earlier version once; and
 * the state the ledger snapshots while running.
 *
 * Replay applies each entry with the functions the live commands run after
 * the entry is committed (quoting/apply.ts), so an entry refused live (a
 * position older than the last, a fill retried in the same instant, an agent
 * already gone) is refused again here and the two cannot differ.
 */
import { AgentError, MarketMakerAgent } from '../agent/index.js';
import { readJournal, type JournalEntry } from '../ledger/journal-file.js';
import type { LedgerEntry, LedgerState, Recovered } from '../ledger/ledger.js';
import { applyChange, applyRisk, applyFact, REPLAY } from './quoting/apply.js';
import type { AgentRegistry } from './registry.js';

export interface RecoveryReport {
  agents: number;
  /** whether a snapshot was read */
  snapshot: boolean;
  entries: number;
  updates: number;
  /** entries that were refused when they were made and are refused again, with the reason */
  skipped: string[];
}

/** Everything a restart must keep; `configured`: the ids of the agents in the service's configuration. */
export function ledgerState(registry: AgentRegistry, configured: readonly string[] = []): LedgerState {
  return { agents: Array.from(registry.all(), (a) => a.snapshot()), configured: [...configured], ...(registry.halted ? { halted: true } : {}) };
}

/**
 * Replaces the registry's agents (those of the configuration) by the ledger's:
 * the snapshot, then every entry after it. An agent of the configuration the
 * snapshot has never heard of is new and stays.
 */
export function restore(registry: AgentRegistry, recovered: Recovered): RecoveryReport {
  const report: RecoveryReport = { agents: 0, snapshot: recovered.state !== null, entries: 0, updates: 0, skipped: [] };
  const { state } = recovered;
  if (state !== null) {
    registry.restoreHalted(state.halted === true);
    const known = new Set([...state.agents.map((a) => a.id), ...(state.configured ?? [])]);
    for (const a of [...registry.all()]) if (known.has(a.id)) registry.delete(a.id);
    for (const snap of state.agents) registry.put(MarketMakerAgent.fromSnapshot(snap));
  }
  for (const e of recovered.entries) {
    report.entries++;
    try {
      if (applyEntry(registry, e)) report.updates++;
    } catch (err) {
      // refused now as it was when it was made; anything else is a defect and stops the start
      if (!(err instanceof AgentError) && !isServiceRefusal(err)) throw err;
      report.skipped.push(`${describe(e)}: ${(err as Error).message}`);
    }
  }
  report.agents = registry.size;
  return report;
}

/** One committed entry, through the functions the live commands apply it with (without their effects). True for an update. */
function applyEntry(registry: AgentRegistry, e: LedgerEntry): boolean {
  if (e.t === 'update') {
    applyFact(registry, e, REPLAY);
    return true;
  }
  if (e.t === 'halt' || e.t === 'unhalt' || e.t === 'risk') applyRisk(registry, e, REPLAY);
  else applyChange(registry, e, REPLAY);
  return false;
}

/** The service's own refusals (AGENT_NOT_FOUND, AGENT_EXISTS, AGENT_LIMIT) carry a 4xx status. */
function isServiceRefusal(err: unknown): boolean {
  const status = (err as { statusCode?: number } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function describe(e: LedgerEntry): string {
  if (e.t === 'update') return `${e.u.type} ${e.u.symbol} for ${e.agent}`;
  return e.t === 'halt' || e.t === 'unhalt' ? e.t : `${e.t} ${e.id}`;
}

/**
 * The state a journal of an earlier version leads to, with its rules: an
 * `agent` entry creates or reconfigures, a `snapshot` replaces the agent, an
 * entry for an agent that no longer exists is left out (and reported).
 */
export function importJournal(registry: AgentRegistry, path: string, warn: (message: string) => void): RecoveryReport {
  const report: RecoveryReport = { agents: 0, snapshot: false, entries: 0, updates: 0, skipped: [] };
  const agentOf = (id: string, what: string) => {
    if (registry.has(id)) return registry.get(id);
    report.skipped.push(`${what}: agent ${id} does not exist`);
    return undefined;
  };
  for (const e of readJournal(path, warn) as Iterable<JournalEntry>) {
    report.entries++;
    switch (e.t) {
      case 'agent':
        if (registry.has(e.id)) registry.get(e.id).reconfigure(e.config);
        else registry.create(e.id, e.config);
        break;
      case 'snapshot':
        registry.put(MarketMakerAgent.fromSnapshot(e.agent));
        break;
      case 'delete':
        if (registry.has(e.id)) registry.delete(e.id);
        break;
      case 'pause': {
        const a = agentOf(e.id, 'pause');
        if (a && e.symbol !== undefined) a.track(e.symbol);
        a?.pause(e.symbol);
        break;
      }
      case 'resume':
        agentOf(e.id, 'resume')?.resume(0, e.symbol);
        break;
      case 'update': {
        const a = agentOf(e.agent, `${e.u.type} ${e.u.symbol}`);
        if (!a) break;
        try {
          a.replay(e.u);
          report.updates++;
        } catch (err) {
          if (!(err instanceof AgentError)) throw err;
          report.skipped.push(`${e.u.type} ${e.u.symbol} for ${e.agent}: ${err.message}`);
        }
        break;
      }
    }
  }
  report.agents = registry.size;
  return report;
}
