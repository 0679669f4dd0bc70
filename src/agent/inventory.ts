import { fromSteps, quantityGrid, toSteps, type QuantityGrid } from '../model/quantity-grid.js';

/** the default quantity step, 1e-8 (agent configuration `quantityStep`) */
export const DEFAULT_QUANTITY_GRID = quantityGrid(1e-8);

/**
 * Position, average cost and P&L of one symbol. Average-cost accounting:
 * buys onto a long (or sells onto a short) re-average the cost; trades that
 * reduce the position realise (price − average cost) on the closed quantity;
 * a trade through zero closes the old position and opens the rest at the
 * trade price. Quantities add in whole quantity steps (model/quantity-grid.ts),
 * so a position that nets to zero is exactly 0, with no average cost; the
 * caller has checked that the fill's quantity is on the step.
 * Fees are charged to realised P&L as each fill is applied (a rebate, a
 * negative fee, adds to it), so realised P&L is net of fees.
 */
export interface InventoryState {
  position: number;
  averageCost: number;
  /** realised P&L net of fees */
  realisedPnl: number;
  /** fees paid on the fills applied (negative: rebates earned); already taken from realisedPnl */
  fees: number;
  /** price the open position is marked at: the latest mid, snapshot mark or fill price */
  markPrice: number;
  buyFills: number;
  sellFills: number;
}

export function emptyInventory(): InventoryState {
  return { position: 0, averageCost: 0, realisedPnl: 0, fees: 0, markPrice: 0, buyFills: 0, sellFills: 0 };
}

export function unrealisedPnl(inv: InventoryState): number {
  return inv.position === 0 ? 0 : inv.position * (inv.markPrice - inv.averageCost);
}

/** Applies a fill of `signedQty` (> 0 bought, < 0 sold) at `price`, paying `fee` (quote currency; negative: a rebate). */
export function applyFill(inv: InventoryState, signedQty: number, price: number, grid: QuantityGrid = DEFAULT_QUANTITY_GRID, fee = 0): void {
  if (fee !== 0) {
    inv.fees += fee;
    inv.realisedPnl -= fee;
  }
  const p = toSteps(inv.position, grid);
  const q = toSteps(signedQty, grid);
  if (q > 0) inv.buyFills++;
  else inv.sellFills++;
  const next = p + q;
  const absP = p < 0 ? -p : p;
  const absQ = q < 0 ? -q : q;

  if (p === 0 || (p > 0) === (q > 0)) {
    // adding: re-average, weighted by whole steps
    inv.averageCost = p === 0 ? price : (inv.averageCost * absP + price * absQ) / (absP + absQ);
    inv.position = fromSteps(next, grid);
    return;
  }
  const closed = absQ < absP ? absQ : absP;
  inv.realisedPnl += fromSteps(closed, grid) * (price - inv.averageCost) * (p > 0 ? 1 : -1);
  inv.position = fromSteps(next, grid);
  if (next === 0) inv.averageCost = 0;
  else if (absQ > absP) inv.averageCost = price;
}

/** The OMS's view of the position replaces ours; realised P&L is kept. */
export function applySnapshot(inv: InventoryState, quantity: number, averageCost: number): void {
  inv.position = quantity;
  inv.averageCost = quantity === 0 ? 0 : averageCost;
}
