/**
 * Mean and sample standard deviation accumulated one value at a time
 * (Welford's update), so a run keeps no per-path arrays and sums of large
 * squares do not cancel.
 */
export class RunningStats {
  private n = 0;
  private m = 0;
  private m2 = 0;

  add(x: number): void {
    this.n += 1;
    const d = x - this.m;
    this.m += d / this.n;
    this.m2 += d * (x - this.m);
  }

  get count(): number {
    return this.n;
  }

  get mean(): number {
    return this.n === 0 ? Number.NaN : this.m;
  }

  /** Sample standard deviation, divisor n − 1; NaN below two values. */
  get std(): number {
    return this.n < 2 ? Number.NaN : Math.sqrt(this.m2 / (this.n - 1));
  }
}
