/**
 * Bytes allocated per call, measured in process: the growth of V8's used heap over chunks of calls
 * during which no GC ran (a GC shrinks the heap, so a chunk that shrank is dropped), median over
 * chunks, minus what reading the heap statistics itself allocates.
 */
import { getHeapStatistics } from 'node:v8';
import type { MarketMakerAgent, ProcessResult, Update, UpdateType } from '../../src/agent/index.js';
import { ServiceMetrics } from '../../src/service/metrics.js';
import { QuoteHub } from '../../src/service/quote-hub.js';
import { AgentRegistry } from '../../src/service/registry.js';
import { QuotingService } from '../../src/service/quoting/quoting.js';

export interface Allocation {
  bytesPerUpdate: number;
  /** chunks with no GC in them, over which the median was taken */
  chunks: number;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Bytes allocated per call of `step(i)`, i in [0, n). */
export function allocationPerCall(n: number, step: (i: number) => number, chunk = 1_000): Allocation {
  const probe: number[] = [];
  for (let c = 0; c < 200; c++) {
    const a = getHeapStatistics().used_heap_size;
    const b = getHeapStatistics().used_heap_size;
    if (b >= a) probe.push(b - a);
  }
  const probeCost = median(probe);
  const samples: number[] = [];
  let sink = 0;
  for (let start = 0; start + chunk <= n; start += chunk) {
    const before = getHeapStatistics().used_heap_size;
    for (let i = start; i < start + chunk; i++) sink += step(i);
    const after = getHeapStatistics().used_heap_size;
    if (after >= before) samples.push(Math.max(0, after - before - probeCost) / chunk);
  }
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return { bytesPerUpdate: median(samples), chunks: samples.length };
}

export const ALL_UPDATE_TYPES: readonly UpdateType[] = ['mid', 'volatility', 'position', 'fill'];

/**
 * Updates of one type over `symbols` (each already has a sigma and a mid), `n` of them, built before
 * anything is measured: mids one tick up or down, sigmas within ±10 %, position snapshots of a
 * few lots, fills of one lot at 10 bps from the mid with ids unique to `tag`. The clock advances
 * 1 ms per update, as a live feed's does.
 */
export function updatesOfType(type: UpdateType, symbols: readonly string[], n: number, t0: number, tag: string): Update[] {
  const out = new Array<Update>(n);
  for (let i = 0; i < n; i++) {
    const symbol = symbols[i % symbols.length]!;
    // the round over the symbols: alternates sides and moves positions, so no symbol drifts to its limit
    const round = Math.floor(i / symbols.length);
    const time = t0 + i;
    const mid = 100 + (round % 2 === 0 ? 0.01 : -0.01) * (round % 7);
    switch (type) {
      case 'mid': out[i] = { type: 'mid', symbol, mid, time }; break;
      case 'volatility': out[i] = { type: 'volatility', symbol, sigma: 2 * (0.9 + 0.2 * ((i % 11) / 10)), time }; break;
      case 'position': out[i] = { type: 'position', symbol, quantity: (round % 5) - 2, averageCost: 100, mark: undefined, time }; break;
      case 'fill': {
        const side = round % 2 === 0 ? 'buy' : 'sell';
        out[i] = { type: 'fill', symbol, id: `${tag}-${i}`, side, price: side === 'buy' ? 99.9 : 100.1, quantity: 1, time };
        break;
      }
    }
  }
  return out;
}

/**
 * Bytes allocated per `process()` call for each update type, on a fresh agent whose symbols all
 * quote; `call` is how the update is handed to the agent (process(u), or process(u, scratch)).
 * Each type runs once untimed first so the JIT has seen it.
 */
export function allocationByType(
  makeAgent: () => MarketMakerAgent,
  call: (agent: MarketMakerAgent, u: Update) => ProcessResult,
  n = 100_000,
): Record<UpdateType, Allocation> {
  const symbols = Array.from({ length: 100 }, (_, i) => `A${i}`);
  const agent = makeAgent();
  let t = Date.UTC(2024, 0, 2, 14, 30);
  for (const symbol of symbols) {
    agent.process({ type: 'volatility', symbol, sigma: 2, time: t });
    agent.process({ type: 'mid', symbol, mid: 100, time: t });
  }
  // every type first, in turn, as a live feed mixes them: the compiled code then has seen all four (code
  // compiled after mids alone was measured to box a few doubles per mid that this mixed one does not)
  for (let round = 0; round < 3; round++) {
    for (const type of ALL_UPDATE_TYPES) for (const u of updatesOfType(type, symbols, n / 4, (t += n), `x${round}${type}`)) call(agent, u);
  }
  const result = {} as Record<UpdateType, Allocation>;
  for (const type of ALL_UPDATE_TYPES) {
    const warm = updatesOfType(type, symbols, n, (t += 1_000), `w${type}`);
    for (const u of warm) call(agent, u);
    const measured = updatesOfType(type, symbols, n, (t += n + 1_000), `m${type}`);
    result[type] = allocationPerCall(n, (i) => (call(agent, measured[i]!).breach ? 1 : 0));
    t += n;
  }
  return result;
}

/**
 * process() as the service's update pipeline calls it: a result object per call (the pipeline's
 * group commit hands results to callers after the whole group ran, so one reused object would not do).
 */
export function processAsTheServiceDoes(agent: MarketMakerAgent, u: Update): ProcessResult {
  return agent.process(u);
}

/**
 * Bytes allocated per update through the service's update pipeline (registry lookup, timed
 * process(), metrics, publish with no subscriber; no ledger, as mid and volatility updates are
 * not journaled), for `type`: what the service adds around process() on the hot path.
 */
export function pipelineAllocation(type: UpdateType, n = 100_000): Allocation {
  const registry = new AgentRegistry(1);
  registry.create('p', {});
  const metrics = new ServiceMetrics(0.0003, 10_000, { agents: () => registry.all(), wsClients: () => 0, wsSubscriptions: () => 0 });
  const hub = new QuoteHub({ highWaterBytes: 1 << 20, onConflate: () => {} });
  try {
    const pipeline = new QuotingService({ registry, hub, metrics, ledger: null });
    const symbols = Array.from({ length: 100 }, (_, i) => `P${i}`);
    let t = Date.UTC(2024, 0, 2, 14, 30);
    for (const symbol of symbols) {
      void pipeline.update('p', { type: 'volatility', symbol, sigma: 2, time: t });
      void pipeline.update('p', { type: 'mid', symbol, mid: 100, time: t });
    }
    // a longer warm-up than the measured run: the pipeline's callers settle later than process() alone
    const warm = Math.max(n, 100_000);
    for (const u of updatesOfType(type, symbols, warm, (t += 1_000), 'pw')) void pipeline.update('p', u);
    t += warm;
    const measured = updatesOfType(type, symbols, n, (t += n + 1_000), 'pm');
    // apply() answers with a promise (the ledger's group commit): its allocation is part of the figure
    return allocationPerCall(n, (i) => (pipeline.update('p', measured[i]!) === null ? 1 : 0));
  } finally {
    metrics.close();
    hub.close();
  }
}
