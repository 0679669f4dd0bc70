/**
 * Prometheus metrics on a registry of the app's own (not prom-client's
 * global one), so that several apps can live in one process. Hot-path
 * metrics are bound to their labels once per agent; per-symbol gauges are
 * filled at scrape time from the agents instead of on every update.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MarketMakerAgent } from '../agent/market-maker-agent.js';
import type { UpdateType } from '../agent/updates.js';
import { LatencyWindow } from './latency-window.js';

/** 1 µs … 1 ms, fine around the 300 µs budget */
export const PROCESS_BUCKETS = [1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 3e-4, 5e-4, 1e-3];
/** 10 µs (a write(2) to the page cache) … 0.5 s (an fdatasync on a busy disk) */
const JOURNAL_BUCKETS = [1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5];
const STATUSES = ['idle', 'processing', 'paused', 'error'] as const;
const UPDATE_TYPES: readonly UpdateType[] = ['mid', 'volatility', 'position', 'fill'];

type Inc = { inc(value?: number): void };

export interface MetricsSources {
  agents: () => Iterable<MarketMakerAgent>;
  wsClients: () => number;
  wsSubscriptions: () => number;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly processDuration: Histogram<'agent'>;
  private readonly budgetExceeded: Counter<'agent'>;
  private readonly updates: Counter<'agent' | 'type'>;
  private readonly rejected: Counter<'agent' | 'type' | 'reason'>;
  private readonly quotesPublished: Counter<'agent'>;
  readonly conflated: Counter;
  /** one journal append (write, and fdatasync under fsync "always"); failures are refused updates (503 JOURNAL_UNAVAILABLE) */
  readonly journalAppend: Histogram;
  readonly journalFailures: Counter;
  private readonly perAgent = new Map<string, AgentMetrics>();

  constructor(private readonly budgetSeconds: number, private readonly window: number, sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // prom-client names three gauges `*_total`, which promtool rejects as counters' suffix;
    // the same counts stay available, by type, as nodejs_active_handles and nodejs_active_requests
    for (const m of this.registry.getMetricsAsArray()) {
      const { name, type } = m as unknown as { name: string; type: string };
      if (type === 'gauge' && name.endsWith('_total')) this.registry.removeSingleMetric(name);
    }
    this.processDuration = new Histogram({
      name: 'mm_process_duration_seconds', help: 'Wall time of one MarketMakerAgent.process() call',
      labelNames: ['agent'], buckets: PROCESS_BUCKETS, registers,
    });
    const perAgent = this.perAgent;
    new Gauge({
      name: 'mm_process_duration_p99_seconds', help: 'p99 of process() wall time over the last latencyWindow updates',
      labelNames: ['agent'], registers,
      collect() {
        this.reset();
        for (const [agent, m] of perAgent) {
          const p99 = m.window.quantile(0.99);
          if (!Number.isNaN(p99)) this.set({ agent }, p99);
        }
      },
    });
    new Gauge({ name: 'mm_process_budget_seconds', help: 'Latency budget of one process() call', registers }).set(budgetSeconds);
    this.budgetExceeded = new Counter({ name: 'mm_process_budget_exceeded_total', help: 'process() calls over the budget', labelNames: ['agent'], registers });
    this.updates = new Counter({ name: 'mm_updates_total', help: 'Updates applied, by type', labelNames: ['agent', 'type'], registers });
    this.rejected = new Counter({ name: 'mm_updates_rejected_total', help: 'Updates rejected, by type and reason', labelNames: ['agent', 'type', 'reason'], registers });
    this.quotesPublished = new Counter({ name: 'mm_quotes_published_total', help: 'Quotes produced and handed to subscribers', labelNames: ['agent'], registers });
    this.conflated = new Counter({ name: 'mm_ws_conflated_total', help: 'Quote messages dropped for slow WebSocket clients (only the latest per symbol kept)', registers });
    this.journalAppend = new Histogram({
      name: 'mm_journal_append_duration_seconds', help: 'Wall time of one journal append, fdatasync included under fsync "always"',
      buckets: JOURNAL_BUCKETS, registers,
    });
    this.journalFailures = new Counter({ name: 'mm_journal_append_failures_total', help: 'Journal appends that failed; the change they recorded was refused', registers });
    new Gauge({ name: 'mm_ws_clients', help: 'WebSocket clients connected', registers, collect() { this.set(sources.wsClients()); } });
    new Gauge({ name: 'mm_ws_subscriptions', help: 'WebSocket subscriptions held', registers, collect() { this.set(sources.wsSubscriptions()); } });

    const symbolGauge = (name: string, help: string, read: (v: ReturnType<MarketMakerAgent['views']>[number], agent: MarketMakerAgent) => number | null) =>
      new Gauge({
        name, help, labelNames: ['agent', 'symbol'], registers,
        collect() {
          this.reset();
          for (const agent of sources.agents()) {
            for (const v of agent.views()) {
              const x = read(v, agent);
              if (x !== null) this.set({ agent: agent.id, symbol: v.symbol }, x);
            }
          }
        },
      });
    symbolGauge('mm_inventory', 'Position per symbol, units of the asset', (v) => v.position);
    // the agent's maxInventory, per symbol so that mm_inventory / mm_inventory_limit matches one to one (alerts.yml)
    symbolGauge('mm_inventory_limit', 'Largest absolute position per symbol (the agent\'s maxInventory), units of the asset', (_v, agent) => agent.config.maxInventory);
    symbolGauge('mm_spread_bps', 'Quoted spread per symbol, bps of the mid', (v) => v.quote?.spreadBps ?? null);
    symbolGauge('mm_toxicity', 'Adverse-selection score per symbol, 0 to 1', (v) => v.toxicity);
    symbolGauge('mm_pnl_realised', 'Realised P&L per symbol, quote currency', (v) => v.realisedPnl);
    symbolGauge('mm_pnl_unrealised', 'Unrealised P&L per symbol, quote currency', (v) => v.unrealisedPnl);
    new Gauge({
      name: 'mm_agent_status', help: 'Agent status, 1 for the current one', labelNames: ['agent', 'status'], registers,
      collect() {
        this.reset();
        for (const agent of sources.agents()) for (const s of STATUSES) this.set({ agent: agent.id, status: s }, agent.status === s ? 1 : 0);
      },
    });
  }

