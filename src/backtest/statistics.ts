/**
 * What a replay accumulates as it goes, in O(1) memory: time-weighted
 * inventory, time in breach and quote uptime, the P&L at fixed interval
 * boundaries (for the per-interval mean, standard deviation and Sharpe
 * ratio) and the maximum drawdown.
 *
 * Time weighting: the state after an event holds until the next event, so
 * `advance(t)` is called with the time of every change before it is made.
 */
import { RunningStats } from '../sim/running-stats.js';

export interface ReplayState {
  pnl: number;
  inventory: number;
  breach: boolean;
  bidLive: boolean;
  askLive: boolean;
}

export class ReplayStatistics {
  private start = NaN;
  private clock = NaN;
  private invArea = 0;
  private invSqArea = 0;
  private absInvArea = 0;
  private breachMs = 0;
  private bidMs = 0;
  private askMs = 0;
  private bothMs = 0;
  invMin = 0;
  invMax = 0;
  private peak = 0;
  maxDrawdown = 0;
  /** P&L changes over whole intervals */
  readonly intervals = new RunningStats();
  private nextBoundary = NaN;
  private lastBoundaryPnl = 0;

  constructor(readonly intervalMs: number, private readonly state: ReplayState) {}

  /** Time moves on to `t` with the state unchanged since the last call. */
  advance(t: number): void {
    const s = this.state;
    if (Number.isNaN(this.start)) {
      this.start = this.clock = t;
      this.nextBoundary = t + this.intervalMs;
      return;
    }
    // boundaries strictly before t see the state that held up to t
    while (this.nextBoundary < t) this.closeInterval();
    const dt = t - this.clock;
    if (dt > 0) {
      this.invArea += s.inventory * dt;
      this.invSqArea += s.inventory * s.inventory * dt;
      this.absInvArea += Math.abs(s.inventory) * dt;
      if (s.breach) this.breachMs += dt;
      if (s.bidLive) this.bidMs += dt;
      if (s.askLive) this.askMs += dt;
      if (s.bidLive && s.askLive) this.bothMs += dt;
      this.clock = t;
    }
  }

  /** After a change of state: extremes and drawdown. */
  observe(): void {
    const s = this.state;
    if (s.inventory < this.invMin) this.invMin = s.inventory;
    if (s.inventory > this.invMax) this.invMax = s.inventory;
    if (s.pnl > this.peak) this.peak = s.pnl;
    if (this.peak - s.pnl > this.maxDrawdown) this.maxDrawdown = this.peak - s.pnl;
  }

  /** At the end of the data: a boundary at the last time sees the final state. */
  finish(): void {
    if (Number.isNaN(this.start)) return;
    while (this.nextBoundary <= this.clock) this.closeInterval();
  }

  private closeInterval(): void {
    this.intervals.add(this.state.pnl - this.lastBoundaryPnl);
    this.lastBoundaryPnl = this.state.pnl;
    this.nextBoundary += this.intervalMs;
  }

  get durationMs(): number {
    return Number.isNaN(this.start) ? 0 : this.clock - this.start;
  }

  /** Time averages over the replay; null when it lasted no time. */
  averages(): { meanInventory: number; stdInventory: number; meanAbsInventory: number; breach: number; bid: number; ask: number; both: number } | null {
    const d = this.durationMs;
    if (!(d > 0)) return null;
    const mean = this.invArea / d;
    return {
      meanInventory: mean,
      stdInventory: Math.sqrt(Math.max(0, this.invSqArea / d - mean * mean)),
      meanAbsInventory: this.absInvArea / d,
      breach: this.breachMs / d,
      bid: this.bidMs / d,
      ask: this.askMs / d,
      both: this.bothMs / d,
    };
  }

  get breachTimeMs(): number {
    return this.breachMs;
  }
}
