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
import { packFloat64, packInt8, unpackFloat64, unpackInt8 } from './packed-columns.js';
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

  /**
   * The fills oldest first, for a snapshot, packed (packed-columns.ts): each
   * fill's side and mark-out (NaN: not taken), what the sums and evictions
   * need. Not the fill's time and mid: only a fill awaiting its mark-out reads
   * them, and a restored fill never gets one (its later mids are not journaled).
   */
  toJSON(): PackedMarkoutRing {
    const n = this.count;
    const cap = this.capacity;
    const side = new Int8Array(n);
    const markout = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const i = (this.head - n + k + cap) % cap;
      const m = this.markout[i]!;
      side[k] = this.side[i]! > 0 ? 1 : -1;
      markout[k] = Number.isFinite(m) ? m : NaN;
    }
    return { count: n, side: packInt8(side), markoutBps: packFloat64(markout), markoutSumBps: this.markoutSumBps };
  }

  /**
   * A ring holding a snapshot's fills, packed or listed (the form snapshots had
   * before); those without a mark-out will never get one. Throws on columns
   * that do not agree (a damaged snapshot is not restored on a guess).
   */
  static fromJSON(state: MarkoutRingState, capacity = FILL_HISTORY): MarkoutRing {
    const c = typeof state.side === 'string' ? unpackRing(state as PackedMarkoutRing) : listedColumns(state as ListedMarkoutRing);
    const ring = new MarkoutRing(capacity);
    for (let k = 0; k < c.side.length; k++) {
      const side = c.side[k];
      if (side !== 1 && side !== -1) throw new Error(`snapshot fill ring: side ${String(side)} at fill ${k}`);
      // never read again: a restored fill is never marked out
      ring.push(side, NaN, NaN, false);
      const m = c.markoutBps[k];
      if (typeof m === 'number' && Number.isFinite(m)) {
        const i = ring.head === 0 ? capacity - 1 : ring.head - 1;
        ring.markout[i] = m;
        ring.markoutSumBps += m;
        ring.markoutCount++;
      }
    }
    // the running sum as it was, not re-added in another order: later evictions subtract from the same bits
    // (only when the ring took every fill: a smaller ring evicted some, and its own sum is then the right one)
    if (typeof state.side === 'string' && c.side.length <= capacity) ring.markoutSumBps = (state as PackedMarkoutRing).markoutSumBps;
    return ring;
  }
}

interface RingColumns {
  side: ArrayLike<number>;
  markoutBps: ArrayLike<number | null>;
}

function unpackRing(state: PackedMarkoutRing): RingColumns {
  const n = state.count;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`snapshot fill ring: count ${String(n)}`);
  if (!Number.isFinite(state.markoutSumBps)) throw new Error(`snapshot fill ring: markoutSumBps ${String(state.markoutSumBps)}`);
  return {
    side: unpackInt8(state.side, n, 'snapshot fill ring, side'),
    markoutBps: unpackFloat64(state.markoutBps, n, 'snapshot fill ring, markoutBps'),
  };
}

function listedColumns(state: ListedMarkoutRing): RingColumns {
  const n = state.side.length;
  if (state.time.length !== n || state.refMid.length !== n || state.markoutBps.length !== n) throw new Error('snapshot fill ring: columns of different lengths');
  return state;
}

/** A ring in a snapshot: `count` fills oldest first, each column packed (packed-columns.ts); a mark-out not taken is NaN. */
export interface PackedMarkoutRing {
  count: number;
  side: string;
  markoutBps: string;
  /** the ring's running sum of the mark-outs, exactly as it was */
  markoutSumBps: number;
}

/** The form snapshots had before the packed one, still read: one JSON number per fill and column, null for a mark-out not taken (time and refMid unused). */
export interface ListedMarkoutRing {
  side: (1 | -1)[];
  time: number[];
  refMid: number[];
  markoutBps: (number | null)[];
}

export type MarkoutRingState = PackedMarkoutRing | ListedMarkoutRing;
