import { FillRing } from './fill-ring.js';
import { emptyInventory, unrealisedPnl, type InventoryState } from './inventory.js';
import { DECISIONS, type Quote, type RiskDecision } from './quote.js';

/** Everything one agent knows about one symbol. */
export class SymbolState {
  mid = NaN;
  midTime = NaN;
  /** last pushed sigma, NaN until one arrives */
  sigma = NaN;
  readonly inventory: InventoryState = emptyInventory();
  /** allocated at the first fill, so symbols that never trade stay small */
  fills: FillRing | null = null;
  lastSnapshotTime = -Infinity;
  quote: Quote | null = null;
  decision: RiskDecision = DECISIONS.noMid;
  seq = 0;
  paused = false;
  inBreach = false;
  toxicity = 0;
  updates = 0;

  constructor(readonly symbol: string) {}
}

/** A plain, serialisable view of a symbol's state for reads. */
export interface SymbolView {
  symbol: string;
  paused: boolean;
  mid: number | null;
  sigma: number | null;
  position: number;
  averageCost: number;
  realisedPnl: number;
  unrealisedPnl: number;
  markPrice: number | null;
  buyFills: number;
  sellFills: number;
  fillsInHistory: number;
  toxicity: number;
  inBreach: boolean;
  updates: number;
  quote: Quote | null;
  decision: RiskDecision;
}

const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

export function symbolView(s: SymbolState): SymbolView {
  const inv = s.inventory;
  return {
    symbol: s.symbol,
    paused: s.paused,
    mid: orNull(s.mid),
    sigma: orNull(s.sigma),
    position: inv.position,
    averageCost: inv.averageCost,
    realisedPnl: inv.realisedPnl,
    unrealisedPnl: unrealisedPnl(inv),
    markPrice: inv.markPrice > 0 ? inv.markPrice : null,
    buyFills: inv.buyFills,
    sellFills: inv.sellFills,
    fillsInHistory: s.fills ? s.fills.size : 0,
    toxicity: s.toxicity,
    inBreach: s.inBreach,
    updates: s.updates,
    quote: s.quote,
    decision: s.decision,
  };
}
