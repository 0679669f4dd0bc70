/**
 * One update applied to its agent: room checked (market data), `process()`
 * timed alone, from entry to return or throw (mm_process_duration_seconds:
 * every call is timed and counted), the result published, counted.
 */
import { performance } from 'node:perf_hooks';
import type { MarketMakerAgent, ProcessResult, Update } from '../../agent/index.js';
import type { AgentMetrics, ServiceMetrics } from '../metrics.js';
import type { QuoteHub } from '../quote-hub.js';
import type { Admission } from './admission.js';

/** The stable code of an error a command met (AgentError and the service's errors both carry one). */
export const codeOf = (err: unknown): string => (err as { code?: string }).code ?? 'INTERNAL';

export class Processor {
  constructor(private readonly metrics: ServiceMetrics, private readonly hub: QuoteHub, private readonly admission: Admission) {}

  /**
   * process() alone is timed, from entry to return or throw. Each call gets its own result
   * object: a group's results are read by their callers only after the whole group has run.
   */
  apply(agent: MarketMakerAgent, update: Update, committed: boolean): ProcessResult {
    const m = this.metrics.forAgent(agent.id);
    if (!committed) {
      try {
        // market data (and anything without a ledger): room counted with the slots queued facts hold
        this.admission.assertRoom(agent, update.symbol);
      } catch (err) {
        m.rejected(update.type, codeOf(err));
        throw err;
      }
    }
    const started = performance.now();
    let r: ProcessResult;
    try {
      r = agent.process(update, undefined, committed);
    } catch (err) {
      m.timed(started, performance.now());
      m.rejected(update.type, codeOf(err));
      throw err;
    }
    m.timed(started, performance.now());
    m.applied(update.type);
    this.publishOne(agent.id, m, r);
    return r;
  }

  /** Publishes the results of requotes made outside `process()` (resume, reconfiguration). */
  publish(agentId: string, results: readonly ProcessResult[]): void {
    const m = this.metrics.forAgent(agentId);
    for (const r of results) this.publishOne(agentId, m, r);
  }

  private publishOne(agentId: string, m: AgentMetrics, r: ProcessResult): void {
    if (r.outcome === 'quoted') {
      this.hub.publishQuote(agentId, r.quote!);
      m.quotePublished();
    } else if (r.outcome === 'unchanged') {
      m.requoteSuppressed();
    } else if (r.withdrawn) {
      this.hub.publishWithdrawal(agentId, r.symbol, r.decision.reason);
    }
    // an agent-wide breach withdrew the agent's other quotes too
    const hold = r.risk?.breach?.hold;
    if (hold !== undefined) for (const s of r.risk!.withdrawn) this.hub.publishWithdrawal(agentId, s, hold.reason);
  }
}
