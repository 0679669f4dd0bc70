/** Rebuilds the registry from journal entries at start-up, and turns the registry back into a compact journal. */
import { AgentError } from '../agent/errors.js';
import { MarketMakerAgent } from '../agent/market-maker-agent.js';
import type { JournalEntry } from '../journal/journal.js';
import type { AgentRegistry } from './registry.js';

export interface RecoveryReport {
  agents: number;
  updates: number;
  /** entries that no longer apply, e.g. an update for an agent deleted later; with the reason */
  skipped: string[];
}

export function restore(registry: AgentRegistry, entries: readonly JournalEntry[]): RecoveryReport {
  const report: RecoveryReport = { agents: 0, updates: 0, skipped: [] };
  const agentOf = (id: string, what: string) => {
    if (registry.has(id)) return registry.get(id);
    report.skipped.push(`${what}: agent ${id} does not exist`);
    return undefined;
  };
  for (const e of entries) {
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

/** The journal that recreates the registry as it is now. */
export function snapshotEntries(registry: AgentRegistry): JournalEntry[] {
  return [...registry.all()].map((a) => ({ t: 'snapshot', agent: a.snapshot() }));
}
