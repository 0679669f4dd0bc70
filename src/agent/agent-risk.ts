/**
 * One agent's risk state: the period, the peak and baseline of its P&L (and of
 * each symbol's when symbol limits are set), the loss and drawdown holds, the
 * global halt, and the running sums of P&L and notional over its symbols.
 *
 * The sums are kept per symbol and totalled incrementally (O(1) per update),
 * and recomputed exactly at every reset, roll and restore. Everything a restart
 * must keep is `RiskSnapshot`, plain data the ledger journals whenever it
 * changes other than by an update (a breach, a reset, a new session period).
 */
import type { InventoryState } from './inventory.js';
import type { RiskConfig } from './risk-config.js';
import {
  blockedSides, breachOf, LIMIT_KINDS, measure, msOfDay, sessionPeriodStart, usedRatio,
  type HoldReason, type LimitKind, type ScopeState,
} from './risk-limits.js';

export interface RiskHold {
  reason: HoldReason;
  /** update time of the breach, Unix ms */
  time: number;
  /** P&L since the period start and drawdown at the breach */
  pnl: number;
  drawdown: number;
  limit: number;
}

export interface RiskSnapshot {
  /** start of the current period (Unix ms); null until a session period's first update or a manual reset */
  periodStart: number | null;
  agent: ScopeState;
  /** only while symbol limits are set */
  symbols: [string, ScopeState][];
  hold: RiskHold | null;
  symbolHolds: [string, RiskHold][];
}

/** A change of the risk state made by an update, for the ledger and the stream. */
export interface RiskChange {
  /** the breach this update made: the agent's (symbol null) or one symbol's */
  breach: { symbol: string | null; hold: RiskHold } | null;
  /** a new session period started (clearing the loss and drawdown holds) */
  rolled: boolean;
  /** other symbols whose quote the breach withdrew */
  withdrawn: string[];
  state: RiskSnapshot;
}

export type StopReason = 'halted' | HoldReason;

export interface RiskView {
  halted: boolean;
  period: RiskConfig['period'];
  periodStart: number | null;
  hold: RiskHold | null;
  symbolHolds: Record<string, RiskHold>;
  pnl: number;
  drawdown: number;
  grossNotional: number;
  netNotional: number;
  limits: Record<LimitKind, number | null>;
  /** share of each limit in use (1 = at the limit), 0 for a limit that is off */
  used: Record<LimitKind, number>;
}

interface Contribution {
  pnl: number;
  notional: number;
}

const emptyScope = (): ScopeState => ({ baseline: 0, peak: 0 });

export class AgentRisk {
  halted = false;
  private periodStart: number | null = null;
  private agent: ScopeState = emptyScope();
  private symbols = new Map<string, ScopeState>();
  private hold: RiskHold | null = null;
  private symbolHolds = new Map<string, RiskHold>();
  private readonly parts = new Map<string, Contribution>();
  private pnl = 0;
  private gross = 0;
  private net = 0;

  /** the session reset as ms after midnight UTC, parsed once per configuration */
  private resetMs: number;

  /**
   * whether any loss or drawdown limit is set, and whether the period is a session: read before
   * calling evaluate() and roll(), so that an agent without them passes no double across a call per update
   */
  measuring: boolean;
  sessional: boolean;

  constructor(private config: RiskConfig) {
    this.resetMs = config.period.mode === 'session' ? msOfDay(config.period.reset) : 0;
    this.measuring = this.limited();
    this.sessional = config.period.mode === 'session';
  }

  private limited(): boolean {
    const c = this.config;
    return c.maxLoss !== null || c.maxDrawdown !== null || c.symbolMaxLoss !== null || c.symbolMaxDrawdown !== null;
  }

  setConfig(config: RiskConfig): void {
    const periodChanged = JSON.stringify(config.period) !== JSON.stringify(this.config.period);
    this.config = config;
    this.resetMs = config.period.mode === 'session' ? msOfDay(config.period.reset) : 0;
    this.measuring = this.limited();
    this.sessional = config.period.mode === 'session';
    if (!this.perSymbol) this.symbols.clear();
    // a new kind of period starts at the next update (keeping holds), not at the old one's start
    if (periodChanged && config.period.mode === 'session') this.periodStart = null;
  }

  private get perSymbol(): boolean {
    return this.config.symbolMaxLoss !== null || this.config.symbolMaxDrawdown !== null;
  }

  /**
   * Records a symbol's P&L (realised + unrealised, net of fees) and position × mark (else × average
   * cost) after an update. Takes the inventory rather than the two figures: no double crosses a call
   * V8 may not inline, so the hot path allocates nothing here.
   */
  observe(symbol: string, inv: InventoryState): void {
    let c = this.parts.get(symbol);
    if (c === undefined) this.parts.set(symbol, (c = { pnl: 0, notional: 0 }));
    const position = inv.position;
    const pnl = position === 0 ? inv.realisedPnl : inv.realisedPnl + position * (inv.markPrice - inv.averageCost);
    const notional = position * (inv.markPrice > 0 ? inv.markPrice : inv.averageCost);
    this.pnl += pnl - c.pnl;
    this.gross += Math.abs(notional) - Math.abs(c.notional);
    this.net += notional - c.notional;
    c.pnl = pnl;
    c.notional = notional;
  }

  /** Sums every symbol again, exactly (after a reset, a roll or a restore). */
  private resum(): void {
    this.pnl = this.gross = this.net = 0;
    for (const c of this.parts.values()) {
      this.pnl += c.pnl;
      this.gross += Math.abs(c.notional);
      this.net += c.notional;
    }
  }

