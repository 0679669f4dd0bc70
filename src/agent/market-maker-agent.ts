import { restoreSymbol, snapshotSymbol, type AgentSnapshot } from './agent-snapshot.js';
import { fromSteps, toSteps } from '../model/quantity-grid.js';
import { AgentError, invalid } from './errors.js';
import { issueField } from './zod-issue.js';
import { MarketMakerConfigSchema, type MarketMakerConfig, type MarketMakerConfigInput } from './config.js';
import { FillRing } from './fill-ring.js';
import { fillFingerprint, fingerprintDiff, UNKNOWN_FILL } from './fill-fingerprint.js';
import { applyFill, applySnapshot } from './inventory.js';
import { AgentRisk, type RiskChange, type RiskSnapshot } from './agent-risk.js';
import { feeOf } from './quote-hygiene.js';
import { requoteWithRisk } from './risk-quoting.js';
import { DECISIONS, type Outcome, type ProcessResult, type Quote, type RiskDecision } from './quote.js';
import { quotingParams, type QuotingParams } from './quoting-params.js';
import { SymbolState, symbolView, type SymbolView } from './symbol-state.js';
import { validateUpdate, type Update } from './updates.js';

export type AgentStatus = 'idle' | 'processing' | 'paused' | 'error';

export interface AgentStats {
  updates: number;
  rejected: number;
  quotes: number;
  fills: number;
  duplicateFills: number;
  /** fills refused because their id was applied before with other contents */
  fillIdConflicts: number;
  /** times a symbol's absolute position reached maxInventory (counted on entry, not per update) */
  breaches: number;
  errors: number;
}

/**
 * One market-making strategy over many symbols. Single-threaded by design: a
 * call to `process` runs to completion before the next, so no locks.
 */
export class MarketMakerAgent {
  private params: QuotingParams;
  private readonly states = new Map<string, SymbolState>();
  /**
   * fill ids already applied, bounded by config.fillIdMemory, each with the
   * fingerprint of what it carried (fill-fingerprint.ts), so a reused id with
   * other contents is told from a retry
   */
  private readonly fillIds = new Map<string, string>();
  /**
   * The same ids in a ring, so the oldest is found in O(1). (Deleting a Set's
   * first entry via values().next() is not O(1) in V8: the iterator walks over
   * every deleted slot not yet compacted, tens of µs per fill at 100,000 ids.)
   */
  private fillIdRing: string[] = [];
  /** the ring's oldest slot once it is full */
  private fillIdNext = 0;
  private paused = false;
  private processing = false;
  private replaying = false;
  private lastError: string | null = null;
  readonly stats: AgentStats = { updates: 0, rejected: 0, quotes: 0, fills: 0, duplicateFills: 0, fillIdConflicts: 0, breaches: 0, errors: 0 };

  /** loss, drawdown and notional limits, the halt, and the period (agent-risk.ts) */
  readonly risk: AgentRisk;

  constructor(readonly id: string, config: MarketMakerConfig | MarketMakerConfigInput = {}) {
    this.params = quotingParams(parseConfig(config));
    this.risk = new AgentRisk(this.params.config.risk);
  }

  get config(): MarketMakerConfig {
    return this.params.config;
  }

  get status(): AgentStatus {
    if (this.processing) return 'processing';
    if (this.lastError !== null) return 'error';
    return this.paused ? 'paused' : 'idle';
  }

  get error(): string | null {
    return this.lastError;
  }

  get symbolCount(): number {
    return this.states.size;
  }

  /**
   * What `process(u)` would make of `u`, without changing anything: throws the
   * AgentError it would throw, or says that `u` is a fill already applied.
   * Lets a write-ahead journal record only what will be applied.
   */
  check(u: Update, roomAdmitted = false): 'apply' | 'duplicate' {
    try {
      validateUpdate(u, this.params);
      const s = this.states.get(u.symbol);
      if (u.type === 'fill' && s !== undefined) {
        // the position must stay a whole number of steps a double holds exactly
        const steps = toSteps(s.inventory.position, this.params.quantity) + (u.side === 'buy' ? 1 : -1) * toSteps(u.quantity, this.params.quantity);
        if (!Number.isSafeInteger(steps)) throw invalid('quantity', 'would take the position beyond 2^53 quantity steps');
      }
      if (u.type === 'position' && s !== undefined && u.time < s.lastSnapshotTime) {
        throw new AgentError('STALE_UPDATE', `time: position snapshot at ${u.time} is older than the one applied at ${s.lastSnapshotTime}`, 'time');
      }
      if (u.type === 'fill') {
        const seen = this.fillIds.get(u.id);
        if (seen !== undefined) {
          const differ = fingerprintDiff(seen, u);
          if (differ.length === 0) return 'duplicate';
          this.stats.fillIdConflicts++;
          throw new AgentError(
            'FILL_ID_CONFLICT',
            `${differ[0]}: fill id ${u.id} was applied before with a different ${differ.join(', ')}; this fill is not applied`,
            differ[0],
            differ,
          );
        }
      }
      // a fact already in the ledger had its room admitted before the commit, and replay applies it too
      if (!roomAdmitted && !this.replaying && s === undefined && this.states.size >= this.params.config.maxSymbols) {
        throw new AgentError('SYMBOL_LIMIT', `symbol: agent ${this.id} already has ${this.states.size} symbols (maxSymbols)`, 'symbol');
      }
      return 'apply';
    } catch (err) {
      this.stats.rejected++;
      throw err;
    }
  }

