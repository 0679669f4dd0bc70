/**
 * Benchmark 1: MarketMakerAgent.process() in process.
 *
 * One agent (default configuration), 1,000 symbols, a pre-generated, seeded
 * stream of 1,000,000 updates: 85 % mid moves, 5 % volatility changes, 10 %
 * fills. Every call is timed on its own with performance.now() and the
 * durations go into an HDR histogram after the loop. Two baselines in the
 * same run, on the same stream:
 *   - floor: only the two Avellaneda–Stoikov formulas (reservationPrice,
 *     optimalSpread) on the inputs process() sees after each update;
 *   - timer: an empty timed region, i.e. what the clock itself adds to every
 *     figure above.
 * Then allocation: heap growth and GC over the timed run, and bytes allocated
 * per update from an untimed replay.
 */
import { performance } from 'node:perf_hooks';
import { MarketMakerAgent } from '../src/agent/index.js';
import type { ProcessResult, Update } from '../src/agent/index.js';
import { DECISIONS } from '../src/agent/quote.js';
import { optimalSpread, reservationPrice } from '../src/model/avellaneda-stoikov.js';
import { seededUniform, type Uniform } from '../src/sim/random.js';
import { ALL_UPDATE_TYPES, allocationByType, allocationPerCall, pipelineAllocation, processAsTheServiceDoes } from './support/allocation.js';
import { GcWatch, settledHeap } from './support/gc.js';
import { metricsCost } from './support/metrics-cost.js';
import { nsHistogram, percentiles, recordMs, type Percentiles } from './support/hdr.js';
import { mainIf, row, type BenchOptions, type BenchResult, type Row } from './support/report.js';

export const SEED = 20_240_102;
const SYMBOL_COUNT = 1_000;
const MIX = { mid: 0.85, volatility: 0.05, fill: 0.1 } as const;
const TICK = 0.01;
/** 2024-01-02 14:30 UTC; the market clock advances 1 ms every ~20 updates (≈ 20,000 updates/s) */
const T0 = Date.UTC(2024, 0, 2, 14, 30);

const KIND = { mid: 0, volatility: 1, fill: 2 } as const;
const KIND_NAMES = ['mid', 'volatility', 'fill'] as const;

/** Updates in order, with the inputs of the formulas after each one (for the floor). */
export interface Stream {
  updates: Update[];
  kind: Uint8Array;
  mid: Float64Array;
  q: Float64Array;
  sigma: Float64Array;
}

/**
 * A seeded market over `symbols` symbols: each symbol's mid walks by −2…+2
 * ticks, sigma moves within 50–150 % of its base (2 % of the first mid, per
 * √day), fills are one lot at about 10 bps from the mid, on the side that
 * pulls inventory back 60 % of the time. Symbol activity is skewed: symbol
 * i is drawn with density ∝ 1/√i (u² of a uniform), a few hot names and a
 * long tail. Successive calls continue the same market.
 */
export class MarketStream {
  private readonly rand: Uniform;
  private readonly names: string[];
  private readonly mids: Float64Array;
  private readonly baseSigma: Float64Array;
  private readonly sigmas: Float64Array;
  private readonly positions: Float64Array;
  private time = T0;
  private fillCount = 0;
  private started = false;

  constructor(seed: number, readonly symbols: number) {
    this.rand = seededUniform(seed);
    this.names = Array.from({ length: symbols }, (_, i) => `S${String(i).padStart(4, '0')}`);
    this.mids = new Float64Array(symbols);
    this.baseSigma = new Float64Array(symbols);
    this.sigmas = new Float64Array(symbols);
    this.positions = new Float64Array(symbols);
    for (let i = 0; i < symbols; i++) {
      this.mids[i] = Math.round((10 + this.rand() * 490) / TICK) * TICK;
      this.baseSigma[i] = this.mids[i]! * 0.02;
      this.sigmas[i] = this.baseSigma[i]!;
    }
  }

