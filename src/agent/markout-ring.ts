/**
 * The last `capacity` fills of one symbol in preallocated typed arrays, with
 * the running sums the toxicity score needs kept up to date on every push,
 * eviction and mark-out, so scoring never scans the history.
 *
 * A fill's mark-out is taken at the first mid update at least `horizonMs`
 * after the fill: side · (mid_then − mid_at_fill) / mid_at_fill, in bps,
 * positive when the market moved in our favour. Fills are marked out in
 * arrival order; one evicted before its horizon is never marked out.
 */
import type { TimedMid } from './volatility-estimator.js';

export const FILL_HISTORY = 1_000;

/** marks a fill whose mark-out will never be taken */
const NEVER = Infinity;

export class MarkoutRing {
  readonly capacity: number;
  private readonly side: Int8Array;
  private readonly time: Float64Array;
  private readonly refMid: Float64Array;
  private readonly markout: Float64Array;
  private head = 0;
  private count = 0;
  /** the newest `pending` fills have no mark-out yet */
  private pending = 0;
  buys = 0;
  sells = 0;
  markoutSumBps = 0;
  markoutCount = 0;

  constructor(capacity = FILL_HISTORY) {
    this.capacity = capacity;
    this.side = new Int8Array(capacity);
    this.time = new Float64Array(capacity);
    this.refMid = new Float64Array(capacity);
    this.markout = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /**
   * `side` is +1 for our buy (bid filled), −1 for our sell; `refMid` the mid when it happened.
   * `markLater` false records a fill that will never be marked out (restored from a journal);
   * only allowed while no fill awaits its mark-out, as pending fills must be the newest.
   */
  push(side: 1 | -1, timeMs: number, refMid: number, markLater = true): void {
    const i = this.head;
    if (this.count === this.capacity) this.evict(i);
    else this.count++;
    this.side[i] = side;
    this.time[i] = timeMs;
    this.refMid[i] = refMid;
    if (side > 0) this.buys++;
    else this.sells++;
    if (markLater || this.pending > 0) {
      this.markout[i] = NaN;
      this.pending++;
    } else {
      this.markout[i] = NEVER;
    }
    this.head = i + 1 === this.capacity ? 0 : i + 1;
  }

  /** Marks out every pending fill whose horizon has passed at `nowMs`. */
  markOut(nowMs: number, mid: number, horizonMs: number): void {
    this.markOutAt({ midTime: nowMs, mid }, horizonMs);
  }

  /** As markOut(), at the mid and time of `at` (objects, not doubles, cross the call: no boxing). */
  markOutAt(at: TimedMid, horizonMs: number): void {
    const nowMs = at.midTime;
    const mid = at.mid;
    const cap = this.capacity;
    while (this.pending > 0) {
      let i = this.head - this.pending;
      if (i < 0) i += cap;
      if (this.time[i]! + horizonMs > nowMs) return;
      const ref = this.refMid[i]!;
      // + 0 turns a −0 (a sell with no move) into 0, which survives JSON
      const bps = (this.side[i]! * (mid - ref) / ref) * 1e4 + 0;
      this.markout[i] = bps;
      this.markoutSumBps += bps;
      this.markoutCount++;
      this.pending--;
    }
  }

  private evict(i: number): void {
    if (this.side[i]! > 0) this.buys--;
    else this.sells--;
    const m = this.markout[i]!;
    if (Number.isNaN(m)) {
      this.pending--;
    } else if (m !== NEVER) {
      this.markoutSumBps -= m;
      this.markoutCount--;
      // with no mark-out left, reset the sum so rounding drift cannot outlive the fills
      if (this.markoutCount === 0) this.markoutSumBps = 0;
    }
  }

  /** The fills oldest first, for a snapshot; a mark-out not (yet) taken is null. */
  toJSON(): MarkoutRingState {
    const out: MarkoutRingState = { side: [], time: [], refMid: [], markoutBps: [] };
    const cap = this.capacity;
    for (let k = 0; k < this.count; k++) {
      const i = (this.head - this.count + k + cap) % cap;
      const m = this.markout[i]!;
      out.side.push(this.side[i]! > 0 ? 1 : -1);
      out.time.push(this.time[i]!);
      out.refMid.push(this.refMid[i]!);
      out.markoutBps.push(Number.isFinite(m) ? m : null);
    }
    return out;
  }

  /** A ring holding a snapshot's fills; those without a mark-out will never get one. */
  static fromJSON(state: MarkoutRingState, capacity = FILL_HISTORY): MarkoutRing {
    const ring = new MarkoutRing(capacity);
    for (let k = 0; k < state.side.length; k++) {
      const m = state.markoutBps[k];
      ring.push(state.side[k]!, state.time[k]!, state.refMid[k]!, false);
      if (m !== null && m !== undefined) {
        const i = ring.head === 0 ? capacity - 1 : ring.head - 1;
        ring.markout[i] = m;
        ring.markoutSumBps += m;
        ring.markoutCount++;
      }
    }
    return ring;
  }
}

export interface MarkoutRingState {
  side: (1 | -1)[];
  time: number[];
  refMid: number[];
  markoutBps: (number | null)[];
}
