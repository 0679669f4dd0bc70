/**
 * A time series kept to a bounded number of points for plotting: every
 * observation is taken until the buffer holds 2 × `maxPoints`, then every
 * other point is dropped and only every second later observation is taken,
 * and so on; the last observation is always kept. Memory stays below
 * 2 × maxPoints + 1 points, however long the replay.
 */
export const MAX_SERIES_POINTS = 2_000;

export class DecimatedSeries<T> {
  private readonly points: T[] = [];
  private stride = 1;
  private seen = 0;
  private last: T | undefined;

  constructor(private readonly maxPoints = MAX_SERIES_POINTS) {}

  add(point: T): void {
    this.last = point;
    if (this.seen++ % this.stride !== 0) return;
    this.points.push(point);
    if (this.points.length >= 2 * this.maxPoints) {
      let j = 0;
      for (let i = 0; i < this.points.length; i += 2) this.points[j++] = this.points[i]!;
      this.points.length = j;
      this.stride *= 2;
    }
  }

  values(): T[] {
    const out = [...this.points];
    if (this.last !== undefined && out[out.length - 1] !== this.last) out.push(this.last);
    return out;
  }
}
