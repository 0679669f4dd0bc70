/**
 * Prometheus metrics on a registry of the app's own (not prom-client's
 * global one), so that several apps can live in one process.
 *
 * The hot path (every update) touches plain numbers only: Float64Array bucket
 * counts, counters and a latency ring per agent, a few array increments per
 * update. prom-client reads them at scrape time, in `collect()` callbacks and
 * `ScrapedHistogram`, so the exposition is still prom-client's. Per-symbol
 * gauges are likewise filled at scrape time from the agents, for a bounded
 * choice of symbols (symbol-gauges.ts).
 */
import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { MarketMakerAgent, UpdateType } from '../agent/index.js';
import { BUDGET_CAUSES, BudgetAttribution, CAUSE_LEDGER, type CauseCounts } from './budget-attribution.js';
import { LatencyWindow } from './latency-window.js';
import { registerRiskMetrics } from './risk-metrics.js';
import { BucketCounts, ScrapedHistogram } from './scraped-histogram.js';
import { MetricsSchema } from './config.js';
import { registerSymbolGauges, type SymbolGaugesConfig } from './symbol-gauges.js';

/** 1 µs … 1 ms, fine around the 300 µs budget */
export const PROCESS_BUCKETS = [1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 3e-4, 5e-4, 1e-3];
/** 1 µs … 100 ms: a write is µs, an fsync hundreds of µs to ms */
export const LEDGER_BUCKETS = [1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 3e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 1e-1];
/** the quantile gauges' quantiles, in the order quantileGauge() indexes them */
const QUANTILES = [0.99, 0.999];
const STATUSES = ['idle', 'paused', 'error'] as const;
const UPDATE_TYPES: readonly UpdateType[] = ['mid', 'volatility', 'position', 'fill'];
/** index of each type in AgentMetrics.updates */
const TYPE_INDEX: Readonly<Record<UpdateType, number>> = { mid: 0, volatility: 1, position: 2, fill: 3 };

export interface MetricsSources {
  agents: () => Iterable<MarketMakerAgent>;
  /** whether the kill switch is on (mm_halted) */
  halted?: () => boolean;
  wsClients: () => number;
  wsSubscriptions: () => number;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly rejected: Counter<'agent' | 'type' | 'reason'>;
  readonly conflated: Counter;
  /** WebSocket clients the service closed: `slow` past their queue bound (1013), `invalid` over the invalid-message rate (1008) */
  readonly wsClosed: Counter<'reason'>;
  private readonly perAgent = new Map<string, AgentMetrics>();
  private readonly attribution = new BudgetAttribution();
  private readonly prepareSymbols: () => void;

