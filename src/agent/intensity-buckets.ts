/**
 * What one side of our quotes has seen, by distance from the mid: how long
 * (ms) a quote of ours rested at each distance, how many fills it got there
 * and the sum of their distances, in buckets of `width` price units. The last
 * bucket is open-ended: it takes every distance beyond, so quotes far out
 * (where a bad fit would send them) still count, and their lack of fills
 * corrects the fit. Everything decays with a half-life in update time, bucket
 * by bucket when touched; only `refit`, O(buckets · Newton steps), scans.
 *
 * `refit` is the Poisson maximum-likelihood fit of λ(δ) = A·e^(−kδ) with
 * exposure (model/intensity-fit.ts): every bucket quoted in counts, with or
 * without fills, at its exposure-weighted mean distance, corrected to second
 * order for the spread of distances within it. Distances are in
 * price units, so k comes out per price unit as the model expects, and A per
 * time unit. The fit replaces the configured k and A (`ready`) once the
 * standard errors of both are below `maxRelativeError` of the estimates.
 */
import { decayFactor } from '../model/decay.js';
import { clamp, poissonIntensityFit, type IntensityFit } from '../model/intensity-fit.js';
import type { IntensityConfig } from './config.js';

export class IntensityBuckets {
  private readonly exposureMs: Float64Array;
  /** Σ δ·ms, for each bucket's mean distance */
  private readonly distanceMs: Float64Array;
  /** Σ δ²·ms, for the spread of distances within each bucket */
  private readonly distanceSqMs: Float64Array;
  private readonly fills: Float64Array;
  /** Σ δ over the fills */
  private readonly fillDistance: Float64Array;
  /** update time each bucket's sums were last decayed to */
  private readonly decayedTo: Float64Array;
  // scratch for the fit, allocated once
  private readonly mu: Float64Array;
  private readonly variance: Float64Array;
  private readonly exposure: Float64Array;
  private readonly result: IntensityFit = { k: NaN, A: NaN, kStdErr: NaN, AStdErr: NaN };

  /** the latest fit, within the configured bounds; NaN before one was possible */
  k = NaN;
  A = NaN;
  /** standard errors of the latest fit (Infinity when one distance cannot tell k); NaN before one */
  kStdErr = NaN;
  AStdErr = NaN;
  /** decayed fills over all buckets at the latest fit: the sample size */
  sampleFills = 0;
  /** buckets quoted in (with exposure) at the latest fit */
  points = 0;
  /** update time of the latest fit */
  fittedAt = -Infinity;
  /** the latest fit is precise enough to replace the configured k and A */
  ready = false;

  constructor(readonly width: number, readonly count: number) {
    this.exposureMs = new Float64Array(count);
    this.distanceMs = new Float64Array(count);
    this.distanceSqMs = new Float64Array(count);
    this.fills = new Float64Array(count);
    this.fillDistance = new Float64Array(count);
    this.decayedTo = new Float64Array(count).fill(-Infinity);
    this.mu = new Float64Array(count);
    this.variance = new Float64Array(count);
    this.exposure = new Float64Array(count);
  }

  /** Bucket of a distance: the last one takes everything beyond it, the first anything below zero (a quote across the mid). */
  bucketOf(distance: number): number {
    const i = Math.floor(distance / this.width);
    return i < 0 ? 0 : i >= this.count ? this.count - 1 : i;
  }

  addExposure(distance: number, ms: number, time: number, halfLifeMs: number): void {
    const i = this.bucketOf(distance);
    this.decay(i, time, halfLifeMs);
    this.exposureMs[i]! += ms;
    this.distanceMs[i]! += distance * ms;
    this.distanceSqMs[i]! += distance * distance * ms;
  }

  addFill(distance: number, time: number, halfLifeMs: number): void {
    const i = this.bucketOf(distance);
    this.decay(i, time, halfLifeMs);
    this.fills[i]! += 1;
    this.fillDistance[i]! += distance;
  }

  private decay(i: number, time: number, halfLifeMs: number): void {
    const since = this.decayedTo[i]!;
    // an update older than the bucket's last one adds without decay instead of rewinding it
    if (!(time > since)) return;
    if (since > -Infinity) {
      const keep = decayFactor(time - since, halfLifeMs);
      this.exposureMs[i]! *= keep;
      this.distanceMs[i]! *= keep;
      this.distanceSqMs[i]! *= keep;
      this.fills[i]! *= keep;
      this.fillDistance[i]! *= keep;
    }
    this.decayedTo[i] = time;
  }

  /** Refits k and A at update time `time`; O(buckets) per Newton step. */
  refit(time: number, c: IntensityConfig, unitMs: number): void {
    let n = 0;
    let fills = 0;
    let fillDistance = 0;
    const maxVariance = (this.width * this.width) / 4;
    for (let i = 0; i < this.count; i++) {
      // every bucket to the same time, so that exposure and fills weigh alike across buckets
      this.decay(i, time, c.halfLifeMs);
      fills += this.fills[i]!;
      fillDistance += this.fillDistance[i]!;
      const e = this.exposureMs[i]!;
      if (!(e > 0)) continue;
      const mu = this.distanceMs[i]! / e;
      this.mu[n] = mu;
      // the within-bucket spread corrects the binning to second order; capped at that of a bucket
      // evenly covered end to end, as the open last bucket may span far more than its correction holds
      const v = this.distanceSqMs[i]! / e - mu * mu;
      this.variance[n] = v > 0 ? (v < maxVariance ? v : maxVariance) : 0;
      this.exposure[n] = e / unitMs;
      n++;
    }
    this.sampleFills = fills;
    this.points = n;
    this.fittedAt = time;
    const r = this.result;
    if (!poissonIntensityFit(this.mu, this.variance, this.exposure, n, fills, fillDistance, c.kBounds[0], c.kBounds[1], r)) {
      this.k = this.A = this.kStdErr = this.AStdErr = NaN;
      this.ready = false;
      return;
    }
    this.k = r.k;
    this.A = clamp(r.A, c.ABounds[0], c.ABounds[1]);
    this.kStdErr = r.kStdErr;
    this.AStdErr = r.AStdErr;
    const precise = r.kStdErr <= c.maxRelativeError * r.k && r.AStdErr <= c.maxRelativeError * r.A;
    // rounded: n fills that decayed a little still count as n
    this.ready = precise && Math.round(fills) >= c.minFills && n >= c.minBuckets && Number.isFinite(this.A);
  }
}
