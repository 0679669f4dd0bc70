/**
 * A histogram whose counts are kept by hand on the hot path and handed to prom-client at scrape time.
 *
 * A labelled prom-client `observe` costs about 500 ns (label hashing, an object per call); one
 * `BucketCounts.observe` is a few array increments (~10 ns). `ScrapedHistogram` is a prom-client
 * Histogram (registered in its registry, formatted by it, promtool-clean) whose values come from
 * the `BucketCounts` its `read` callback returns, in the same shape prom-client's own histogram
 * exports.
 */
import { Histogram, type LabelValues, type Registry } from 'prom-client';

/** Bucket counts of one series: per bucket (not cumulative), the last one for values above every bound. */
export class BucketCounts {
  readonly bounds: Float64Array;
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = Float64Array.from(bounds);
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    // a linear scan: a dozen bounds, and most values fall in the first few
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export interface ScrapedHistogramConfig<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  buckets: readonly number[];
  registers: Registry[];
  /** the series to export, read at each scrape */
  read: () => Iterable<readonly [LabelValues<L>, BucketCounts]>;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string | number>;
  value: number;
  metricName: string;
  /** as prom-client's histogram without exemplars: null on buckets, absent on _sum and _count */
  exemplar?: null;
}

export class ScrapedHistogram<L extends string> extends Histogram<L> {
  private readonly config: ScrapedHistogramConfig<L>;

  constructor(config: ScrapedHistogramConfig<L>) {
    super({ name: config.name, help: config.help, labelNames: config.labelNames, buckets: [...config.buckets], registers: config.registers });
    this.config = config;
  }

  /** What prom-client's Registry formats (the same shape as Histogram's own: `le` as a label, the series' labels shared). */
  async getForPromString() {
    const { name, help, buckets } = this.config;
    const values: ExportedValue[] = [];
    for (const [labels, c] of this.config.read()) {
      let acc = 0;
      for (let i = 0; i < buckets.length; i++) {
        acc += c.counts[i]!;
        values.push({ labels: { le: buckets[i]! }, sharedLabels: labels as Record<string, string>, value: acc, metricName: `${name}_bucket`, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: labels as Record<string, string>, value: c.count, metricName: `${name}_bucket`, exemplar: null });
      values.push({ labels: {}, sharedLabels: labels as Record<string, string>, value: c.sum, metricName: `${name}_sum` });
      values.push({ labels: {}, sharedLabels: labels as Record<string, string>, value: c.count, metricName: `${name}_count` });
    }
    return { name, help, type: 'histogram' as const, values, aggregator: 'sum' as const };
  }

  override async get() {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map((v) => ({ value: v.value, metricName: v.metricName, exemplar: v.exemplar, labels: { ...v.sharedLabels, ...v.labels } as LabelValues<L> })),
    } as unknown as Awaited<ReturnType<Histogram<L>['get']>>;
  }
}