  /** `n` updates; fill ids are `${idPrefix}${counter}`, unique across calls with distinct prefixes. */
  next(n: number, idPrefix: string): Stream {
    const s: Stream = {
      updates: new Array<Update>(n),
      kind: new Uint8Array(n),
      mid: new Float64Array(n),
      q: new Float64Array(n),
      sigma: new Float64Array(n),
    };
    let i = 0;
    if (!this.started) {
      // every symbol gets a sigma and a mid first, so that every later update can quote
      this.started = true;
      for (let k = 0; k < this.symbols && i + 1 < n; k++) {
        this.emit(s, i++, k, KIND.volatility, idPrefix);
        this.emit(s, i++, k, KIND.mid, idPrefix);
      }
    }
    for (; i < n; i++) {
      if (this.rand() < 0.05) this.time++;
      const u = this.rand();
      const k = Math.min(this.symbols - 1, Math.floor(u * u * this.symbols));
      const r = this.rand();
      this.emit(s, i, k, r < MIX.mid ? KIND.mid : r < MIX.mid + MIX.volatility ? KIND.volatility : KIND.fill, idPrefix);
    }
    return s;
  }

  private emit(s: Stream, i: number, k: number, kind: number, idPrefix: string): void {
    const symbol = this.names[k]!;
    const time = this.time;
    // object literals with the same keys in the same order as src/service/routes/updates.ts builds them
    if (kind === KIND.mid) {
      const step = Math.floor(this.rand() * 5) - 2;
      const mid = Math.max(TICK, Math.round(this.mids[k]! / TICK + step) * TICK);
      this.mids[k] = mid;
      s.updates[i] = { type: 'mid', symbol, mid, time };
    } else if (kind === KIND.volatility) {
      const sigma = this.baseSigma[k]! * (0.5 + this.rand());
      this.sigmas[k] = sigma;
      s.updates[i] = { type: 'volatility', symbol, sigma, time };
    } else {
      const pos = this.positions[k]!;
      const revert = this.rand() < 0.6;
      const side: 'buy' | 'sell' = pos === 0 ? (this.rand() < 0.5 ? 'buy' : 'sell') : (pos > 0) === revert ? 'sell' : 'buy';
      const mid = this.mids[k]!;
      const price = Math.round((side === 'buy' ? mid * 0.999 : mid * 1.001) / TICK) * TICK;
      this.positions[k] = pos + (side === 'buy' ? 1 : -1);
      s.updates[i] = { type: 'fill', symbol, id: `${idPrefix}${this.fillCount++}`, side, price, quantity: 1, time };
    }
    s.kind[i] = kind;
    s.mid[i] = this.mids[k]!;
    s.q[i] = this.positions[k]!;
    s.sigma[i] = this.sigmas[k]!;
  }
}

/** One result object for every call: the allocation-free way to call process() (the result's quote is the symbol's live one). */
const REUSED: ProcessResult = { symbol: '', outcome: 'no-quote', quote: null, decision: DECISIONS.noMid, breach: false, withdrawn: false };
export function processIntoOneResult(agent: MarketMakerAgent, u: Update): ProcessResult {
  return agent.process(u, REUSED);
}

// --- the timed loops: one small function each, so each is optimised on its own ---

function timeProcess(agent: MarketMakerAgent, updates: readonly Update[], out: Float64Array): number {
  let sink = 0;
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    const t0 = performance.now();
    const r = agent.process(u);
    const t1 = performance.now();
    out[i] = t1 - t0;
    if (r.quote !== null) sink += r.quote.seq;
  }
  return sink;
}

interface Model {
  gamma: number;
  k: number;
  tau: number;
}

function timeFloor(s: Stream, m: Model, out: Float64Array): number {
  const { gamma, k, tau } = m;
  const mid = s.mid;
  const q = s.q;
  const sigma = s.sigma;
  let sink = 0;
  for (let i = 0; i < mid.length; i++) {
    const t0 = performance.now();
    const r = reservationPrice(mid[i]!, q[i]!, gamma, sigma[i]!, tau);
    const d = optimalSpread(gamma, sigma[i]!, tau, k);
    const t1 = performance.now();
    out[i] = t1 - t0;
    sink += r + d;
  }
  return sink;
}

