/**
 * Warms the hot path before the service says it is ready: the first updates of a fresh process
 * otherwise run in V8's interpreter and baseline tiers (tens of µs each) until the optimising
 * compiler has seen enough of them. Scratch agents, one per configuration the service starts with
 * (and the default one), each take every update type over a few symbols, with mids that move
 * and fills on both sides (so inventory, mark-outs and skew paths run), and scratch metrics record
 * the timings. Nothing real is touched: the scratch agents are in no registry, journal, hub or
 * metrics registry, and are garbage once this returns.
 */
import { MarketMakerAgent, type MarketMakerConfig, parseConfig, type Update } from '../agent/index.js';
import type { AgentMetrics } from './metrics.js';

/** rounds over the symbols; each round is one update of every type per symbol */
export const WARM_UP_ROUNDS = 300;
const SYMBOLS_AT_ONCE = 4;
/** rounds each symbol takes before new ones replace it */
const ROUNDS_PER_SYMBOL = 5;

export interface WarmUpReport {
  agents: number;
  updates: number;
  /** scratch updates the agent refused (a configuration may refuse some, e.g. off its tick grid); their paths still ran */
  refused: number;
  ms: number;
}

/** Drives scratch agents with `configs` through every update type; returns what it did. */
export function warmUp(configs: Iterable<MarketMakerConfig>, metrics: AgentMetrics, now: number = Date.now()): WarmUpReport {
  const started = performance.now();
  let agents = 0;
  let updates = 0;
  let refused = 0;
  // the default configuration and each distinct one the service starts with
  const defaults = parseConfig({});
  const distinct = new Map<string, MarketMakerConfig>([[JSON.stringify(defaults), defaults]]);
  for (const c of configs) distinct.set(JSON.stringify(c), c);
  for (const config of distinct.values()) {
    const agent = new MarketMakerAgent('warm-up', config);
    agents++;
    // a day before now, so a finite horizon configured with a session time sees ordinary times
    let time = now - 86_400_000;
    let fill = 0;
    for (let round = 0; round < WARM_UP_ROUNDS; round++) {
      // new symbols every few rounds, each first seen by a different update type: the first-update
      // paths (new state, first mid, first fill) get as much type feedback as the steady ones
      const generation = Math.floor(round / ROUNDS_PER_SYMBOL);
      for (let s = 0; s < SYMBOLS_AT_ONCE; s++) {
        const symbol = `WARM${generation}-${s}`;
        const mid = 100 + (round % 7) * 0.01 - 0.03;
        const side = (round + s) % 2 === 0 ? 'buy' : 'sell';
        const batch: Update[] = [
          { type: 'volatility', symbol, sigma: 1.5 + (round % 3) * 0.25, time },
          { type: 'mid', symbol, mid, time: time + 1 },
          { type: 'fill', symbol, id: `warm-${fill++}`, side, price: side === 'buy' ? mid - 0.5 : mid + 0.5, quantity: 1, time: time + 2 },
          { type: 'position', symbol, quantity: round % 3 === 0 ? 0 : side === 'buy' ? 1 : -1, averageCost: mid, mark: undefined, time: time + 3 },
          { type: 'mid', symbol, mid: mid + 0.01, time: time + 4 },
        ];
        const first = (generation + s) % batch.length;
        for (let k = 0; k < batch.length; k++) {
          const u = batch[(first + k) % batch.length]!;
          const t0 = performance.now();
          try {
            // as the update pipeline calls it (a result object per call), so the JIT learns that shape
            agent.process(u);
            metrics.applied(u.type);
          } catch {
            refused++;
          }
          metrics.timed(t0, performance.now());
          metrics.ledgerAppended(t0, t0);
          updates++;
        }
        time += 5;
      }
    }
  }
  return { agents, updates, refused, ms: performance.now() - started };
}
