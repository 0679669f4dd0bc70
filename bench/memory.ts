/**
 * Benchmark 4: memory at scale.
 *
 * One agent with 10,000 symbols (the default maxSymbols), each with a sigma,
 * a mid, a quote and a full history of 1,000 fills (10,000,000 fills through
 * process(), fed one at a time; nothing pre-generated is kept alive). Bytes per
 * symbol = growth of (V8 heap used + external memory) after full GCs, divided
 * by the symbols. External memory is where the fill ring's typed arrays live
 * (process.memoryUsage().arrayBuffers). The fill-id memory (default 100,000
 * ids per agent, oldest forgotten) is agent-wide, not per symbol: it is
 * measured apart, by the same method, and shown both inside and outside the
 * per-symbol figure.
 *
 * Baselines: the raw payload of a full fill ring (1,000 × (1 + 8 + 8 + 8)
 * bytes of typed arrays), and a symbol with no fills.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { MarketMakerAgent } from '../src/agent/index.js';
import { FILL_HISTORY, type ListedMarkoutRing, type PackedMarkoutRing } from '../src/agent/markout-ring.js';
import type { FillUpdate, MidUpdate, VolatilityUpdate } from '../src/agent/index.js';
import { settledHeap, type Heap } from './support/gc.js';
import { mainIf, row, type BenchOptions, type BenchResult } from './support/report.js';

const T0 = Date.UTC(2024, 0, 2, 14, 30);
/** bytes of one full fill ring's typed arrays: Int8 side + Float64 time, refMid, markout */
const RING_PAYLOAD = FILL_HISTORY * (1 + 8 + 8 + 8);
const TARGET_BYTES = 64 * 1_024;

interface Growth {
  heap: number;
  external: number;
  arrayBuffers: number;
  total: number;
}

function growth(before: Heap, after: Heap): Growth {
  const heap = after.heapUsed - before.heapUsed;
  const external = after.external - before.external;
  return { heap, external, arrayBuffers: after.arrayBuffers - before.arrayBuffers, total: heap + external };
}

const name = (i: number) => `S${String(i).padStart(5, '0')}`;

/** An agent holding `symbols` symbols, each quoted, with `fills` fills apiece (ids `${symbol}-${n}`). */
function populate(symbols: number, fills: number): MarketMakerAgent {
  const agent = new MarketMakerAgent('memory', { maxSymbols: Math.max(symbols, 1) });
  for (let s = 0; s < symbols; s++) {
    const symbol = name(s);
    const midPrice = 10 + (s % 490);
    let time = T0;
    agent.process({ type: 'volatility', symbol, sigma: midPrice * 0.02, time } satisfies VolatilityUpdate);
    agent.process({ type: 'mid', symbol, mid: midPrice, time } satisfies MidUpdate);
    for (let f = 0; f < fills; f++) {
      if ((f & 15) === 0) time++;
      const side = (f & 1) === 0 ? 'buy' : 'sell';
      agent.process({
        type: 'fill', symbol, id: `${symbol}-${f}`, side,
        price: side === 'buy' ? midPrice * 0.999 : midPrice * 1.001, quantity: 1, time,
      } satisfies FillUpdate);
    }
    // past every fill's mark-out horizon: the ring's mark-outs are all filled in
    agent.process({ type: 'mid', symbol, mid: midPrice + 0.01, time: time + 2_000 } satisfies MidUpdate);
  }
  return agent;
}

/** What `count` remembered fill ids cost: a Set of them plus the ring of the same references, as the agent keeps them. */
async function fillIdCost(count: number, make: (i: number) => string): Promise<Growth> {
  const before = await settledHeap();
  const set = new Set<string>();
  const ring: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = make(i);
    set.add(id);
    ring.push(id);
  }
  const after = await settledHeap();
  if (set.size !== ring.length) throw new Error('unreachable');
  return growth(before, after);
}

const median3 = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;

/**
 * A packed fill ring as the lists snapshots held before (decoded here with Buffer, little-endian), with
 * each fill's time and mid as populate() made them (the packed form no longer carries them).
 */
