/** The last `capacity` latencies in a ring, for quantiles over a sliding window read at scrape time. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  /** a copy of the ring that selection reorders, allocated once */
  private readonly scratch: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(capacity: number) {
    this.samples = new Float64Array(capacity);
    this.scratch = new Float64Array(capacity);
  }

  get size(): number {
    return this.filled;
  }

  record(seconds: number): void {
    this.samples[this.next] = seconds;
    this.next = this.next + 1 === this.samples.length ? 0 : this.next + 1;
    if (this.filled < this.samples.length) this.filled++;
  }

  /** Nearest-rank quantile of the window; NaN when empty. */
  quantile(q: number): number {
    return this.quantiles([q])[0]!;
  }

  /**
   * Nearest-rank quantiles of the window (NaN when empty), by selection rather than a sort:
   * O(n) expected per quantile instead of O(n log n), on a preallocated copy, so a scrape of a
   * 10,000-sample window costs tens of µs and allocates nothing but the result.
   */
  quantiles(qs: readonly number[]): number[] {
    const n = this.filled;
    if (n === 0) return qs.map(() => NaN);
    const a = this.scratch;
    a.set(n === this.samples.length ? this.samples : this.samples.subarray(0, n));
    // highest rank first: each selection leaves everything below its rank at lower indices, so the next one searches less
    const order = qs.map((q, i) => ({ i, rank: rankOf(q, n) })).sort((x, y) => y.rank - x.rank);
    const out = new Array<number>(qs.length);
    let hi = n - 1;
    for (const { i, rank } of order) {
      out[i] = select(a, 0, hi, rank);
      hi = rank;
    }
    return out;
  }
}

/** 0-based index of the nearest-rank q-quantile among n sorted values */
function rankOf(q: number, n: number): number {
  return Math.max(0, Math.min(n - 1, Math.ceil(q * n) - 1));
}

/**
 * The value that would sit at index k of a[lo..hi] sorted (Hoare's quickselect, median-of-three
 * pivot), reordering a[lo..hi] so that a[lo..k−1] ≤ a[k] ≤ a[k+1..hi].
 */
export function select(a: Float64Array, lo: number, hi: number, k: number): number {
  while (hi > lo) {
    const mid = lo + ((hi - lo) >> 1);
    // median of three to the middle: sorted or constant windows stay O(n)
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
