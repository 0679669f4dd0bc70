/**
 * A small event-driven market for agent tests: the mid is an arithmetic
 * random walk updated at exponential (irregular) intervals, and each resting
 * level of the agent's current quote is hit as a Poisson process with
 * intensity λ(δ) = A·e^(−k·δ), δ its distance from the mid, with its own k
 * and A per side. Because those processes are memoryless, drawing the next
 * fill afresh after every update of the quote is exact.
 */
import type { MarketMakerAgent, ProcessResult, Quote } from '../../src/agent/index.js';
import { fill, mid } from './updates.js';
import type { SeededRandom } from './seeded-random.js';

export interface SideIntensity { k: number; A: number }

export interface MarketSimSpec {
  symbol: string;
  startMid: number;
  startTime: number;
  /** true sigma, price units per √(unitMs) */
  sigma: number;
  unitMs: number;
  /** mean time between mid updates, ms (exponential intervals) */
  meanMidIntervalMs: number;
  /** instead, intervals uniform in [min, max] ms */
  midIntervalMs?: readonly [number, number];
  /** arrival intensities per time unit (unitMs), k per price unit */
  bid: SideIntensity;
  ask: SideIntensity;
}

interface Level { side: 'buy' | 'sell'; price: number; size: number; rate: number; distance: number }

function restingLevels(q: Quote | null, spec: MarketSimSpec): Level[] {
  if (q === null) return [];
  const bids = q.levels?.bids ?? [{ price: q.bidPrice, size: q.bidSize }];
  const asks = q.levels?.asks ?? [{ price: q.askPrice, size: q.askSize }];
  const perMs = 1 / spec.unitMs;
  const out: Level[] = [];
  for (const l of bids) if (l.size > 0) out.push({ side: 'buy', price: l.price, size: l.size, rate: spec.bid.A * Math.exp(-spec.bid.k * (q.mid - l.price)) * perMs, distance: q.mid - l.price });
  for (const l of asks) if (l.size > 0) out.push({ side: 'sell', price: l.price, size: l.size, rate: spec.ask.A * Math.exp(-spec.ask.k * (l.price - q.mid)) * perMs, distance: l.price - q.mid });
  return out;
}

export interface SimCounts { mids: number; buys: number; sells: number; last: ProcessResult | null; time: number }

/** What the market saw, for a reference fit computed outside the agent. */
export interface SimObserver {
  /** a level of ours rested `ms` at `distance` from the mid (side 'buy' = our bid) */
  rested?(side: 'buy' | 'sell', distance: number, ms: number): void;
  /** a level at `distance` was filled */
  filled?(side: 'buy' | 'sell', distance: number): void;
  /** the quote standing over [from, to) */
  quoted?(quote: Quote | null, from: number, to: number): void;
  /** stop before `untilMs` once this says so (checked after each update) */
  done?(counts: SimCounts): boolean;
}

/** Runs the market against `agent` until `untilMs` (absolute Unix ms). */
export function runMarket(agent: MarketMakerAgent, spec: MarketSimSpec, rng: SeededRandom, untilMs: number, observer: SimObserver = {}): SimCounts {
  const interval = () => (spec.midIntervalMs ? spec.midIntervalMs[0] + rng.uniform() * (spec.midIntervalMs[1] - spec.midIntervalMs[0]) : rng.exponential(spec.meanMidIntervalMs));
  const counts: SimCounts = { mids: 0, buys: 0, sells: 0, last: null, time: spec.startTime };
  let t = spec.startTime;
  let m = spec.startMid;
  let quote = agent.process(mid(spec.symbol, m, t)).quote;
  let midTime = t;
  let nextMid = t + interval();
  let fillId = 0;
  while (t < untilMs) {
    const levels = restingLevels(quote, spec);
    let total = 0;
    for (const l of levels) total += l.rate;
    const nextFill = total > 0 ? t + rng.exponential(1 / total) : Infinity;
    let r: ProcessResult;
    const from = t;
    const to = nextFill < nextMid ? nextFill : nextMid;
    if (observer.rested) for (const l of levels) observer.rested(l.side, l.distance, to - from);
    observer.quoted?.(quote, from, to);
    if (nextFill < nextMid) {
      t = nextFill;
      // which level: in proportion to its rate
      let pick = rng.uniform() * total;
      let hit = levels[levels.length - 1]!;
      for (const l of levels) {
        if ((pick -= l.rate) < 0) { hit = l; break; }
      }
      observer.filled?.(hit.side, hit.distance);
      r = agent.process(fill(spec.symbol, `sim-${fillId++}`, hit.side, hit.price, hit.size, t));
      if (hit.side === 'buy') counts.buys++;
      else counts.sells++;
    } else {
      // the walk steps over the time since the last mid, not since the last fill
      const dt = nextMid - midTime;
      t = midTime = nextMid;
      m += spec.sigma * Math.sqrt(dt / spec.unitMs) * rng.normal();
      r = agent.process(mid(spec.symbol, m, t));
      counts.mids++;
      nextMid = t + interval();
    }
    quote = r.quote;
    counts.last = r;
    if (observer.done?.(counts)) break;
  }
  counts.time = t;
  return counts;
}