  /** The metrics of one agent, with their label children bound once. */
  forAgent(agent: string): AgentMetrics {
    let m = this.perAgent.get(agent);
    if (m === undefined) {
      const updates = {} as Record<UpdateType, Inc>;
      for (const t of UPDATE_TYPES) updates[t] = this.updates.labels({ agent, type: t });
      m = new AgentMetrics(
        this.processDuration.labels({ agent }), this.budgetExceeded.labels({ agent }), updates,
        this.quotesPublished.labels({ agent }), this.rejected, agent, this.budgetSeconds, new LatencyWindow(this.window),
      );
      this.perAgent.set(agent, m);
    }
    return m;
  }

  dropAgent(agent: string): void {
    for (const [type, reason] of this.perAgent.get(agent)?.rejectedSeen.values() ?? []) this.rejected.remove({ agent, type, reason });
    this.perAgent.delete(agent);
    for (const metric of [this.processDuration, this.budgetExceeded, this.quotesPublished]) metric.remove({ agent });
    for (const t of UPDATE_TYPES) this.updates.remove({ agent, type: t });
  }
}

export class AgentMetrics {
  constructor(
    private readonly duration: { observe(v: number): void },
    private readonly exceeded: Inc,
    private readonly updates: Record<UpdateType, Inc>,
    readonly published: Inc,
    private readonly rejectedCounter: Counter<'agent' | 'type' | 'reason'>,
    private readonly agent: string,
    private readonly budget: number,
    readonly window: LatencyWindow,
  ) {}

  processed(type: UpdateType, seconds: number): void {
    this.duration.observe(seconds);
    this.window.record(seconds);
    if (seconds > this.budget) this.exceeded.inc();
    this.updates[type].inc();
  }

  /** label sets of rejections seen, so the series can be removed with the agent */
  readonly rejectedSeen = new Map<string, [string, string]>();

  rejected(type: string, reason: string): void {
    this.rejectedCounter.inc({ agent: this.agent, type, reason });
    this.rejectedSeen.set(`${type}\u0000${reason}`, [type, reason]);
  }
}