  constructor(
    private readonly budgetSeconds: number,
    private readonly window: number,
    sources: MetricsSources,
    symbolGauges: SymbolGaugesConfig = MetricsSchema.parse({}),
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // prom-client names three gauges `*_total`, which promtool rejects as counters' suffix;
    // the same counts stay available, by type, as nodejs_active_handles and nodejs_active_requests
    for (const m of this.registry.getMetricsAsArray()) {
      const { name, type } = m as unknown as { name: string; type: string };
      if (type === 'gauge' && name.endsWith('_total')) this.registry.removeSingleMetric(name);
    }
    const perAgent = this.perAgent;
    const attribution = this.attribution;
    new ScrapedHistogram({
      name: 'mm_process_duration_seconds',
      help: 'Wall time of one MarketMakerAgent.process() call, from entry to return (the ledger write is not in it)',
      labelNames: ['agent'], buckets: PROCESS_BUCKETS, registers,
      read: () => Array.from(perAgent, ([agent, m]) => [{ agent }, m.duration] as const),
    });
    new ScrapedHistogram({
      name: 'mm_ledger_append_duration_seconds',
      help: 'Wall time of one ledger (journal) append of a fill or position, written before process() applies it',
      labelNames: ['agent'], buckets: LEDGER_BUCKETS, registers,
      read: () => Array.from(perAgent, ([agent, m]) => [{ agent }, m.ledger] as const),
    });
    // both quantiles from one copy and selection of each window per scrape (the gauges' collect() run in one pass)
    let quantiles: Map<string, number[]> | null = null;
    const quantilesNow = (): Map<string, number[]> => {
      if (quantiles === null) {
        quantiles = new Map(Array.from(perAgent, ([agent, m]) => [agent, m.window.quantiles(QUANTILES)]));
        queueMicrotask(() => { quantiles = null; });
      }
      return quantiles;
    };
    const quantileGauge = (name: string, qi: number, label: string) => new Gauge({
      name, help: `${label} of process() wall time over the last latencyWindow calls`,
      labelNames: ['agent'], registers,
      collect() {
        this.reset();
        for (const [agent, qs] of quantilesNow()) {
          const v = qs[qi]!;
          if (!Number.isNaN(v)) this.set({ agent }, v);
        }
      },
    });
    quantileGauge('mm_process_duration_p99_seconds', 0, 'p99');
    quantileGauge('mm_process_duration_p999_seconds', 1, 'p99.9');
    new Gauge({ name: 'mm_process_budget_seconds', help: 'Latency budget of one process() call', registers }).set(budgetSeconds);
    new Counter({
      name: 'mm_process_budget_exceeded_total',
      help: 'Calls over the budget by cause: process() calls overlapped by a GC pause (gc) or not (other), and ledger appends (ledger)',
      labelNames: ['agent', 'cause'], registers,
      collect() {
        attribution.settleAt(performance.now());
        this.reset();
        for (const [agent, m] of perAgent) {
          for (let c = 0; c < BUDGET_CAUSES.length; c++) this.inc({ agent, cause: BUDGET_CAUSES[c]! }, m.exceeded[c]);
        }
      },
    });
    new Counter({
      name: 'mm_updates_total', help: 'Updates applied, by type', labelNames: ['agent', 'type'], registers,
      collect() {
        this.reset();
        for (const [agent, m] of perAgent) {
          for (const type of UPDATE_TYPES) this.inc({ agent, type }, m.updates[TYPE_INDEX[type]]);
        }
      },
    });
    this.rejected = new Counter({ name: 'mm_updates_rejected_total', help: 'Updates rejected, by type and reason', labelNames: ['agent', 'type', 'reason'], registers });
    new Counter({
      name: 'mm_quotes_published_total', help: 'Quotes produced and handed to subscribers', labelNames: ['agent'], registers,
      collect() {
        this.reset();
        for (const [agent, m] of perAgent) this.inc({ agent }, m.published);
      },
    });
    new Counter({
      name: 'mm_requotes_suppressed_total', help: 'New quotes within the requote threshold of the published one, not republished (outcome "unchanged")', labelNames: ['agent'], registers,
      collect() {
        this.reset();
        for (const [agent, m] of perAgent) this.inc({ agent }, m.suppressed);
      },
    });
    new Counter({
      name: 'mm_fill_id_conflicts_total',
      help: 'Fills refused because their id was applied before with other contents (an OMS id collision; FILL_ID_CONFLICT)',
      labelNames: ['agent'], registers,
      collect() {
        this.reset();
        for (const [agent, m] of perAgent) this.inc({ agent }, m.fillIdConflicts);
      },
    });
    this.conflated = new Counter({ name: 'mm_ws_conflated_total', help: 'Quote messages dropped for slow WebSocket clients (only the latest per symbol kept)', registers });
    this.wsClosed = new Counter({ name: 'mm_ws_clients_closed_total', help: 'WebSocket clients closed by the service: slow (past the queue bound, 1013) or invalid (too many invalid messages, 1008)', labelNames: ['reason'], registers });
    this.wsClosed.inc({ reason: 'slow' }, 0);
    this.wsClosed.inc({ reason: 'invalid' }, 0);
    new Gauge({ name: 'mm_ws_clients', help: 'WebSocket clients connected', registers, collect() { this.set(sources.wsClients()); } });
    new Gauge({ name: 'mm_ws_subscriptions', help: 'WebSocket subscriptions held', registers, collect() { this.set(sources.wsSubscriptions()); } });

    this.prepareSymbols = registerSymbolGauges(registers, sources.agents, symbolGauges);
    registerRiskMetrics(this.registry, { agents: sources.agents, halted: sources.halted ?? (() => false) });
    new Gauge({
      name: 'mm_agent_status', help: 'Agent status, 1 for the current one', labelNames: ['agent', 'status'], registers,
      collect() {
        this.reset();
        for (const agent of sources.agents()) for (const s of STATUSES) this.set({ agent: agent.id, status: s }, agent.status === s ? 1 : 0);
      },
    });
  }

