/**
 * The hot path of one update: registry lookup → timed ledger append (fills, positions) → timed
 * `process()` → publish → result.
 * Used by the single-update routes and the batch route alike.
 */
import { performance } from 'node:perf_hooks';
import { AgentError } from '../agent/errors.js';
import { DECISIONS, type ProcessResult } from '../agent/quote.js';
import type { Update } from '../agent/updates.js';
import type { Journal, JournalEntry } from '../journal/journal.js';
import { JOURNAL_UNAVAILABLE } from './errors.js';
import type { AgentMetrics, ServiceMetrics } from './metrics.js';
import type { QuoteHub } from './quote-hub.js';
import type { AgentRegistry } from './registry.js';

export class UpdatePipeline {
  /** the result of the latest apply(), written in place by process() */
  private readonly result: ProcessResult = { symbol: '', outcome: 'no-quote', quote: null, decision: DECISIONS.noMid, breach: false, withdrawn: false };

  constructor(
    private readonly registry: AgentRegistry,
    private readonly hub: QuoteHub,
    private readonly metrics: ServiceMetrics,
    private readonly journal: Journal | null,
  ) {}

  /** Writes an entry ahead of the change it records; a failure refuses the change. */
  record(entry: JournalEntry): void {
    if (this.journal === null) return;
    try {
      this.journal.append(entry);
    } catch (err) {
      throw new JOURNAL_UNAVAILABLE((err as Error).message);
    }
  }

  /** The agent, or AGENT_NOT_FOUND. */
  agent(agentId: string) {
    return this.registry.get(agentId);
  }

  /**
   * Journals (fills and positions), applies and publishes one update. Two timers, each
   * performance.now() before and after: the ledger append alone (mm_ledger_append_duration_seconds)
   * and `process()` alone, from entry to return or throw (mm_process_duration_seconds): every call
   * is timed and counted. The result is the pipeline's own object, reused by the next call: read
   * it before applying another update.
   */
  apply(agentId: string, update: Update): ProcessResult {
    const agent = this.registry.get(agentId);
    const m = this.metrics.forAgent(agentId);
    let started = NaN;
    try {
      // fills and positions are the ground truth of inventory: journaled before they are applied
      if (this.journal !== null && (update.type === 'fill' || update.type === 'position') && agent.check(update) === 'apply') {
        const t0 = performance.now();
        this.record({ t: 'update', agent: agentId, u: update });
        m.ledgerAppended(t0, performance.now());
      }
      started = performance.now();
      agent.process(update, this.result);
      m.timed(started, performance.now());
    } catch (err) {
      if (started === started) m.timed(started, performance.now());
      m.rejected(update.type, err instanceof AgentError ? err.code : ((err as { code?: string }).code ?? 'INTERNAL'));
      throw err;
    }
    m.applied(update.type);
    this.publishOne(agentId, m, this.result);
    return this.result;
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
    } else if (r.withdrawn) {
      this.hub.publishWithdrawal(agentId, r.symbol, r.decision.reason);
    }
  }
}
