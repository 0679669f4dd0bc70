/**
 * Online sigma of one symbol from its mid updates (see
 * `model/realised-volatility.ts` for the estimator and its units): O(1) per
 * mid, no history kept.
 *
 * A return runs from the end of the previous return to the next mid with a
 * later time. A mid at the same millisecond, or an earlier one (out of order),
 * makes no return of its own, which would have zero or negative length; the
 * returns still chain end to end, so together they cover the whole move of
 * the mid over the whole time.
 */
import { decayFactor } from '../model/decay.js';
import { sigmaFromSums } from '../model/realised-volatility.js';

/** a mid and its time, Unix ms */
export interface TimedMid {
  midTime: number;
  mid: number;
}

export class VolatilityEstimator {
  private fromMid = NaN;
  private fromTime = NaN;
  /** decayed Σ (Δmid)², price units² */
  private squaredMoves = 0;
  /** decayed Σ Δt, ms */
  private elapsedMs = 0;
  /**
   * Returns in the window, decayed like the sums: the warm-up count. After a
   * gap of several half-lives it falls back towards 1, as the estimate then
   * rests on the few returns since the gap.
   */
  samples = 0;
  /** every return ever measured, for display */
  returns = 0;

  observe(time: number, mid: number, halfLifeMs: number): void {
    this.observeMid({ midTime: time, mid }, halfLifeMs);
  }

  /**
   * As observe(), with the mid and its time read from `at` (the symbol's state
   * on the hot path): doubles passed as arguments to a call V8 does not inline
   * are boxed, one allocation each.
   */
  observeMid(at: TimedMid, halfLifeMs: number): void {
    const time = at.midTime;
    const mid = at.mid;
    if (!(time > this.fromTime)) {
      if (this.fromTime !== this.fromTime) {
        this.fromMid = mid;
        this.fromTime = time;
      }
      return;
    }
    const dt = time - this.fromTime;
    const move = mid - this.fromMid;
    const keep = decayFactor(dt, halfLifeMs);
    this.squaredMoves = this.squaredMoves * keep + move * move;
    this.elapsedMs = this.elapsedMs * keep + dt;
    this.samples = this.samples * keep + 1;
    this.returns++;
    this.fromMid = mid;
    this.fromTime = time;
  }

  /** σ per √(time unit of `unitMs` ms); NaN before the first return. */
  sigma(unitMs: number): number {
    return sigmaFromSums(this.squaredMoves, this.elapsedMs, unitMs);
  }

  /**
   * σ once at least `minSamples` returns back it, else NaN. The decayed count
   * is rounded so that N returns in quick succession (weighing just under N)
   * are N returns.
   */
  warmSigma(minSamples: number, unitMs: number): number {
    return Math.round(this.samples) >= minSamples ? this.sigma(unitMs) : NaN;
  }
}