  /**
   * The exposition, in two event-loop turns: the per-symbol choice (a walk over every symbol), then
   * prom-client's collect and format; other requests run in between.
   */
  async scrape(): Promise<string> {
    this.prepareSymbols();
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.registry.metrics();
  }

  /** The metrics of one agent, created at its first update. */
  forAgent(agent: string): AgentMetrics {
    let m = this.perAgent.get(agent);
    if (m === undefined) {
      m = new AgentMetrics(this.rejected, this.attribution, agent, this.budgetSeconds, new LatencyWindow(this.window));
      this.perAgent.set(agent, m);
    }
    return m;
  }

  /** Forgets an agent: its series leave the next scrape. */
  dropAgent(agent: string): void {
    for (const [type, reason] of this.perAgent.get(agent)?.rejectedSeen.values() ?? []) this.rejected.remove({ agent, type, reason });
    this.perAgent.delete(agent);
  }

  /** Metrics of no agent, for the warm-up: they record like an agent's and are never exported. */
  scratch(): AgentMetrics {
    const rejected = new Counter({ name: 'mm_warm_up_rejected_total', help: 'not exported', labelNames: ['agent', 'type', 'reason'], registers: [] });
    return new AgentMetrics(rejected, this.attribution, 'warm-up', this.budgetSeconds, new LatencyWindow(1_000));
  }

  /** Stops observing GC pauses. */
  close(): void {
    this.attribution.close();
  }
}

/**
 * One agent's hot-path metrics: plain numbers, read by prom-client at scrape time. Times are
 * performance.now() milliseconds, as the caller took them.
 */
export class AgentMetrics {
  readonly duration = new BucketCounts(PROCESS_BUCKETS);
  readonly ledger = new BucketCounts(LEDGER_BUCKETS);
  /** updates applied, indexed by TYPE_INDEX */
  readonly updates = new Float64Array(UPDATE_TYPES.length);
  /** calls over the budget, indexed by cause (CAUSE_GC, CAUSE_LEDGER, CAUSE_OTHER) */
  readonly exceeded: CauseCounts = new Float64Array(BUDGET_CAUSES.length);
  published = 0;
  private readonly budgetMs: number;

  constructor(
    private readonly rejectedCounter: Counter<'agent' | 'type' | 'reason'>,
    private readonly attribution: BudgetAttribution,
    private readonly agent: string,
    budgetSeconds: number,
    readonly window: LatencyWindow,
  ) {
    this.budgetMs = budgetSeconds * 1_000;
  }

  /** One process() call, from entry to return (or throw): every call is recorded, none sampled or clipped. */
  timed(startMs: number, endMs: number): void {
    const ms = endMs - startMs;
    this.duration.observe(ms / 1_000);
    this.window.record(ms / 1_000);
    if (ms > this.budgetMs) this.attribution.exceeded(this.exceeded, startMs, endMs);
  }

  /** An update process() applied. */
  applied(type: UpdateType): void {
    this.updates[TYPE_INDEX[type]]!++;
  }

  quotePublished(): void {
    this.published++;
  }

  /** requotes within the requote threshold, held back from the stream */
  suppressed = 0;

  requoteSuppressed(): void {
    this.suppressed++;
  }

  /** One ledger append, timed on its own; over the budget it counts with cause `ledger`. */
  ledgerAppended(startMs: number, endMs: number): void {
    const ms = endMs - startMs;
    this.ledger.observe(ms / 1_000);
    if (ms > this.budgetMs) this.exceeded[CAUSE_LEDGER]!++;
  }

  /** label sets of rejections seen, so the series can be removed with the agent */
  readonly rejectedSeen = new Map<string, [string, string]>();

  /** fills refused as FILL_ID_CONFLICT (also counted among the rejections) */
  fillIdConflicts = 0;

  rejected(type: string, reason: string): void {
    this.rejectedCounter.inc({ agent: this.agent, type, reason });
    if (reason === 'FILL_ID_CONFLICT') this.fillIdConflicts++;
    this.rejectedSeen.set(`${type}\u0000${reason}`, [type, reason]);
  }
}
