/**
 * Mark-outs of our fills: how the mid moved `horizonMs` after each one,
 * signed so that a move in our favour is positive (we bought and the mid
 * rose, or sold and it fell), in basis points of the fill price. The mid at
 * fill time + horizon is the latest mid at or before that time.
 */
import { RunningStats } from '../sim/running-stats.js';

/** Mark-outs kept for the histogram; past this the statistics go on but the plot shows the first ones (docs/backtest.md, "Bounds"). */
export const MAX_MARKOUT_SAMPLES = 200_000;

export interface Markout { side: 'buy' | 'sell'; bps: number }

interface Waiting { due: number; side: 1 | -1; price: number }

export class Markouts {
  private readonly waiting: Waiting[] = [];
  private head = 0;
  readonly stats = new RunningStats();
  readonly samples: Markout[] = [];

  constructor(readonly horizonMs: number, private readonly maxSamples = MAX_MARKOUT_SAMPLES) {}

  add(time: number, side: 'buy' | 'sell', price: number): void {
    this.waiting.push({ due: time + this.horizonMs, side: side === 'buy' ? 1 : -1, price });
  }

  /**
   * Before the mid changes at `time`: every fill due before `time` is marked
   * at `mid`, the mid that held until then. Fills are added in time order, so
   * they fall due in order.
   */
  settleBefore(time: number, mid: number): void {
    while (this.head < this.waiting.length && this.waiting[this.head]!.due < time) this.settle(this.waiting[this.head++]!, mid);
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }

  /** At the end of the data: fills due by `time` are marked at the last mid; later ones stay unmarked. */
  finish(time: number, mid: number): void {
    while (this.head < this.waiting.length && this.waiting[this.head]!.due <= time) this.settle(this.waiting[this.head++]!, mid);
  }

  /** Fills whose horizon passed the end of the data. */
  get unresolved(): number {
    return this.waiting.length - this.head;
  }

  private settle(w: Waiting, mid: number): void {
    const bps = (w.side * (mid - w.price) / w.price) * 1e4;
    this.stats.add(bps);
    if (this.samples.length < this.maxSamples) this.samples.push({ side: w.side === 1 ? 'buy' : 'sell', bps });
  }
}
