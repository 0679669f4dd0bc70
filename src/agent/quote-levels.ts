/**
 * One side of a multi-level quote. Level i lies i·step beyond level 0 on the
 * tick grid (model/price-ladder.ts). Each level offers `levelSize` (the order
 * size after inventory shaping), cut so that every level of the side filled
 * at once still cannot take the position past ±maxInventory — the same rule
 * level 0 follows on its own. A bid at or below zero is not quoted.
 */
import { ladderAsk, ladderBid } from '../model/price-ladder.js';
import type { TickGrid } from '../model/price-grid.js';
import type { QuoteLevel } from './quote.js';

/**
 * Writes the side's `levels` levels into `out` (its level objects reused,
 * so a symbol's quote allocates nothing per requote once it has as many).
 */
export function ladderSideInto(
  out: QuoteLevel[],
  side: 'bid' | 'ask',
  levels: number,
  price0: number,
  size0: number,
  step: number,
  levelSize: number,
  room: number,
  grid: TickGrid,
): QuoteLevel[] {
  if (out.length > levels) out.length = levels;
  while (out.length < levels) out.push({ price: 0, size: 0 });
  out[0]!.price = price0;
  out[0]!.size = size0;
  let left = room - size0;
  let price = price0;
  for (let i = 1; i < levels; i++) {
    price = side === 'bid' ? ladderBid(price0, price, i, step, grid) : ladderAsk(price0, price, i, step, grid);
    const size = price > 0 && left > 0 ? (left < levelSize ? left : levelSize) : 0;
    left -= size;
    const l = out[i]!;
    l.price = price;
    l.size = size;
  }
  return out;
}

