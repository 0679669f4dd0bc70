import { restoreSymbol, snapshotSymbol, type AgentSnapshot } from './agent-snapshot.js';
import { parseConfig, type MarketMakerConfig, type MarketMakerConfigInput } from './config.js';
import { fillFingerprint, UNKNOWN_FILL } from './fill-fingerprint.js';
import { FillIdMemory } from './fill-id-memory.js';
import { applyUpdate } from './apply-update.js';
import { AgentRisk, type RiskChange, type RiskSnapshot } from './agent-risk.js';
import { DECISIONS, type ProcessResult, type Quote } from './quote.js';
import { refreshToxicity } from './quote-engine.js';
import { requoteWithRisk, withdrawAll } from './risk-quoting.js';
import { keptQuote, writeResult } from './results.js';
import { quotingParams, type QuotingParams } from './quoting-params.js';
import { SymbolState, symbolView, type SymbolView } from './symbol-state.js';
import { assertPositionsFit, checkUpdate } from './update-check.js';
import type { Update } from './updates.js';
import type { AgentStats, AgentStatus } from './agent-stats.js';

/**
 * One market-making strategy over many symbols. Single-threaded by design: a
 * call to `process` runs to completion before the next, so no locks.
 */
export class MarketMakerAgent {
  private params: QuotingParams;
  private readonly states = new Map<string, SymbolState>();
  /** the last config.fillIdMemory fill ids applied, with what each carried */
  private fillIds: FillIdMemory;
  private paused = false;
  private replaying = false;
  private lastError: string | null = null;
  readonly stats: AgentStats = { updates: 0, rejected: 0, quotes: 0, fills: 0, duplicateFills: 0, fillIdConflicts: 0, breaches: 0, errors: 0 };

  /** loss, drawdown and notional limits, the halt, and the period (agent-risk.ts) */
  readonly risk: AgentRisk;

  constructor(readonly id: string, config: MarketMakerConfig | MarketMakerConfigInput = {}) {
    this.params = quotingParams(parseConfig(config));
    this.fillIds = new FillIdMemory(this.params.config.fillIdMemory);
    this.risk = new AgentRisk(this.params.config.risk);
  }

  get config(): MarketMakerConfig {
    return this.params.config;
  }

