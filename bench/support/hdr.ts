/** HDR histograms of nanoseconds (hdr-histogram-js, pure JS) and the percentiles the tables print. */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export type { Histogram };

/** 1 ns … 100 s at 3 significant digits (0.1 % resolution). */
export function nsHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 100e9,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

export interface Percentiles {
  count: number;
  /** all in nanoseconds */
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export function percentiles(h: Histogram): Percentiles {
  return {
    count: h.totalCount,
    min: h.totalCount === 0 ? 0 : h.minNonZeroValue,
    mean: h.mean,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
  };
}

/** Records durations given in milliseconds (performance.now() differences) as integer nanoseconds. */
export function recordMs(h: Histogram, ms: ArrayLike<number>, from = 0, to = ms.length): void {
  for (let i = from; i < to; i++) h.recordValue(Math.max(0, Math.round(ms[i]! * 1e6)));
}
