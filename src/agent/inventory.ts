/**
 * Position, average cost and P&L of one symbol. Average-cost accounting:
 * buys onto a long (or sells onto a short) re-average the cost; trades that
 * reduce the position realise (price − average cost) on the closed quantity;
 * a trade through zero closes the old position and opens the rest at the
 * trade price.
 */
export interface InventoryState {
  position: number;
  averageCost: number;
  realisedPnl: number;
  /** price the open position is marked at: the latest mid, snapshot mark or fill price */
  markPrice: number;
  buyFills: number;
  sellFills: number;
}

export function emptyInventory(): InventoryState {
  return { position: 0, averageCost: 0, realisedPnl: 0, markPrice: 0, buyFills: 0, sellFills: 0 };
}

export function unrealisedPnl(inv: InventoryState): number {
  return inv.position === 0 ? 0 : inv.position * (inv.markPrice - inv.averageCost);
}

/** Applies a fill of `signedQty` (> 0 bought, < 0 sold) at `price`. */
export function applyFill(inv: InventoryState, signedQty: number, price: number): void {
  const p = inv.position;
  if (signedQty > 0) inv.buyFills++;
  else inv.sellFills++;

  if (p === 0) {
    inv.position = signedQty;
    inv.averageCost = price;
    return;
  }
  if ((p > 0) === (signedQty > 0)) {
    const size = Math.abs(p) + Math.abs(signedQty);
    inv.averageCost = (inv.averageCost * Math.abs(p) + price * Math.abs(signedQty)) / size;
    inv.position = p + signedQty;
    return;
  }
  const closed = Math.min(Math.abs(signedQty), Math.abs(p));
  inv.realisedPnl += closed * (price - inv.averageCost) * (p > 0 ? 1 : -1);
  if (Math.abs(signedQty) > Math.abs(p)) {
    inv.position = p + signedQty;
    inv.averageCost = price;
  } else if (Math.abs(signedQty) === Math.abs(p)) {
    inv.position = 0;
    inv.averageCost = 0;
  } else {
    inv.position = p + signedQty;
  }
}

/** The OMS's view of the position replaces ours; realised P&L is kept. */
export function applySnapshot(inv: InventoryState, quantity: number, averageCost: number): void {
  inv.position = quantity;
  inv.averageCost = quantity === 0 ? 0 : averageCost;
}