  get status(): AgentStatus {
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
      // a fact already in the ledger had its room admitted before the commit, and replay applies it too
      const room = roomAdmitted || this.replaying || this.states.size < this.params.config.maxSymbols;
      return checkUpdate(u, this.states.get(u.symbol), this.params, this.fillIds, room, this);
    } catch (err) {
      this.stats.rejected++;
      throw err;
    }
  }

  /**
   * Applies one update and recomputes that symbol's quote. Throws AgentError
   * for input it refuses, leaving every state as it was.
   *
   * Without `out`: a new result whose quote is a copy the caller may keep.
   * With `out` (the hot path: no allocation for market data): the result is
   * written into `out`, which is returned, and `out.quote` is the symbol's own
   * quote object, rewritten in place by the symbol's next requote: serialise
   * or copy it before then. `roomAdmitted`: the caller has already admitted a
   * new symbol against maxSymbols (a fill or position committed to the ledger).
   */
  process(u: Update, out?: ProcessResult, roomAdmitted = false): ProcessResult {
    if (this.check(u, roomAdmitted) === 'duplicate') {
      this.stats.duplicateFills++;
      const current = this.states.get(u.symbol);
      if (current === undefined) return writeResult(out, u.symbol, 'duplicate', null, DECISIONS.noMid, false, false);
      return writeResult(out, u.symbol, 'duplicate', out === undefined ? keptQuote(current) : current.quote, current.decision, current.inBreach, false);
    }
    let s = this.states.get(u.symbol);
    if (s === undefined) this.states.set(u.symbol, (s = new SymbolState(u.symbol)));
    try {
      if (u.type === 'fill') {
        this.fillIds.remember(u.id, fillFingerprint(u));
        this.stats.fills++;
      }
      // replay leaves the risk state to the journaled risk entries: the mids it was measured at are not journaled
      const rolled = this.risk.sessional && !this.replaying && this.risk.roll(u.time);
      applyUpdate(s, u, this.params, !this.replaying);
      this.risk.observe(s.symbol, s.inventory);
      const breach = this.risk.measuring && !this.replaying ? this.risk.evaluate(u.symbol, u.time) : null;
      this.stats.updates++;
      s.updates++;
      const wasInBreach = s.inBreach;
      const hadQuote = s.quote !== null;
      const outcome = requoteWithRisk(s, this.params, this.paused, this.risk, false);
      if (s.inBreach && !wasInBreach) this.stats.breaches++;
      if (outcome !== 'no-quote') {
        if (outcome === 'quoted') this.stats.quotes++;
        this.lastError = null;
      } else if (s.decision.reason === 'numerical-error') {
        this.recordError(`${u.symbol}: quote not finite for the inputs given`);
      }
      const r = writeResult(out, u.symbol, outcome, out === undefined ? keptQuote(s) : s.quote, s.decision, s.inBreach, hadQuote && outcome === 'no-quote');
      if (breach !== null || rolled) r.risk = this.riskChange(breach, rolled, u.symbol); // rare: only then has a result the field
      return r;
    } catch (err) {
      // validation ran before any change, so anything thrown here is a defect: surface it as the Error status
      this.recordError(`${u.symbol}: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
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
    s.quoteTime = time;
    const outcome = requoteWithRisk(s, this.params, this.paused, this.risk, true);
    if (outcome === 'quoted') this.stats.quotes++;
    return writeResult(undefined, symbol, outcome, keptQuote(s), s.decision, s.inBreach, hadQuote && outcome === 'no-quote');
  }

  /** What a breach or a new period changed, for the ledger and the stream (rare: out of process()'s line). */
  private riskChange(breach: RiskChange['breach'], rolled: boolean, symbol: string): RiskChange {
    return { breach, rolled, withdrawn: breach?.symbol === null ? this.withdrawAllBut(symbol) : [], state: this.risk.snapshot() };
  }

  private withdrawAllBut(symbol: string | null): string[] {
    return withdrawAll(this.states.values(), this.params, this.paused, this.risk, symbol);
  }

  /** The kill switch: on, withdraws every quote (returns the symbols withdrawn); off, requotes every symbol at `time`. */
  setHalted(on: boolean, time: number): { withdrawn: string[]; results: ProcessResult[] } {
    this.risk.halted = on;
    return on ? { withdrawn: this.withdrawAllBut(null), results: [] } : { withdrawn: [], results: this.requoteAll(time) };
  }

  /** Takes a risk state (a reset's, or one journaled) and requotes every symbol at `time`. */
  setRiskState(state: RiskSnapshot, time: number): ProcessResult[] {
    this.risk.restore(state);
    return this.requoteAll(time);
  }

  private requoteAll(time: number): ProcessResult[] {
    return Array.from(this.states.keys(), (symbol) => this.requote(symbol, time)!);
  }

  /** Replaces the configuration; the next update of each symbol quotes with it. */
  reconfigure(config: MarketMakerConfig | MarketMakerConfigInput): void {
    const params = quotingParams(parseConfig(config));
    assertPositionsFit(this.states.values(), params);
    this.params = params;
    this.risk.setConfig(params.config.risk);
    // a smaller memory forgets the oldest ids at once
    this.fillIds = this.fillIds.resized(this.params.config.fillIdMemory);
  }

  /** Throws INVALID_CONFIG unless `config`'s quantityStep divides every position (update-check.ts); call before journaling a change. */
  checkConfig(config: MarketMakerConfig): void {
    assertPositionsFit(this.states.values(), quotingParams(config));
  }

  hasSymbol(symbol: string): boolean {
    return this.states.has(symbol);
  }

  symbolNames(): IterableIterator<string> {
    return this.states.keys();
  }

  /**
   * Each symbol's position and toxicity, without building views: what the metrics rank
   * symbols by at scrape time (10,000 views cost milliseconds; this, tens of µs).
   */
  forEachRisk(fn: (symbol: string, position: number, toxicity: number) => void): void {
    for (const s of this.states.values()) fn(s.symbol, s.inventory.position, s.toxicity);
  }

  /** The symbol's current quote (a copy the caller may keep), null when it has none, undefined for an unknown symbol. */
  quote(symbol: string): Quote | null | undefined {
    const s = this.states.get(symbol);
    return s === undefined ? undefined : keptQuote(s);
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
      s.quoteTime = s.midTime;
      requoteWithRisk(s, this.params, this.paused, this.risk, false);
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
    const { ids, fingerprints } = this.fillIds.entries();
    return {
      id: this.id,
      config: this.params.config,
      paused: this.paused,
      symbols: Array.from(this.states.values(), snapshotSymbol),
      fillIds: ids,
      fillFingerprints: fingerprints,
      risk: this.risk.snapshot(),
    };
  }

  static fromSnapshot(snap: AgentSnapshot): MarketMakerAgent {
    const agent = new MarketMakerAgent(snap.id, snap.config);
    agent.paused = snap.paused;
    for (const sym of snap.symbols) {
      const s = restoreSymbol(sym);
      // the score the restored fills make, shown (views, metrics) before the symbol's next update requotes it
      refreshToxicity(s, agent.params);
      agent.states.set(sym.symbol, s);
    }
    // oldest first, as snapshot() lists them; a snapshot from before fingerprints were kept has none
    // (UNKNOWN_FILL: a reused id then answers duplicate, as it did when that snapshot was written)
    const prints = snap.fillFingerprints;
    for (let i = 0; i < snap.fillIds.length; i++) agent.fillIds.remember(snap.fillIds[i]!, prints?.[i] ?? UNKNOWN_FILL);
    agent.stats.fills = snap.symbols.reduce((n, s) => n + s.inventory.buyFills + s.inventory.sellFills, 0);
    agent.risk.rebuild(agent.states.values(), snap.risk);
    return agent;
  }
}