function timeTimer(n: number, out: Float64Array): number {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const t1 = performance.now();
    out[i] = t1 - t0;
  }
  return out[0]!;
}

/** process() over the whole stream with no per-call clock: the mean without the timer. */
function untimedProcess(agent: MarketMakerAgent, updates: readonly Update[]): { ms: number; sink: number } {
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < updates.length; i++) {
    const r = agent.process(updates[i]!);
    if (r.quote !== null) sink += r.quote.seq;
  }
  return { ms: performance.now() - t0, sink };
}

/**
 * Generates the streams (warm-up first, then the timed, untimed and allocation
 * ones, continuing the same market), then warms up: the JIT sees every loop
 * and every update type before anything is timed. A function of its own, so
 * that the warm-up stream is garbage once it returns (in the async run() it
 * would stay reachable from the suspended frame).
 */
function prepare(market: MarketStream, agent: MarketMakerAgent, model: Model, warmN: number, n: number): { timed: Stream; bulk: Stream; alloc: Stream; sink: number } {
  const warm = market.next(warmN, 'W');
  const timed = market.next(n, 'T');
  const bulk = market.next(n, 'B');
  const alloc = market.next(Math.min(n, 200_000), 'A');
  let sink = 0;
  for (const u of warm.updates) sink += agent.process(u).quote?.seq ?? 0;
  sink += timeFloor(warm, model, new Float64Array(warmN));
  sink += timeTimer(warmN, new Float64Array(warmN));
  return { timed, bulk, alloc, sink };
}

