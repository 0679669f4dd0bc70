import type { MarketMakerConfig } from './config.js';
import { FillRing, type FillRingState } from './fill-ring.js';
import { SymbolState } from './symbol-state.js';

/** What survives a restart of one symbol: inventory, P&L, fill history and pause. Market data (mid, sigma) does not. */
export interface SymbolSnapshot {
  symbol: string;
  position: number;
  averageCost: number;
  realisedPnl: number;
  markPrice: number;
  buyFills: number;
  sellFills: number;
  /** time of the last position snapshot applied, null if none */
  lastSnapshotTime: number | null;
  paused: boolean;
  fills: FillRingState | null;
}

export interface AgentSnapshot {
  id: string;
  config: MarketMakerConfig;
  paused: boolean;
  symbols: SymbolSnapshot[];
  /** fill ids remembered for de-duplication, oldest first */
  fillIds: string[];
}

export function snapshotSymbol(s: SymbolState): SymbolSnapshot {
  const inv = s.inventory;
  return {
    symbol: s.symbol,
    position: inv.position,
    averageCost: inv.averageCost,
    realisedPnl: inv.realisedPnl,
    markPrice: inv.markPrice,
    buyFills: inv.buyFills,
    sellFills: inv.sellFills,
    lastSnapshotTime: Number.isFinite(s.lastSnapshotTime) ? s.lastSnapshotTime : null,
    paused: s.paused,
    fills: s.fills ? s.fills.toJSON() : null,
  };
}

export function restoreSymbol(snap: SymbolSnapshot): SymbolState {
  const s = new SymbolState(snap.symbol);
  Object.assign(s.inventory, {
    position: snap.position,
    averageCost: snap.averageCost,
    realisedPnl: snap.realisedPnl,
    markPrice: snap.markPrice,
    buyFills: snap.buyFills,
    sellFills: snap.sellFills,
  });
  s.lastSnapshotTime = snap.lastSnapshotTime ?? -Infinity;
  s.paused = snap.paused;
  s.fills = snap.fills ? FillRing.fromJSON(snap.fills) : null;
  return s;
}
