import { AgentError } from './errors.js';
import { MarketMakerConfigSchema, type MarketMakerConfig, type MarketMakerConfigInput } from './config.js';
import { FillRing } from './fill-ring.js';
import { applyFill, applySnapshot } from './inventory.js';
import { requote } from './quote-engine.js';
import type { ProcessResult, Quote } from './quote.js';
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
  /** fill ids already applied, oldest first, bounded by config.fillIdMemory */
  private readonly fillIds = new Set<string>();
  private paused = false;
  private processing = false;
  private lastError: string | null = null;
  readonly stats: AgentStats = { updates: 0, rejected: 0, quotes: 0, fills: 0, duplicateFills: 0, breaches: 0, errors: 0 };

  constructor(readonly id: string, config: MarketMakerConfig | MarketMakerConfigInput = {}) {
    this.params = quotingParams(parseConfig(config));
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
   * Applies one update and recomputes that symbol's quote. Throws AgentError
   * for input it refuses, leaving every state as it was.
   */
  process(u: Update): ProcessResult {
    try {
      validateUpdate(u);
    } catch (err) {
      this.stats.rejected++;
      throw err;
    }
    let s = this.states.get(u.symbol);
    if (u.type === 'position' && s !== undefined && u.time < s.lastSnapshotTime) {
      this.stats.rejected++;
      throw new AgentError('STALE_UPDATE', `time: position snapshot at ${u.time} is older than the one applied at ${s.lastSnapshotTime}`, 'time');
    }
    if (u.type === 'fill' && this.fillIds.has(u.id)) {
      this.stats.duplicateFills++;
      const current = s ?? this.stateOf(u.symbol);
      return { symbol: u.symbol, outcome: 'duplicate', quote: current.quote, decision: current.decision, breach: current.inBreach };
    }
    if (s === undefined) s = this.createState(u.symbol);

    this.processing = true;
    try {
      this.apply(s, u);
      this.stats.updates++;
      s.updates++;
      const wasInBreach = s.inBreach;
      const quoted = requote(s, this.params, u.time, this.paused);
      if (s.inBreach && !wasInBreach) this.stats.breaches++;
      if (quoted) {
        this.stats.quotes++;
        this.lastError = null;
      } else if (s.decision.reason === 'numerical-error') {
        this.recordError(`${u.symbol}: quote not finite for the inputs given`);
      }
      return { symbol: u.symbol, outcome: quoted ? 'quoted' : 'no-quote', quote: s.quote, decision: s.decision, breach: s.inBreach };
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
        applySnapshot(s.inventory, u.quantity, u.averageCost);
        if (u.mark !== undefined) s.inventory.markPrice = u.mark;
        s.lastSnapshotTime = u.time;
        return;
      case 'fill': {
        this.rememberFill(u.id);
        const side = u.side === 'buy' ? 1 : -1;
        applyFill(s.inventory, side * u.quantity, u.price);
        if (!(s.inventory.markPrice > 0)) s.inventory.markPrice = u.price;
        if (s.fills === null) s.fills = new FillRing();
        s.fills.push(side, u.time, s.mid > 0 ? s.mid : u.price);
        if (s.intensity !== null) s.intensity.recordFill(side, u.price, u.time, c.intensity.halfLifeMs);
        this.stats.fills++;
        return;
      }
    }
  }

  private rememberFill(id: string): void {
    this.fillIds.add(id);
    if (this.fillIds.size > this.params.config.fillIdMemory) {
      const oldest = this.fillIds.values().next();
      if (!oldest.done) this.fillIds.delete(oldest.value);
    }
  }

  private createState(symbol: string): SymbolState {
    if (this.states.size >= this.params.config.maxSymbols) {
      this.stats.rejected++;
      throw new AgentError('SYMBOL_LIMIT', `symbol: agent ${this.id} already has ${this.states.size} symbols (maxSymbols)`, 'symbol');
    }
    const s = new SymbolState(symbol);
    this.states.set(symbol, s);
    return s;
  }

  private stateOf(symbol: string): SymbolState {
    return this.states.get(symbol) ?? new SymbolState(symbol);
  }

  private recordError(message: string): void {
    this.stats.errors++;
    this.lastError = message;
  }

  /** Recomputes a symbol's quote without new data, e.g. after a change of configuration or a resume. */
  requote(symbol: string, time: number): ProcessResult | undefined {
    const s = this.states.get(symbol);
    if (s === undefined) return undefined;
    const quoted = requote(s, this.params, time, this.paused);
    if (quoted) this.stats.quotes++;
    return { symbol, outcome: quoted ? 'quoted' : 'no-quote', quote: s.quote, decision: s.decision, breach: s.inBreach };
  }

  /** Replaces the configuration; the next update of each symbol quotes with it. */
  reconfigure(config: MarketMakerConfig | MarketMakerConfigInput): void {
    this.params = quotingParams(parseConfig(config));
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

  /** Pauses the whole agent, or one symbol. Paused symbols keep tracking inventory but publish no quote. */
  pause(symbol?: string): void {
    this.setPaused(true, symbol);
  }

  resume(symbol?: string): void {
    this.setPaused(false, symbol);
  }

  isPaused(symbol?: string): boolean {
    return symbol === undefined ? this.paused : (this.states.get(symbol)?.paused ?? false);
  }

  private setPaused(paused: boolean, symbol: string | undefined): void {
    if (symbol === undefined) {
      this.paused = paused;
      if (paused) for (const s of this.states.values()) this.withdraw(s);
      return;
    }
    const s = this.states.get(symbol);
    if (s === undefined) return;
    s.paused = paused;
    if (paused) this.withdraw(s);
  }

  private withdraw(s: SymbolState): void {
    requote(s, this.params, s.midTime, this.paused);
  }

  /** Clears an error status once an operator has looked at it. */
  clearError(): void {
    this.lastError = null;
  }
}

/** Validates a configuration, turning zod's first issue into an AgentError naming the field. */
export function parseConfig(input: unknown): MarketMakerConfig {
  const r = MarketMakerConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue ? issue.path.join('.') : '';
  throw new AgentError('INVALID_CONFIG', `${field || 'config'}: ${issue?.message ?? 'invalid'}`, field || undefined);
}