function ns(p: Percentiles): { median: number; p99: number; p999: number; max: number; mean: number } {
  return { median: p.p50, p99: p.p99, p999: p.p999, max: p.max, mean: p.mean };
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const n = opts.quick ? 100_000 : 1_000_000;
  const warmN = opts.quick ? 50_000 : 200_000;

  const market = new MarketStream(SEED, SYMBOL_COUNT);
  const agent = new MarketMakerAgent('bench');
  const c = agent.config;
  if (c.horizon.mode !== 'infinite') throw new Error('the floor assumes the default infinite horizon');
  const model: Model = { gamma: c.gamma, k: c.k, tau: c.horizon.tau };

  const prepared = prepare(market, agent, model, warmN, n);
  const { timed, bulk, alloc } = prepared;
  let sink = prepared.sink;
  const out = new Float64Array(n);
  // let the collector finish with the generated streams before anything is timed
  await settledHeap();

  const gcWatch = new GcWatch();

  // 1. the timer alone
  sink += timeTimer(n, out);
  const timerHist = nsHistogram();
  recordMs(timerHist, out);
  const timer = percentiles(timerHist);

  // 2. the floor: the two formulas
  const floorFrom = performance.now();
  sink += timeFloor(timed, model, out);
  const floorTo = performance.now();
  const floorHist = nsHistogram();
  recordMs(floorHist, out);
  const floor = percentiles(floorHist);

  // 3. process(), every call timed
  const heapBefore = await settledHeap();
  const procFrom = performance.now();
  sink += timeProcess(agent, timed.updates, out);
  const procTo = performance.now();
  await gcWatch.settle();
  const heapAfter = await settledHeap();
  const procHist = nsHistogram();
  recordMs(procHist, out);
  const proc = percentiles(procHist);
  const byKind = KIND_NAMES.map((name, kind) => {
    const h = nsHistogram();
    for (let i = 0; i < n; i++) if (timed.kind[i] === kind) h.recordValue(Math.max(0, Math.round(out[i]! * 1e6)));
    return { type: name, ...percentiles(h) };
  });
  const gcProcess = gcWatch.totals(procFrom, procTo);
  const gcFloor = gcWatch.totals(floorFrom, floorTo);

  // 4. process() untimed, for the mean without the clock
  const bulkRun = untimedProcess(agent, bulk.updates);
  sink += bulkRun.sink;
  const untimedMeanNs = (bulkRun.ms * 1e6) / bulk.updates.length;

  // 5. allocation per update, and per floor evaluation for comparison
  const allocation = allocationPerCall(alloc.updates.length, (i) => agent.process(alloc.updates[i]!).breach ? 1 : 0);
  // the floor's result goes into a Float64Array, not out as a return value that the harness would box
  const floorSink = new Float64Array(1);
  const floorAllocation = allocationPerCall(alloc.mid.length, (i) => {
    floorSink[0] = reservationPrice(alloc.mid[i]!, alloc.q[i]!, model.gamma, alloc.sigma[i]!, model.tau) + optimalSpread(model.gamma, alloc.sigma[i]!, model.tau, model.k);
    return 0;
  });
  // 6. allocation per update type, on a fresh agent (100 quoting symbols), as the service calls process()
  const byType = allocationByType(() => new MarketMakerAgent('alloc'), processIntoOneResult, opts.quick ? 20_000 : 100_000);
  // as the service's pipeline calls it today: a new result with a quote copy it may keep, per call
  const byTypeFresh = allocationByType(() => new MarketMakerAgent('alloc'), processAsTheServiceDoes, opts.quick ? 20_000 : 100_000);
  // the same through the service's update pipeline: what the service adds around process()
  const viaPipeline = { mid: pipelineAllocation('mid', opts.quick ? 20_000 : 100_000), volatility: pipelineAllocation('volatility', opts.quick ? 20_000 : 100_000) };
  // 7. recording one update in the metrics: hand-kept (the service) against prom-client's labelled observe + inc
  const metrics = metricsCost(opts.quick ? 200_000 : 2_000_000);
  gcWatch.stop();
  if (sink === 0) throw new Error('nothing was computed');

  const B = 'process';
  const floorBase = (value: number) => ({ name: 'floor', value });
  const heapGrowth = heapAfter.heapUsed - heapBefore.heapUsed;
  const externalGrowth = heapAfter.external - heapBefore.external;
  const rows: Row[] = [
    row(B, 'process() median', proc.p50, 'ns', { baseline: floorBase(floor.p50), target: '≤ 5× floor', pass: proc.p50 <= 5 * floor.p50 }),
    row(B, 'process() p99', proc.p99, 'ns', { baseline: floorBase(floor.p99), target: '≤ 2,000 ns', pass: proc.p99 <= 2_000 }),
    row(B, 'process() p99.9', proc.p999, 'ns', { baseline: floorBase(floor.p999) }),
    row(B, 'process() max', proc.max, 'ns', { baseline: floorBase(floor.max) }),
    row(B, 'process() mean, untimed loop', untimedMeanNs, 'ns', { baseline: floorBase(floor.mean) }),
    row(B, 'floor (2 formulas) median', floor.p50, 'ns', { baseline: { name: 'timer', value: timer.p50 } }),
    row(B, 'floor p99', floor.p99, 'ns', { baseline: { name: 'timer', value: timer.p99 } }),
    row(B, 'floor p99.9', floor.p999, 'ns', { baseline: { name: 'timer', value: timer.p999 } }),
    row(B, 'timer (empty region) median', timer.p50, 'ns'),
    row(B, 'timer p99', timer.p99, 'ns'),
    row(B, 'timer p99.9', timer.p999, 'ns'),
    ...byKind.map((k) => row(B, `process() p99, ${k.type} updates`, k.p99, 'ns', { baseline: floorBase(floor.p99) })),
    row(B, 'allocated per update', allocation.bytesPerUpdate, 'B/upd', { baseline: { name: 'floor', value: floorAllocation.bytesPerUpdate } }),
    ...ALL_UPDATE_TYPES.map((t) => row(B, `allocated per ${t} update, process(u, out)`, byType[t].bytesPerUpdate, 'B/upd', t === 'mid' || t === 'volatility' ? { target: '0 B', pass: byType[t].bytesPerUpdate === 0 } : {})),
    ...ALL_UPDATE_TYPES.map((t) => row(B, `allocated per ${t} update, process(u) (a result to keep)`, byTypeFresh[t].bytesPerUpdate, 'B/upd')),
    ...(['mid', 'volatility'] as const).map((t) => row(B, `allocated per ${t} update, through the update pipeline`, viaPipeline[t].bytesPerUpdate, 'B/upd', { baseline: { name: 'process(u) alone', value: byTypeFresh[t].bytesPerUpdate } })),
    row(B, 'metrics per update, hand-kept', metrics.handKeptNs, 'ns', { baseline: { name: 'prom-client observe+inc', value: metrics.promClientNs } }),
    row(B, 'GC time over the timed run', gcProcess.ms, 'ms', { baseline: { name: 'floor', value: gcFloor.ms } }),
    row(B, 'GC pauses (minor/major)', gcProcess.count, 'count', { baseline: { name: 'floor', value: gcFloor.count } }),
    row(B, 'heap growth over the timed run', heapGrowth, 'B'),
    row(B, 'external (typed arrays) growth', externalGrowth, 'B'),
  ];
  const timedMs = procTo - procFrom;
  const notes = [
    `${n.toLocaleString('en-US')} updates (${Object.entries(MIX).map(([k, v]) => `${Math.round(v * 100)} % ${k}`).join(', ')}) over ${SYMBOL_COUNT.toLocaleString('en-US')} symbols, seed ${SEED}, after ${warmN.toLocaleString('en-US')} warm-up updates; default agent config (A–S, infinite horizon tau = 1).`,
    `Clock: performance.now() around each call; the "timer" rows are an empty timed region, so every process()/floor figure includes about ${timer.p50} ns of clock.`,
    `GC during the timed process() run: ${gcProcess.minor} minor, ${gcProcess.major} major, ${gcProcess.incremental} incremental, ${gcProcess.ms.toFixed(1)} ms in total (${((gcProcess.ms / timedMs) * 100).toFixed(1)} % of ${timedMs.toFixed(0)} ms), longest ${gcProcess.maxMs.toFixed(2)} ms.`,
    `Allocation per update: median over ${allocation.chunks} GC-free chunks of 1,000 updates of the heap's growth (the floor's the same way, over ${floorAllocation.chunks} chunks).`,
    `Allocation per update type: a fresh agent with 100 quoting symbols, 1 ms of market time per update, ${byType.mid.chunks} GC-free chunks for mid updates; process(u, out) with one reused result (allocation-free), and process(u) as the service's pipeline calls it today (a new result and a copy of the quote per call).`,
  ];
  return {
    name: 'process',
    title: `1. process(): ${n.toLocaleString('en-US')} updates, ${SYMBOL_COUNT.toLocaleString('en-US')} symbols, one agent`,
    quick: opts.quick,
    seconds: (performance.now() - started) / 1_000,
    rows,
    notes,
    data: {
      updates: n, warmUp: warmN, symbols: SYMBOL_COUNT, seed: SEED, mix: MIX,
      processNs: ns(proc), floorNs: ns(floor), timerNs: ns(timer),
      processByTypeNs: byKind,
      untimedMeanNs,
      timedRunMs: timedMs,
      gc: { process: gcProcess, floor: gcFloor },
      heap: { before: heapBefore, after: heapAfter, heapGrowth, externalGrowth },
      allocation, floorAllocation, allocationByType: byType, allocationByTypeFresh: byTypeFresh, allocationViaPipeline: viaPipeline, metricsCost: metrics,
      targets: { p99Ns: 2_000, medianVsFloor: 5 },
    },
  };
}

mainIf(import.meta.url, 'process', run);
