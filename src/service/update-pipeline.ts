/**
 * The hot path of one update — registry lookup → ledger → timed `process()` →
 * publish → result — and the one place where a change meets the ledger.
 *
 * Two timers, each performance.now() before and after: the ledger commit alone
 * (mm_ledger_append_duration_seconds, once per transaction, credited to each
 * agent in it) and `process()` alone, from entry to return or throw
 * (mm_process_duration_seconds): every call is timed and counted.
 *
 * Group commit: the changes that arrive in the same turn of the event loop
 * are written as one transaction (at `setImmediate`), and each is applied and
 * answered only once that transaction has committed, in the order they came.
 * One group is in flight at a time, so the order of commits is the order in
 * which changes are applied, which is the order a replay applies them in.
 * A failed commit applies nothing of its group: each change answers 503
 * LEDGER_UNAVAILABLE. Mids and volatilities never touch the ledger.
 */
import { performance } from 'node:perf_hooks';
import { AgentError } from '../agent/errors.js';
import type { MarketMakerAgent } from '../agent/market-maker-agent.js';
import type { ProcessResult } from '../agent/quote.js';
import type { Update } from '../agent/updates.js';
import type { Ledger, LedgerEntry } from '../ledger/ledger.js';
import { LEDGER_UNAVAILABLE } from './errors.js';
import type { AgentMetrics, ServiceMetrics } from './metrics.js';
import type { QuoteHub } from './quote-hub.js';
import { ledgerState } from './recovery.js';
import type { AgentRegistry } from './registry.js';

/** entries waiting for the next commit, past which a change is refused (503) rather than queued */
export const MAX_PENDING_ENTRIES = 100_000;

/** The stable code of an error a command met (AgentError and the service's errors both carry one). */
const codeOf = (err: unknown): string => (err as { code?: string }).code ?? 'INTERNAL';

export interface SnapshotPolicy {
  /** a snapshot once this many entries were appended since the last one */
  everyEntries: number;
  /** and at least this often while entries keep coming, ms */
  intervalMs: number;
  /** the ids of the agents in the service's configuration, recorded in each snapshot */
  configured?: readonly string[];
}

interface Pending {
  entries: readonly LedgerEntry[];
  run: () => void;
  fail: (err: Error) => void;
}

export class UpdatePipeline {
  private queue: Pending[] = [];
  private queuedEntries = 0;
  private scheduled = false;
  private inflight = false;
  private drained: (() => void)[] = [];
  private sinceSnapshot = 0;
  private lastSnapshot = performance.now();
  private closed = false;
  private closing: Promise<void> | null = null;
  /**
   * New symbols admitted for fills and positions that are queued or committed but not applied yet,
   * per agent (with how many entries hold each). A committed fact is never refused for room after
   * its commit (replay would apply it: it has no mids), so its slot is taken when it is admitted,
   * and market data that would take the same slot meanwhile is refused instead.
   */
  private readonly reserved = new Map<string, Map<string, number>>();
  private reservedSymbols = 0;

  constructor(
    private readonly registry: AgentRegistry,
    private readonly hub: QuoteHub,
    private readonly metrics: ServiceMetrics,
    readonly ledger: Ledger | null,
    private readonly snapshots: SnapshotPolicy = { everyEntries: 50_000, intervalMs: 60_000 },
    private readonly warn: (message: string) => void = () => {},
    private readonly maxPending: number = MAX_PENDING_ENTRIES,
  ) {}

