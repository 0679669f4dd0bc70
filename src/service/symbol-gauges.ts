/**
 * The per-symbol gauges (mm_inventory, mm_inventory_limit, mm_spread_bps, mm_toxicity,
 * mm_pnl_realised, mm_pnl_unrealised), bounded: six series per exported symbol would be 60,000
 * series and 2.5 MiB per scrape with 10,000 symbols, and 190–450 ms of blocked event loop to
 * build them. By default only each agent's `topSymbols` symbols with the largest |position|
 * are exported (the ones the inventory alert and panels are about); by toxicity, every symbol,
 * or none, as configured (`metrics.symbolGauges`).
 *
 * One pass per scrape picks the symbols (from plain numbers, no views) and builds their views;
 * the six gauges' collect() callbacks share it.
 */
import { Gauge, type Registry } from 'prom-client';
import type { MarketMakerAgent, SymbolView } from '../agent/index.js';
import type { MetricsConfig } from './config.js';
import { select } from './latency-window.js';

export type SymbolGaugesConfig = MetricsConfig;

interface Picked {
  agent: MarketMakerAgent;
  views: SymbolView[];
}

/**
 * The `n` symbols of `agent` with the largest score (|position| or toxicity); ties at the cut are
 * taken in the agent's order. O(symbols) by selection on a reused buffer, not a sort.
 */
export class SymbolPicker {
  private scores = new Float64Array(0);
  private scratch = new Float64Array(0);
  /** the symbols in the order of `scores` (one walk over the agent's states: it is most of the cost) */
  private readonly names: string[] = [];

  pick(agent: MarketMakerAgent, config: SymbolGaugesConfig): SymbolView[] {
    const mode = config.symbolGauges;
    if (mode === 'none') return [];
    const count = agent.symbolCount;
    if (mode === 'all' || count <= config.topSymbols) return agent.views();
    if (this.scores.length < count) {
      this.scores = new Float64Array(count);
      this.scratch = new Float64Array(count);
    }
    const { scores, names } = this;
    const byInventory = mode === 'inventory';
    let i = 0;
    agent.forEachRisk((symbol, position, toxicity) => {
      names[i] = symbol;
      scores[i++] = byInventory ? Math.abs(position) : toxicity;
    });
    const n = Math.min(i, config.topSymbols);
    this.scratch.set(scores.subarray(0, i));
    // the n-th largest score: everything above it is in, and ties with it fill what is left
    const cut = select(this.scratch, 0, i - 1, i - n);
    let ties = n;
    for (let j = 0; j < i; j++) if (scores[j]! > cut) ties--;
    const out: SymbolView[] = [];
    for (let j = 0; j < i; j++) {
      const x = scores[j]!;
      if (x > cut || (x === cut && ties-- > 0)) out.push(agent.view(names[j]!)!);
    }
    names.length = 0;
    return out;
  }
}

/**
 * Registers the six gauges; `agents` is read at each scrape. Returns `prepare`, which picks the
 * symbols ahead of the scrape (in an event-loop turn of its own, so the walk over every symbol and
 * prom-client's formatting do not block the loop in one piece); without it the first gauge picks.
 */
export function registerSymbolGauges(registers: Registry[], agents: () => Iterable<MarketMakerAgent>, config: SymbolGaugesConfig): () => void {
  const picker = new SymbolPicker();
  const pickAll = (): Picked[] => Array.from(agents(), (agent) => ({ agent, views: picker.pick(agent, config) }));
  let picked: Picked[] | null = null;
  let forgetting = false;
  // prom-client runs every metric's collect() in one synchronous pass per scrape: the pick serves that pass and is then forgotten
  const current = (): Picked[] => {
    picked ??= pickAll();
    if (!forgetting) {
      forgetting = true;
      queueMicrotask(() => {
        picked = null;
        forgetting = false;
      });
    }
    return picked;
  };
  const gauge = (name: string, help: string, read: (v: SymbolView, agent: MarketMakerAgent) => number | null) =>
    new Gauge({
      name, help, labelNames: ['agent', 'symbol'], registers,
      collect() {
        this.reset();
        for (const { agent, views } of current()) {
          for (const v of views) {
            const x = read(v, agent);
            if (x !== null) this.set({ agent: agent.id, symbol: v.symbol }, x);
          }
        }
      },
    });
  gauge('mm_inventory', 'Position per symbol, units of the asset', (v) => v.position);
  // the agent's maxInventory, per symbol so that mm_inventory / mm_inventory_limit matches one to one (alerts.yml)
  gauge('mm_inventory_limit', 'Largest absolute position per symbol (the agent\'s maxInventory), units of the asset', (_v, agent) => agent.config.maxInventory);
  gauge('mm_spread_bps', 'Quoted spread per symbol, bps of the mid', (v) => v.quote?.spreadBps ?? null);
  gauge('mm_toxicity', 'Adverse-selection score per symbol, 0 to 1', (v) => v.toxicity);
  gauge('mm_pnl_realised', 'Realised P&L per symbol, quote currency', (v) => v.realisedPnl);
  gauge('mm_pnl_unrealised', 'Unrealised P&L per symbol, quote currency', (v) => v.unrealisedPnl);
  return () => {
    picked = pickAll();
  };
}
