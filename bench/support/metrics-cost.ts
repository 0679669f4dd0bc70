/**
 * What recording one update costs in the service's metrics: the hand-kept path (AgentMetrics:
 * bucket counts, the latency ring, counters) against prom-client's labelled Histogram.observe and
 * Counter.inc on label children bound once, as the service did before issue 22. Same durations,
 * same number of calls, same process.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Histogram, Registry } from 'prom-client';
import { PROCESS_BUCKETS, ServiceMetrics } from '../../src/service/metrics.js';

export interface MetricsCost {
  handKeptNs: number;
  promClientNs: number;
}

export function metricsCost(n: number): MetricsCost {
  const service = new ServiceMetrics(0.0003, 10_000, { agents: () => [], wsClients: () => 0, wsSubscriptions: () => 0 });
  const m = service.forAgent('bench');
  const registry = new Registry();
  const observe = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['agent'], buckets: PROCESS_BUCKETS, registers: [registry] }).labels({ agent: 'bench' });
  const counter = new Counter({ name: 'c_total', help: 'c', labelNames: ['agent', 'type'], registers: [registry] });
  const updates = counter.labels({ agent: 'bench', type: 'mid' });
  const published = counter.labels({ agent: 'bench', type: 'published' });
  // durations of 0.4–1.1 µs, as process() takes
  const handKept = () => {
    let t = 1;
    for (let i = 0; i < n; i++) {
      m.timed(t, t + 0.0004 + (i & 7) * 1e-4);
      m.applied('mid');
      m.quotePublished();
      t += 1;
    }
  };
  const promClient = () => {
    for (let i = 0; i < n; i++) {
      observe.observe((0.4 + (i & 7) * 0.1) * 1e-6);
      updates.inc();
      published.inc();
    }
  };
  let best = { handKeptNs: Infinity, promClientNs: Infinity };
  for (let round = 0; round < 3; round++) {
    let t0 = performance.now();
    handKept();
    const a = ((performance.now() - t0) * 1e6) / n;
    t0 = performance.now();
    promClient();
    const b = ((performance.now() - t0) * 1e6) / n;
    // the best of three rounds of each: the first rounds include compilation
    best = { handKeptNs: Math.min(best.handKeptNs, a), promClientNs: Math.min(best.promClientNs, b) };
  }
  service.close();
  return best;
}
