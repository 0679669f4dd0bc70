import type { RiskSnapshot } from './agent-risk.js';
import type { MarketMakerConfig } from './config.js';
import { MarkoutRing, type MarkoutRingState } from './markout-ring.js';
import type { InventoryState } from './inventory.js';
import { SymbolState } from './symbol-state.js';

/** What survives a restart of one symbol: inventory, P&L, fill history and pause. Market data (mid, sigma) does not. */
export interface SymbolSnapshot {
  symbol: string;
  inventory: InventoryState;
  /** time of the last position snapshot applied, null if none */
  lastSnapshotTime: number | null;
  paused: boolean;
  fills: MarkoutRingState | null;
}

export interface AgentSnapshot {
  id: string;
  config: MarketMakerConfig;
  paused: boolean;
  symbols: SymbolSnapshot[];
  /** fill ids remembered for de-duplication, oldest first */
  fillIds: string[];
  /** what each of those fills carried (fill-fingerprint.ts), in the same order; absent in snapshots written before it was kept */
  fillFingerprints?: string[];
  /** the risk period, peaks and holds; absent in snapshots written before risk limits */
  risk?: RiskSnapshot;
}

export function snapshotSymbol(s: SymbolState): SymbolSnapshot {
  return {
    symbol: s.symbol,
    inventory: { ...s.inventory },
    lastSnapshotTime: Number.isFinite(s.lastSnapshotTime) ? s.lastSnapshotTime : null,
    paused: s.paused,
    fills: s.fills ? s.fills.toJSON() : null,
  };
}

export function restoreSymbol(snap: SymbolSnapshot): SymbolState {
  const s = new SymbolState(snap.symbol);
  Object.assign(s.inventory, snap.inventory);
  s.lastSnapshotTime = snap.lastSnapshotTime ?? -Infinity;
  s.paused = snap.paused;
  s.fills = snap.fills ? MarkoutRing.fromJSON(snap.fills) : null;
  return s;
}