  /**
   * Commits `entries` (one transaction, shared with whatever else arrived in
   * this turn), then runs `apply` and resolves with its result. Without a
   * ledger, `apply` runs at once.
   */
  commit<T>(entries: readonly LedgerEntry[], apply: () => T): Promise<T> {
    if (this.ledger === null || entries.length === 0) {
      try {
        return Promise.resolve(apply());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (this.closed) {
      this.release(entries);
      return Promise.reject(new LEDGER_UNAVAILABLE('the service is shutting down'));
    }
    // bounded: a ledger slower than the arrivals refuses the excess instead of holding it in memory
    if (this.queuedEntries + entries.length > this.maxPending) {
      this.release(entries);
      return Promise.reject(new LEDGER_UNAVAILABLE(`${this.queuedEntries} entries already wait for the next commit (at most ${this.maxPending})`));
    }
    this.queuedEntries += entries.length;
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        entries,
        run: () => {
          try {
            resolve(apply());
          } catch (err) {
            reject(err);
          }
        },
        fail: reject,
      });
      if (!this.scheduled && !this.inflight) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.queue.length === 0 || this.ledger === null) return this.idle();
    const group = this.queue;
    this.queue = [];
    this.queuedEntries = 0;
    const entries = group.length === 1 ? group[0]!.entries : group.flatMap((g) => g.entries);
    this.inflight = true;
    // the commit's event-loop time (node:sqlite is synchronous), apart from process()'s
    const t0 = performance.now();
    const appended = this.ledger.append(entries);
    const t1 = performance.now();
    const credited = new Set<string>();
    for (const e of entries) {
      // only updates: an agent change (a delete above all) must not bring an agent's metrics back
      if (e.t === 'update' && !credited.has(e.agent)) {
        credited.add(e.agent);
        this.metrics.forAgent(e.agent).ledgerAppended(t0, t1);
      }
    }
    appended.then(
      () => {
        this.inflight = false;
        for (const g of group) g.run();
        this.release(entries);
        this.sinceSnapshot += entries.length;
        this.maybeSnapshot();
        this.next();
      },
      (err: Error) => {
        this.inflight = false;
        const refused = new LEDGER_UNAVAILABLE(err.message);
        this.release(entries);
        for (const g of group) g.fail(refused);
        this.next();
      },
    );
  };

  private next(): void {
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(this.flush);
    } else {
      this.idle();
    }
  }

  private idle(): void {
    const waiting = this.drained;
    this.drained = [];
    for (const w of waiting) w();
  }

  /** Resolves once every change queued so far is committed (or refused) and applied. */
  drain(): Promise<void> {
    if (!this.scheduled && !this.inflight && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** Runs after a group is applied, so the state is exactly that of every committed entry. */
  private maybeSnapshot(): void {
    if (this.sinceSnapshot >= this.snapshots.everyEntries || performance.now() - this.lastSnapshot >= this.snapshots.intervalMs) {
      void this.snapshotNow().catch((err: Error) => this.warn(`snapshot not written, will try again: ${err.message}`));
    }
  }

  /** Writes a snapshot of every agent now (after what is queued), and says after which entry. */
  async snapshotNow(): Promise<{ sequence: number; agents: number }> {
    if (this.ledger === null) throw new Error('no ledger');
    await this.drain();
    const state = ledgerState(this.registry, this.snapshots.configured);
    // counted as done even if it fails, so a full disk is not retried at every commit
    this.sinceSnapshot = 0;
    this.lastSnapshot = performance.now();
    await this.ledger.snapshot(state);
    return { sequence: this.ledger.lastSequence, agents: state.agents.length };
  }

  /** Finishes what is queued, writes a last snapshot, closes the ledger; calling it again does nothing more. */
  close(): Promise<void> {
    const { ledger } = this;
    if (ledger === null) return Promise.resolve();
    this.closing ??= (async () => {
      this.closed = true;
      await this.drain();
      if (this.sinceSnapshot > 0) await this.snapshotNow().catch((err: Error) => this.warn(`last snapshot not written: ${err.message}`));
      await ledger.close();
    })();
    return this.closing;
  }

  /** The agent, or AGENT_NOT_FOUND. */
  agent(agentId: string) {
    return this.registry.get(agentId);
  }

  /** One update: fills and positions are committed to the ledger before they are applied. */
  apply(agentId: string, update: Update): Promise<ProcessResult> {
    let verdict: 'apply' | 'duplicate' | null = null;
    try {
      if (this.ledger !== null && (update.type === 'fill' || update.type === 'position')) verdict = this.check(agentId, update);
    } catch (err) {
      return Promise.reject(err);
    }
    if (verdict === 'apply' && (update.type === 'fill' || update.type === 'position')) {
      return this.commit([{ t: 'update', agent: agentId, u: update }], () => this.applyNow(agentId, update, true)).then((r) => this.riskJournaled(agentId, r), (err: unknown) => {
        if ((err as { code?: string }).code === 'LEDGER_UNAVAILABLE') this.metrics.forAgent(agentId).rejected(update.type, 'LEDGER_UNAVAILABLE');
        throw err;
      });
    }
    try {
      const r = this.applyNow(agentId, update, false);
      return this.riskJournaled(agentId, r);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Resolves with `r` once the risk change it made (a breach, a new period) is in the ledger, so that
   * the reply that reports it means it survives a restart. A ledger that refuses it is reported and
   * the change stands (quotes stay withdrawn); the next snapshot records it.
   */
  private riskJournaled(agent: string, r: ProcessResult): Promise<ProcessResult> {
    const change = r.risk;
    if (change == null) return Promise.resolve(r);
    return this.commit([{ t: 'risk', id: agent, why: change.breach !== null ? 'breach' : 'period', state: change.state }], () => r)
      .catch((err: Error) => {
        this.warn(`risk ${change.breach !== null ? 'breach' : 'period'} of agent ${agent} not in the ledger (${err.message}); it holds until the next snapshot`);
        return r;
      });
  }

  /**
   * A batch, in order, as one transaction: the fills and positions that would
   * apply are committed together, then every item is applied in order. Each
   * item answers for itself (a result or its error).
   */
  async applyBatch(agentId: string, updates: readonly (Update | Error)[]): Promise<(ProcessResult | Error)[]> {
    const entries: LedgerEntry[] = [];
    const committed = new Set<Update>();
    const checked = updates.map((u) => {
      if (u instanceof Error || this.ledger === null || (u.type !== 'fill' && u.type !== 'position')) return u;
      try {
        if (this.check(agentId, u) === 'apply') {
          entries.push({ t: 'update', agent: agentId, u });
          committed.add(u);
        }
        return u;
      } catch (err) {
        return err as Error;
      }
    });
    const applyAll = (ledgerRefusal: Error | null) => checked.map((u): ProcessResult | Error => {
      if (u instanceof Error) return u;
      if (ledgerRefusal !== null && (u.type === 'fill' || u.type === 'position')) return ledgerRefusal;
      try {
        return this.applyNow(agentId, u, ledgerRefusal === null && committed.has(u));
      } catch (err) {
        return err as Error;
      }
    });
    let results: (ProcessResult | Error)[];
    try {
      results = await this.commit(entries, () => applyAll(null));
    } catch (err) {
      // the ledger refused: market data still goes through, in order; nothing that needed the ledger does
      results = applyAll(err as Error);
    }
    // at most one breach per scope and a period change per day: these are rare, so one after the other
    for (const r of results) if (!(r instanceof Error) && r.risk != null) await this.riskJournaled(agentId, r);
    return results;
  }

  private check(agentId: string, update: Update): 'apply' | 'duplicate' {
    const agent = this.registry.get(agentId);
    try {
      // before the ledger: a fill on a symbol there is no room for is never committed; the room is
      // checked here, with what is queued counted, and taken until the entry is applied
      const verdict = agent.check(update, true);
      if (verdict === 'apply') this.admit(agent, update.symbol);
      return verdict;
    } catch (err) {
      this.metrics.forAgent(agentId).rejected(update.type, codeOf(err));
      throw err;
    }
  }

  /**
   * process() alone is timed, from entry to return or throw. Each call gets its own result
   * object: a group's results are read by their callers only after the whole group has run.
   */
  private applyNow(agentId: string, update: Update, committed: boolean): ProcessResult {
    const agent = this.registry.get(agentId);
    const m = this.metrics.forAgent(agentId);
    if (!committed) {
      try {
        // market data (and anything without a ledger): room counted with the slots queued facts hold
        this.assertRoom(agent, update.symbol);
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
    this.publishOne(agentId, m, r);
    if (r.risk != null) this.riskChanged(agentId, r);
    return r;
  }

  /** Throws SYMBOL_LIMIT when `symbol` is new to `agent` and no slot is left, the reserved ones counted. */
  private assertRoom(agent: MarketMakerAgent, symbol: string): void {
    const mine = this.reserved.get(agent.id);
    if (agent.hasSymbol(symbol) || mine?.has(symbol) === true) return;
    const held = agent.symbolCount + (mine?.size ?? 0);
    if (held >= agent.config.maxSymbols) {
      throw new AgentError('SYMBOL_LIMIT', `symbol: agent ${agent.id} already has ${held} symbols, queued ones included (maxSymbols)`, 'symbol');
    }
    this.registry.assertRoomFor(agent, symbol, this.reservedSymbols);
  }

  /** Admits a fact's symbol (throws as assertRoom) and holds its slot until the fact is applied or refused. */
  private admit(agent: MarketMakerAgent, symbol: string): void {
    if (agent.hasSymbol(symbol)) return;
    this.assertRoom(agent, symbol);
    let mine = this.reserved.get(agent.id);
    if (mine === undefined) this.reserved.set(agent.id, (mine = new Map<string, number>()));
    const n = mine.get(symbol) ?? 0;
    if (n === 0) this.reservedSymbols++;
    mine.set(symbol, n + 1);
  }

  /** Gives back the slots `entries` held (they are applied, or refused). */
  private release(entries: readonly LedgerEntry[]): void {
    if (this.reservedSymbols === 0) return;
    for (const e of entries) {
      if (e.t !== 'update') continue;
      const mine = this.reserved.get(e.agent);
      const n = mine?.get(e.u.symbol);
      if (mine === undefined || n === undefined) continue;
      if (n > 1) mine.set(e.u.symbol, n - 1);
      else {
        mine.delete(e.u.symbol);
        this.reservedSymbols--;
        if (mine.size === 0) this.reserved.delete(e.agent);
      }
    }
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
  }

  /** A breach withdrew other symbols' quotes: tell their subscribers why. */
  private riskChanged(agentId: string, r: ProcessResult): void {
    const change = r.risk!;
    const reason = change.breach?.hold.reason;
    if (reason !== undefined) for (const symbol of change.withdrawn) this.hub.publishWithdrawal(agentId, symbol, reason);
    this.warn(change.breach !== null
      ? `agent ${agentId}${change.breach.symbol === null ? '' : ` symbol ${change.breach.symbol}`}: ${change.breach.hold.reason} reached (P&L ${change.breach.hold.pnl}, drawdown ${change.breach.hold.drawdown}, limit ${change.breach.hold.limit}); quoting stops until a reset`
      : `agent ${agentId}: a new risk period started`);
  }
}