  /**
   * Before an update at `time`: starts a new session period when `time` is past the
   * next reset (baselines at the P&L now, peaks at zero, loss and drawdown holds
   * cleared). True when that cleared or changed anything a restart must know.
   */
  roll(time: number): boolean {
    const p = this.config.period;
    if (p.mode !== 'session') return false;
    const start = sessionPeriodStart(time, this.resetMs);
    if (this.periodStart !== null && start <= this.periodStart) return false;
    // the first period of a session (a new agent, or a change from manual) keeps any hold it has
    this.restore(this.startState(start, this.periodStart === null));
    return true;
  }

  /** The state a reset at `time` (POST /v1/agents/{id}/risk/reset) leads to, without making it. */
  resetState(time: number): RiskSnapshot {
    const p = this.config.period;
    return this.startState(p.mode === 'session' ? sessionPeriodStart(time, this.resetMs) : time, false);
  }

  private startState(start: number, keepHolds: boolean): RiskSnapshot {
    this.resum();
    return {
      periodStart: start,
      agent: { baseline: this.pnl, peak: 0 },
      symbols: this.perSymbol ? Array.from(this.parts, ([symbol, c]) => [symbol, { baseline: c.pnl, peak: 0 }]) : [],
      hold: keepHolds ? this.hold : null,
      symbolHolds: keepHolds ? [...this.symbolHolds] : [],
    };
  }

  /** Measures the agent and `symbol` after an update; a new breach sets its hold and is returned. */
  evaluate(symbol: string, time: number): { symbol: string | null; hold: RiskHold } | null {
    const c = this.config;
    if (!this.measuring) return null;
    const f = measure(this.agent, this.pnl);
    if (this.hold === null) {
      const reason = breachOf(f, c.maxLoss, c.maxDrawdown);
      if (reason !== null) {
        this.hold = { reason, time, pnl: f.pnl, drawdown: f.drawdown, limit: (reason === 'loss-limit' ? c.maxLoss : c.maxDrawdown)! };
        return { symbol: null, hold: this.hold };
      }
    }
    if (!this.perSymbol) return null;
    let scope = this.symbols.get(symbol);
    if (scope === undefined) this.symbols.set(symbol, (scope = emptyScope()));
    const sf = measure(scope, this.parts.get(symbol)?.pnl ?? 0);
    if (this.symbolHolds.has(symbol)) return null;
    const reason = breachOf(sf, c.symbolMaxLoss, c.symbolMaxDrawdown);
    if (reason === null) return null;
    const hold = { reason, time, pnl: sf.pnl, drawdown: sf.drawdown, limit: (reason === 'loss-limit' ? c.symbolMaxLoss : c.symbolMaxDrawdown)! };
    this.symbolHolds.set(symbol, hold);
    return { symbol, hold };
  }

  /** Why `symbol` may not be quoted at all, or null. */
  stopOf(symbol: string): StopReason | null {
    if (this.halted) return 'halted';
    if (this.hold !== null) return this.hold.reason;
    return this.symbolHolds.get(symbol)?.reason ?? null;
  }

  /** The sides of a symbol at `position` the notional limits keep off (BID_BLOCKED | ASK_BLOCKED; 0 none). */
  blocked(position: number): number {
    // no notional limit, no call: the running sums are not passed (boxed) on every requote for nothing
    if (this.config.maxGrossNotional === null && this.config.maxNetNotional === null) return 0;
    return blockedSides(position, this.gross, this.net, this.config.maxGrossNotional, this.config.maxNetNotional);
  }

  snapshot(): RiskSnapshot {
    return {
      periodStart: this.periodStart,
      agent: { ...this.agent },
      symbols: Array.from(this.symbols, ([s, v]) => [s, { ...v }]),
      hold: this.hold === null ? null : { ...this.hold },
      symbolHolds: Array.from(this.symbolHolds, ([s, h]) => [s, { ...h }]),
    };
  }

  /** Takes a journaled or snapshotted state (the P&L sums stay those observed). */
  restore(snap: RiskSnapshot): void {
    this.periodStart = snap.periodStart;
    this.agent = { ...snap.agent };
    this.symbols = new Map(snap.symbols.map(([s, v]) => [s, { ...v }]));
    this.hold = snap.hold === null ? null : { ...snap.hold };
    this.symbolHolds = new Map(snap.symbolHolds.map(([s, h]) => [s, { ...h }]));
    this.resum();
  }

  /** After a restore from a snapshot: every symbol's sums, then the snapshot's risk state (absent in snapshots from before risk limits). */
  rebuild(symbols: Iterable<{ symbol: string; inventory: InventoryState }>, snap: RiskSnapshot | undefined): void {
    for (const s of symbols) this.observe(s.symbol, s.inventory);
    if (snap !== undefined) this.restore(snap);
  }

  view(): RiskView {
    const c = this.config;
    const pnl = this.pnl - this.agent.baseline;
    const drawdown = Math.max(this.agent.peak, pnl) - pnl;
    const limits: Record<LimitKind, number | null> = {
      loss: c.maxLoss, drawdown: c.maxDrawdown, 'gross-notional': c.maxGrossNotional, 'net-notional': c.maxNetNotional,
    };
    const usedBy: Record<LimitKind, number> = { loss: -pnl, drawdown, 'gross-notional': this.gross, 'net-notional': Math.abs(this.net) };
    const used = {} as Record<LimitKind, number>;
    for (const k of LIMIT_KINDS) used[k] = usedRatio(usedBy[k], limits[k]);
    return {
      halted: this.halted,
      period: c.period,
      periodStart: this.periodStart,
      hold: this.hold,
      symbolHolds: Object.fromEntries(this.symbolHolds),
      pnl,
      drawdown,
      grossNotional: this.gross,
      netNotional: this.net,
      limits,
      used,
    };
  }
}