  /**
   * Applies one update and recomputes that symbol's quote. Throws AgentError
   * for input it refuses, leaving every state as it was.
   *
   * With `out`, the result is written into it and `out` is returned, so a
   * caller on the hot path allocates no result per update; without it, a new
   * object. `roomAdmitted`: the caller has already admitted a new symbol
   * against maxSymbols (a fill or position committed to the ledger).
   */
  process(u: Update, out?: ProcessResult, roomAdmitted = false): ProcessResult {
    if (this.check(u, roomAdmitted) === 'duplicate') {
      this.stats.duplicateFills++;
      const current = this.states.get(u.symbol);
      return result(out, u.symbol, 'duplicate', current?.quote ?? null, current?.decision ?? DECISIONS.noMid, current?.inBreach ?? false, false);
    }
    let s = this.states.get(u.symbol);
    if (s === undefined) this.states.set(u.symbol, (s = new SymbolState(u.symbol)));

    this.processing = true;
    try {
      // replay leaves the risk state to the journaled risk entries: the mids it was measured at are not journaled
      const rolled = this.risk.sessional && !this.replaying && this.risk.roll(u.time);
      this.apply(s, u);
      this.risk.observe(s.symbol, s.inventory);
      const breach = this.risk.measuring && !this.replaying ? this.risk.evaluate(u.symbol, u.time) : null;
      this.stats.updates++;
      s.updates++;
      const wasInBreach = s.inBreach;
      const hadQuote = s.quote !== null;
      const outcome = requoteWithRisk(s, this.params, u.time, this.paused, this.risk);
      if (s.inBreach && !wasInBreach) this.stats.breaches++;
      if (outcome !== 'no-quote') {
        if (outcome === 'quoted') this.stats.quotes++;
        this.lastError = null;
      } else if (s.decision.reason === 'numerical-error') {
        this.recordError(`${u.symbol}: quote not finite for the inputs given`);
      }
      const risk = breach === null && !rolled ? null : this.riskChange(breach, rolled, u.symbol);
      return result(out, u.symbol, outcome, s.quote, s.decision, s.inBreach, hadQuote && outcome === 'no-quote', risk);
    } catch (err) {
      // validation ran before any change, so anything thrown here is a defect: surface it as the Error status
      this.recordError(`${u.symbol}: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    } finally {
      this.processing = false;
    }
  }

  private apply(s: SymbolState, u: Update): void {
    const c = this.params.config;
    switch (u.type) {
      case 'mid':
        s.mid = u.mid;
        s.midTime = u.time;
        s.inventory.markPrice = u.mid;
        s.volatility.observe(u.time, u.mid, c.volatility.halfLifeMs);
        if (s.fills !== null) s.fills.markOut(u.time, u.mid, c.toxicity.markoutHorizonMs);
        return;
      case 'volatility':
        s.sigma = u.sigma;
        return;
      case 'position':
        applySnapshot(s.inventory, fromSteps(toSteps(u.quantity, this.params.quantity), this.params.quantity), u.averageCost);
        if (u.mark !== undefined) s.inventory.markPrice = u.mark;
        s.lastSnapshotTime = u.time;
        return;
      case 'fill': {
        this.rememberFill(u.id, fillFingerprint(u));
        const side = u.side === 'buy' ? 1 : -1;
        const fees = c.fees;
        const fee = u.fee ?? feeOf(u.price, u.quantity, u.liquidity === 'taker' ? fees.takerBps : fees.makerBps);
        applyFill(s.inventory, side * u.quantity, u.price, this.params.quantity, fee);
        if (!(s.inventory.markPrice > 0)) s.inventory.markPrice = u.price;
        if (s.fills === null) s.fills = new FillRing();
        // a replayed fill's mark-out cannot be taken: the mids that followed it were not journaled
        s.fills.push(side, u.time, s.mid > 0 ? s.mid : u.price, !this.replaying);
        if (s.intensity !== null) s.intensity.recordFill(side, u.price, u.time, c.intensity.halfLifeMs);
        this.stats.fills++;
        return;
      }
    }
  }

  private rememberFill(id: string, fingerprint: string): void {
    const cap = this.params.config.fillIdMemory;
    this.fillIds.set(id, fingerprint);
    // the ring grows to `cap` ids (fillIdNext stays 0), then wraps; resizeFillIds keeps that so after a reconfigure
    if (this.fillIdRing.length < cap) {
      this.fillIdRing.push(id);
      return;
    }
    const i = this.fillIdNext;
    this.fillIds.delete(this.fillIdRing[i]!);
    this.fillIdRing[i] = id;
    this.fillIdNext = i + 1 === cap ? 0 : i + 1;
  }

  /** For a new fillIdMemory: the ring oldest first, cut to the newest `cap` ids, the others forgotten. */
  private resizeFillIds(cap: number): void {
    if (this.fillIdRing.length === cap || (this.fillIdNext === 0 && this.fillIdRing.length < cap)) return;
    const next = this.fillIdNext;
    const ordered = [...this.fillIdRing.slice(next), ...this.fillIdRing.slice(0, next)];
    const drop = Math.max(0, ordered.length - cap);
    for (let i = 0; i < drop; i++) this.fillIds.delete(ordered[i]!);
    this.fillIdRing = ordered.slice(drop);
    this.fillIdNext = 0;
  }

  private recordError(message: string): void {
    this.stats.errors++;
    this.lastError = message;
  }

  /** Applies a journaled update at start-up: as `process`, but without mark-outs for restored fills. */
  replay(u: Update): ProcessResult {
    this.replaying = true;
    try {
      return this.process(u);
    } finally {
      this.replaying = false;
    }
  }

  /** Recomputes a symbol's quote without new data, e.g. after a change of configuration or a resume; published even if the prices did not move. */
  requote(symbol: string, time: number): ProcessResult | undefined {
    const s = this.states.get(symbol);
    if (s === undefined) return undefined;
    const hadQuote = s.quote !== null;
    const outcome = requoteWithRisk(s, this.params, time, this.paused, this.risk, true);
    if (outcome === 'quoted') this.stats.quotes++;
    return { symbol, outcome, quote: s.quote, decision: s.decision, breach: s.inBreach, withdrawn: hadQuote && outcome === 'no-quote' };
  }

  /** What a breach or a new period changed, for the ledger and the stream (rare: out of process()'s line). */
  private riskChange(breach: RiskChange['breach'], rolled: boolean, symbol: string): RiskChange {
    return { breach, rolled, withdrawn: breach?.symbol === null ? this.withdrawAllBut(symbol) : [], state: this.risk.snapshot() };
  }

  /** Withdraws every quote but `symbol`'s after a stop (halt, an agent-wide breach); returns the symbols withdrawn. */
  private withdrawAllBut(symbol: string | null): string[] {
    const withdrawn: string[] = [];
    for (const s of this.states.values()) {
      if (s.symbol === symbol || s.quote === null) continue;
      requoteWithRisk(s, this.params, s.midTime, this.paused, this.risk);
      if (s.quote === null) withdrawn.push(s.symbol);
    }
    return withdrawn;
  }

  /** The kill switch: on, withdraws every quote (returns the symbols withdrawn); off, requotes every symbol at `time`. */
  setHalted(on: boolean, time: number): { withdrawn: string[]; results: ProcessResult[] } {
    this.risk.halted = on;
    if (on) return { withdrawn: this.withdrawAllBut(null), results: [] };
    return { withdrawn: [], results: Array.from(this.states.keys(), (symbol) => this.requote(symbol, time)!) };
  }

  /** Takes a risk state (a reset's, or one journaled) and requotes every symbol at `time`. */
  setRiskState(state: RiskSnapshot, time: number): ProcessResult[] {
    this.risk.restore(state);
    return Array.from(this.states.keys(), (symbol) => this.requote(symbol, time)!);
  }

  /** Replaces the configuration; the next update of each symbol quotes with it. */
  reconfigure(config: MarketMakerConfig | MarketMakerConfigInput): void {
    const params = quotingParams(parseConfig(config));
    this.assertPositionsFit(params);
    this.params = params;
    this.risk.setConfig(params.config.risk);
    // a smaller memory forgets the oldest ids at once
    this.resizeFillIds(this.params.config.fillIdMemory);
  }

  /**
   * Throws INVALID_CONFIG (field quantityStep) unless every position is a whole
   * number of the configuration's quantity steps: positions are kept in steps,
   * so a new step must divide each of them. Call before journaling a change.
   */
  checkConfig(config: MarketMakerConfig): void {
    this.assertPositionsFit(quotingParams(config));
  }

  private assertPositionsFit(params: QuotingParams): void {
    for (const s of this.states.values()) {
      if (Number.isNaN(toSteps(s.inventory.position, params.quantity))) {
        throw new AgentError('INVALID_CONFIG', `quantityStep: the position ${s.inventory.position} of ${s.symbol} is not a multiple of ${params.config.quantityStep}`, 'quantityStep');
      }
    }
  }

  hasSymbol(symbol: string): boolean {
    return this.states.has(symbol);
  }

  symbolNames(): IterableIterator<string> {
    return this.states.keys();
  }

  quote(symbol: string): Quote | null | undefined {
    return this.states.get(symbol)?.quote;
  }

  view(symbol: string): SymbolView | undefined {
    const s = this.states.get(symbol);
    return s === undefined ? undefined : symbolView(s, this.params);
  }

  views(): SymbolView[] {
    return Array.from(this.states.values(), (s) => symbolView(s, this.params));
  }

  /**
   * Pauses the whole agent, or one symbol: quotes are withdrawn, inventory and
   * P&L keep being tracked. Returns the symbols whose quote was withdrawn.
   */
  pause(symbol?: string): string[] {
    const affected = this.affected(symbol);
    if (symbol === undefined) this.paused = true;
    const withdrawn: string[] = [];
    for (const s of affected) {
      if (symbol !== undefined) s.paused = true;
      const had = s.quote !== null;
      requoteWithRisk(s, this.params, s.midTime, this.paused, this.risk);
      if (had) withdrawn.push(s.symbol);
    }
    return withdrawn;
  }

  /** Resumes the agent or one symbol and requotes what it covers at `time`. */
  resume(time: number, symbol?: string): ProcessResult[] {
    const affected = this.affected(symbol);
    if (symbol === undefined) this.paused = false;
    const results: ProcessResult[] = [];
    for (const s of affected) {
      if (symbol !== undefined) s.paused = false;
      results.push(this.requote(s.symbol, time)!);
    }
    return results;
  }

  isPaused(symbol?: string): boolean {
    return symbol === undefined ? this.paused : (this.states.get(symbol)?.paused ?? false);
  }

  private affected(symbol: string | undefined): SymbolState[] {
    if (symbol === undefined) return [...this.states.values()];
    const s = this.states.get(symbol);
    return s === undefined ? [] : [s];
  }

  /** Makes sure a symbol exists (so that, e.g., a journaled pause can be restored before its first update). */
  track(symbol: string): void {
    if (!this.states.has(symbol)) this.states.set(symbol, new SymbolState(symbol));
  }

  /** Everything a restart must keep, as plain data. */
  snapshot(): AgentSnapshot {
    return {
      id: this.id,
      config: this.params.config,
      paused: this.paused,
      symbols: Array.from(this.states.values(), snapshotSymbol),
      fillIds: [...this.fillIds.keys()],
      fillFingerprints: [...this.fillIds.values()],
      risk: this.risk.snapshot(),
    };
  }

  static fromSnapshot(snap: AgentSnapshot): MarketMakerAgent {
    const agent = new MarketMakerAgent(snap.id, snap.config);
    agent.paused = snap.paused;
    for (const sym of snap.symbols) agent.states.set(sym.symbol, restoreSymbol(sym));
    // oldest first, as snapshot() lists them; a snapshot from before fingerprints were kept has none
    // (UNKNOWN_FILL: a reused id then answers duplicate, as it did when that snapshot was written)
    const prints = snap.fillFingerprints;
    for (let i = 0; i < snap.fillIds.length; i++) agent.rememberFill(snap.fillIds[i]!, prints?.[i] ?? UNKNOWN_FILL);
    agent.stats.fills = snap.symbols.reduce((n, s) => n + s.inventory.buyFills + s.inventory.sellFills, 0);
    for (const s of agent.states.values()) agent.risk.observe(s.symbol, s.inventory);
    if (snap.risk !== undefined) agent.risk.restore(snap.risk);
    return agent;
  }

  /** Clears an error status once an operator has looked at it. */
  clearError(): void {
    this.lastError = null;
  }
}

/** A result in `out` when given (reused by the caller), else a new object. */
function result(
  out: ProcessResult | undefined, symbol: string, outcome: Outcome, quote: Quote | null, decision: RiskDecision, breach: boolean, withdrawn: boolean,
  risk: RiskChange | null = null,
): ProcessResult {
  if (out === undefined) return { symbol, outcome, quote, decision, breach, withdrawn, risk };
  out.symbol = symbol;
  out.outcome = outcome;
  out.quote = quote;
  out.decision = decision;
  out.breach = breach;
  out.withdrawn = withdrawn;
  out.risk = risk;
  return out;
}

/** Validates a configuration, turning zod's first issue into an AgentError naming the field. */
export function parseConfig(input: unknown): MarketMakerConfig {
  const r = MarketMakerConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue ? issueField(issue) : '';
  throw new AgentError('INVALID_CONFIG', `${field || 'config'}: ${issue?.message ?? 'invalid'}`, field || undefined);
}
