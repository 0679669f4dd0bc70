/**
 * What one side of our quotes has seen, by distance from the mid: how long
 * (ms) a quote of ours rested at each distance and how many fills it got
 * there, in fixed buckets of `width` price units. Both decay with a half-life
 * in update time, bucket by bucket when touched, so nothing is ever scanned
 * except by `refit`, which is O(buckets) and runs only after new fills.
 *
 * The rate in a bucket is λ̂ = fills / exposure (per time unit), at the
 * bucket's exposure-weighted mean distance; `refit` fits ln λ̂ = ln A − k·δ
 * over the buckets with fills, weighted by their fills (model/intensity-fit.ts).
 * Distances are in price units, so k comes out per price unit as the model
 * expects, and A per time unit.
 */
import { decayFactor } from '../model/decay.js';
import { clamp, weightedIntercept, weightedSlope } from '../model/intensity-fit.js';
import type { IntensityConfig } from './config.js';

export class IntensityBuckets {
  private readonly exposureMs: Float64Array;
  /** Σ δ·ms, for each bucket's mean distance */
  private readonly distanceMs: Float64Array;
  private readonly fills: Float64Array;
  /** update time each bucket's sums were last decayed to */
  private readonly decayedTo: Float64Array;
  // scratch for the fit, allocated once
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly w: Float64Array;

  /** the latest fit, within the configured bounds; NaN before one was possible */
  k = NaN;
  A = NaN;
  /** decayed fills over all buckets at the latest fit: the sample size */
  sampleFills = 0;
  /** buckets with fills in the latest fit */
  points = 0;
  /** the latest fit had enough fills and buckets to replace the configured k and A */
  ready = false;

  constructor(readonly width: number, readonly count: number) {
    this.exposureMs = new Float64Array(count);
    this.distanceMs = new Float64Array(count);
    this.fills = new Float64Array(count);
    this.decayedTo = new Float64Array(count).fill(-Infinity);
    this.x = new Float64Array(count);
    this.y = new Float64Array(count);
    this.w = new Float64Array(count);
  }

  /** Bucket of a distance, or −1 outside [0, width·count): a catch-all bucket would mix distances and bend the fit. */
  bucketOf(distance: number): number {
    const i = Math.floor(distance / this.width);
    return i >= 0 && i < this.count ? i : -1;
  }

  addExposure(distance: number, ms: number, time: number, halfLifeMs: number): void {
    const i = this.bucketOf(distance);
    if (i < 0) return;
    this.decay(i, time, halfLifeMs);
    this.exposureMs[i]! += ms;
    this.distanceMs[i]! += distance * ms;
  }

  addFill(distance: number, time: number, halfLifeMs: number): void {
    const i = this.bucketOf(distance);
    if (i < 0) return;
    this.decay(i, time, halfLifeMs);
    this.fills[i]! += 1;
  }

  private decay(i: number, time: number, halfLifeMs: number): void {
    const since = this.decayedTo[i]!;
    // an update older than the bucket's last one adds without decay instead of rewinding it
    if (!(time > since)) return;
    if (since > -Infinity) {
      const keep = decayFactor(time - since, halfLifeMs);
      this.exposureMs[i]! *= keep;
      this.distanceMs[i]! *= keep;
      this.fills[i]! *= keep;
    }
    this.decayedTo[i] = time;
  }

  /** Refits k and A at update time `time`; O(buckets). */
  refit(time: number, c: IntensityConfig, unitMs: number): void {
    let n = 0;
    let total = 0;
    for (let i = 0; i < this.count; i++) {
      const f = this.fills[i]!;
      if (!(f > 0)) continue;
      // decay to a common time only matters for the weights: λ̂ is a ratio of two sums decayed alike
      const weight = f * decayFactor(time - this.decayedTo[i]!, c.halfLifeMs);
      total += weight;
      const e = this.exposureMs[i]!;
      if (!(e > 0)) continue;
      this.x[n] = this.distanceMs[i]! / e;
      this.y[n] = Math.log(f / (e / unitMs));
      this.w[n] = weight;
      n++;
    }
    this.sampleFills = total;
    this.points = n;
    const slope = weightedSlope(this.x, this.y, this.w, n);
    if (!Number.isFinite(slope)) {
      this.k = NaN;
      this.A = NaN;
      this.ready = false;
      return;
    }
    // indexed, not destructured: destructuring goes through an iterator on the fill path
    this.k = clamp(-slope, c.kBounds[0], c.kBounds[1]);
    this.A = clamp(Math.exp(weightedIntercept(this.x, this.y, this.w, n, -this.k)), c.ABounds[0], c.ABounds[1]);
    // rounded: n fills that decayed a little still count as n
    this.ready = Math.round(total) >= c.minFills && n >= c.minBuckets && Number.isFinite(this.A);
  }
}
