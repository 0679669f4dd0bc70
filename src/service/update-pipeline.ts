/**
 * The hot path of one update: registry lookup → timed `process()` → publish → result.
 * Used by the single-update routes and the batch route alike.
 */
import { performance } from 'node:perf_hooks';
import { AgentError } from '../agent/errors.js';
import type { ProcessResult } from '../agent/quote.js';
import type { Update } from '../agent/updates.js';
import type { Journal, JournalEntry } from '../journal/journal.js';
import { JOURNAL_UNAVAILABLE } from './errors.js';
import type { AgentMetrics, ServiceMetrics } from './metrics.js';
import type { QuoteHub } from './quote-hub.js';
import type { AgentRegistry } from './registry.js';

export class UpdatePipeline {
  constructor(
    private readonly registry: AgentRegistry,
    private readonly hub: QuoteHub,
    private readonly metrics: ServiceMetrics,
    private readonly journal: Journal | null,
  ) {}

  /** Writes an entry ahead of the change it records; a failure refuses the change. */
  record(entry: JournalEntry): void {
    if (this.journal === null) return;
    const started = performance.now();
    try {
      this.journal.append(entry);
    } catch (err) {
      this.metrics.journalFailures.inc();
      throw new JOURNAL_UNAVAILABLE((err as Error).message);
    }
    this.metrics.journalAppend.observe((performance.now() - started) / 1_000);
  }

  /** The agent, or AGENT_NOT_FOUND. */
  agent(agentId: string) {
    return this.registry.get(agentId);
  }

  apply(agentId: string, update: Update): ProcessResult {
    const agent = this.registry.get(agentId);
    const m = this.metrics.forAgent(agentId);
    const started = performance.now();
    let r: ProcessResult;
    try {
      // fills and positions are the ground truth of inventory: journaled before they are applied
      if (this.journal !== null && (update.type === 'fill' || update.type === 'position') && agent.check(update) === 'apply') {
        this.record({ t: 'update', agent: agentId, u: update });
      }
      r = agent.process(update);
    } catch (err) {
      m.rejected(update.type, err instanceof AgentError ? err.code : ((err as { code?: string }).code ?? 'INTERNAL'));
      throw err;
    }
    m.processed(update.type, (performance.now() - started) / 1_000);
    this.publishOne(agentId, m, r);
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
      m.published.inc();
    } else if (r.withdrawn) {
      this.hub.publishWithdrawal(agentId, r.symbol, r.decision.reason);
    }
  }
}
