/**
 * A reference fit for tests, computed by a different method from the agent's
 * (src/model/intensity-fit.ts runs Newton on binned exposure): the exact
 * Poisson maximum likelihood of λ(δ) = A·e^(−kδ) over raw exposure segments
 * (every spell a level rested, at its own distance) and the fills' own
 * distances, found by a golden-section search of the profile likelihood
 *   ℓ(k) = −k·S − n·ln Σ_j t_j e^(−k·δ_j)     (A = n / Σ_j t_j e^(−k·δ_j))
 * over ln k. The profile is concave in k, so the search finds its maximum.
 */
export class RawExposure {
  readonly distance: number[] = [];
  /** time units */
  readonly time: number[] = [];
  fills = 0;
  fillDistanceSum = 0;

  rest(distance: number, time: number): void {
    if (time > 0) {
      this.distance.push(distance);
      this.time.push(time);
    }
  }

  fill(distance: number): void {
    this.fills++;
    this.fillDistanceSum += distance;
  }

  /** The exact MLE within [kMin, kMax]. */
  fit(kMin = 1e-3, kMax = 1e4): { k: number; A: number } {
    const d = this.distance;
    const t = this.time;
    const n = this.fills;
    const m = Math.min(...d);
    // Σ t_j e^(−k(δ_j − m)): shifted by the nearest distance so that nothing underflows
    const sum = (k: number) => {
      let e = 0;
      for (let j = 0; j < d.length; j++) e += t[j]! * Math.exp(-k * (d[j]! - m));
      return e;
    };
    const profile = (lk: number) => {
      const k = Math.exp(lk);
      return -k * (this.fillDistanceSum - n * m) - n * Math.log(sum(k));
    };
    let a = Math.log(kMin);
    let b = Math.log(kMax);
    const g = (Math.sqrt(5) - 1) / 2;
    let c = b - g * (b - a);
    let dd = a + g * (b - a);
    let fc = profile(c);
    let fd = profile(dd);
    for (let i = 0; i < 80; i++) {
      if (fc > fd) {
        b = dd;
        dd = c;
        fd = fc;
        c = b - g * (b - a);
        fc = profile(c);
      } else {
        a = c;
        c = dd;
        fc = fd;
        dd = a + g * (b - a);
        fd = profile(dd);
      }
    }
    const k = Math.exp((a + b) / 2);
    return { k, A: n / (sum(k) * Math.exp(-k * m)) };
  }
}
