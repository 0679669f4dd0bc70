/** The last `capacity` latencies in a ring, for a quantile over a sliding window read at scrape time. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(capacity: number) {
    this.samples = new Float64Array(capacity);
  }

  record(seconds: number): void {
    this.samples[this.next] = seconds;
    this.next = this.next + 1 === this.samples.length ? 0 : this.next + 1;
    if (this.filled < this.samples.length) this.filled++;
  }

  /** Nearest-rank quantile of the window; NaN when empty. */
  quantile(q: number): number {
    if (this.filled === 0) return NaN;
    const sorted = this.samples.slice(0, this.filled).sort();
    return sorted[Math.min(this.filled - 1, Math.ceil(q * this.filled) - 1)]!;
  }
}