function listedRing(r: PackedMarkoutRing, symbolIndex: number): ListedMarkoutRing {
  const f64 = (b64: string) => {
    const b = Buffer.from(b64, 'base64');
    return Array.from({ length: r.count }, (_, i) => b.readDoubleLE(8 * i));
  };
  return {
    side: Array.from(Buffer.from(r.side, 'base64'), (x): 1 | -1 => (x > 127 ? -1 : 1)),
    time: Array.from({ length: r.count }, (_, f) => T0 + 1 + (f >> 4)),
    refMid: new Array<number>(r.count).fill(10 + (symbolIndex % 490)),
    markoutBps: f64(r.markoutBps).map((m) => (Number.isNaN(m) ? null : m)),
  };
}

/** Event-loop time of a snapshot of `agent` as the ledger takes it, packed (now) and listed (before). */
function snapshotCost(agent: MarketMakerAgent) {
  const snapshotMs: number[] = [];
  const stringifyMs: number[] = [];
  const listedStringifyMs: number[] = [];
  let packedBytes = 0;
  let listedBytes = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const state = { agents: [agent.snapshot()] };
    const t1 = performance.now();
    packedBytes = JSON.stringify(state).length;
    const t2 = performance.now();
    const listed = { agents: state.agents.map((a) => ({ ...a, symbols: a.symbols.map((sym, i) => ({ ...sym, fills: sym.fills === null ? null : listedRing(sym.fills as PackedMarkoutRing, i) })) })) };
    const t3 = performance.now();
    listedBytes = JSON.stringify(listed).length;
    const t4 = performance.now();
    snapshotMs.push(t1 - t0);
    stringifyMs.push(t2 - t1);
    listedStringifyMs.push(t4 - t3);
  }
  const snapshot = median3(snapshotMs);
  return {
    snapshotMs: snapshot, stringifyMs: median3(stringifyMs), listedStringifyMs: median3(listedStringifyMs),
    packedMs: snapshot + median3(stringifyMs), listedMs: snapshot + median3(listedStringifyMs), packedBytes, listedBytes,
  };
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const symbols = opts.quick ? 1_000 : 10_000;

  // symbols with a quote and no fills, for scale
  let before = await settledHeap();
  let agent: MarketMakerAgent | null = populate(symbols, 0);
  const bare = growth(before, await settledHeap());
  if (agent.symbolCount !== symbols) throw new Error('symbols missing');
  // eslint-disable-next-line no-useless-assignment -- drops the only reference, so the next heap reading excludes it
  agent = null;

  before = await settledHeap();
  const fillStart = performance.now();
  agent = populate(symbols, FILL_HISTORY);
  const fillSeconds = (performance.now() - fillStart) / 1_000;
  const full = growth(before, await settledHeap());
  const fillsApplied = agent.stats.fills;
  if (agent.views().some((v) => v.fillsInHistory !== FILL_HISTORY || v.quote === null)) throw new Error('a symbol has no full history or no quote');
  const fillIdMemory = agent.config.fillIdMemory;
  const remembered = Math.min(fillIdMemory, fillsApplied);
  const snap = snapshotCost(agent);
  // eslint-disable-next-line no-useless-assignment -- drops the only reference, so the next heap reading excludes it
  agent = null;

  // the fill-id memory alone: ids of the same shape as above, and 36-character UUIDs for comparison
  const ids = await fillIdCost(remembered, (i) => `${name(Math.floor(i / FILL_HISTORY) % 100_000)}-${i % FILL_HISTORY}`);
  // through JSON.parse, as ids reach the service: randomUUID() itself returns a rope of ~20 concatenated pieces
  const uuids = await fillIdCost(remembered, () => JSON.parse(`"${randomUUID()}"`) as string);

  const perSymbol = full.total / symbols;
  const perSymbolHeap = full.heap / symbols;
  const perSymbolExternal = full.external / symbols;
  const perSymbolWithoutIds = (full.total - ids.total) / symbols;
  const B = 'memory';
  const payload = { name: 'ring payload', value: RING_PAYLOAD };
  const rows = [
    row(B, 'bytes per symbol, 1,000 fills', perSymbol, 'B', { baseline: payload, target: '≤ 64 KiB', pass: perSymbol <= TARGET_BYTES }),
    row(B, '  of which V8 heap', perSymbolHeap, 'B', { baseline: payload }),
    row(B, '  of which external (typed arrays)', perSymbolExternal, 'B', { baseline: payload }),
    row(B, 'bytes per symbol, fill ids excluded', perSymbolWithoutIds, 'B', { baseline: payload }),
    row(B, 'bytes per symbol, no fills', bare.total / symbols, 'B', { baseline: { name: 'with fills', value: perSymbol } }),
    row(B, `fill-id memory, ${remembered.toLocaleString('en-US')} ids`, ids.total, 'B', { baseline: { name: 'all symbols', value: full.total } }),
    row(B, 'fill-id memory per id', ids.total / remembered, 'B', { baseline: { name: 'UUID ids', value: uuids.total / remembered } }),
    row(B, `agent total, ${symbols.toLocaleString('en-US')} symbols`, full.total, 'B'),
    row(B, 'snapshot: agent.snapshot() + JSON.stringify, event-loop time (median of 3)', snap.packedMs, 'ms', { baseline: { name: 'fill rings listed as JSON numbers (before)', value: snap.listedMs } }),
    row(B, 'snapshot: JSON size', snap.packedBytes, 'B', { baseline: { name: 'listed (before)', value: snap.listedBytes } }),
  ];
  const notes = [
    `${symbols.toLocaleString('en-US')} symbols × ${FILL_HISTORY.toLocaleString('en-US')} fills = ${fillsApplied.toLocaleString('en-US')} fills through process() in ${fillSeconds.toFixed(1)} s; memory after gc() once it stops moving (ArrayBuffers are freed by a sweeper after the GC), before and after.`,
    `Fill ring typed arrays are ${RING_PAYLOAD.toLocaleString('en-US')} B of payload per symbol and sit outside the V8 heap (external/arrayBuffers: ${full.arrayBuffers.toLocaleString('en-US')} B of the ${full.external.toLocaleString('en-US')} B external growth).`,
    `The agent remembers the last ${fillIdMemory.toLocaleString('en-US')} fill ids (config fillIdMemory, per agent, not per symbol): ${(ids.total / 1_048_576).toFixed(1)} MiB with ids like "S00042-917" (${(ids.total / remembered).toFixed(0)} B each), ${(uuids.total / 1_048_576).toFixed(1)} MiB with 36-character UUIDs (${(uuids.total / remembered).toFixed(0)} B each); measured as a Set plus the ring of the same strings, as the agent holds them.`,
    `Snapshot: what the ledger serialises on the event loop for this agent (agent.snapshot(), then JSON.stringify, as SqliteLedger.snapshot does before its insert), median of 3; "before" lists each fill ring as JSON numbers, the form snapshots had before the packed columns (src/agent/packed-columns.ts): snapshot() ${snap.snapshotMs.toFixed(0)} ms, stringify packed ${snap.stringifyMs.toFixed(0)} ms, listed ${snap.listedStringifyMs.toFixed(0)} ms.`,
  ];
  return {
    name: 'memory',
    title: `4. memory: ${symbols.toLocaleString('en-US')} symbols × ${FILL_HISTORY.toLocaleString('en-US')} fills in one agent`,
    quick: opts.quick,
    seconds: (performance.now() - started) / 1_000,
    rows,
    notes,
    data: {
      symbols, fillsPerSymbol: FILL_HISTORY, fillsApplied, fillSeconds,
      bytesPerSymbol: { total: perSymbol, heap: perSymbolHeap, external: perSymbolExternal, withoutFillIds: perSymbolWithoutIds, noFills: bare.total / symbols },
      growth: { withFills: full, noFills: bare },
      fillIdMemory: { configured: fillIdMemory, remembered, bytes: ids, bytesWithUuids: uuids },
      ringPayloadBytes: RING_PAYLOAD,
      targetBytesPerSymbol: TARGET_BYTES,
      snapshot: snap,
    },
  };
}

mainIf(import.meta.url, 'memory', run);
