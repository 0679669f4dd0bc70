/**
 * Steps 5 and 6 of the quote (quote-engine.ts) in the rare cases where plain
 * rounding does not do: out of line, so that computeQuote stays small enough
 * for its rounding to be inlined (no boxed doubles on the common path).
 */
import { roundDown, roundUp, type TickGrid } from '../model/price-grid.js';
import type { CrossMidClamp } from './quote.js';

/**
 * Scratch for the out-of-line steps 5 and 6, one per process, as `process` runs
 * one call at a time: the inputs travel in it rather than as arguments, since
 * a double passed to a function V8 does not inline is boxed (an allocation).
 * `rawBid`/`rawAsk` are the prices before rounding, `bid`/`ask` after it.
 */
export const GRID_FIX = { bid: NaN, ask: NaN, rawBid: NaN, rawAsk: NaN, minHalf: NaN, maxHalf: NaN, mid: NaN, clampedMax: false };

/**
 * Step 5 when the width after rounding falls outside [min, max] (a band only a
 * few ticks wide): the first other rounding that fits (the bid's flipped, the
 * ask's, both); if none fits, the max wins.
 */
export function fitBand(g: typeof GRID_FIX, grid: TickGrid): void {
  const { rawBid, rawAsk, minHalf, maxHalf } = g;
  const tol = grid.tick * 1e-9;
  const minWidth = 2 * minHalf - tol;
  const maxWidth = 2 * maxHalf + tol;
  const b = g.bid;
  const a = g.ask;
  let w = a - b;
  if (w <= maxWidth && w >= minWidth) return;
  const bidIn = roundUp(rawBid, grid);
  const askIn = roundDown(rawAsk, grid);
  const bFlip = b === bidIn ? roundDown(rawBid, grid) : bidIn;
  const aFlip = a === askIn ? roundUp(rawAsk, grid) : askIn;
  if ((w = a - bFlip) <= maxWidth && w >= minWidth) g.bid = bFlip;
  else if ((w = aFlip - b) <= maxWidth && w >= minWidth) g.ask = aFlip;
  else if ((w = aFlip - bFlip) <= maxWidth && w >= minWidth) {
    g.bid = bFlip;
    g.ask = aFlip;
  } else if (a - b > maxWidth) {
    g.bid = bidIn;
    g.ask = askIn;
  }
}

/**
 * Step 6: bid ≤ mid − tick and ask ≥ mid + tick on the grid. A side the model put
 * nearer is placed there; the other comes in as far as the max spread requires
 * (setting `clampedMax`). Returns which side(s) moved.
 */
export function keepOffMid(g: typeof GRID_FIX, grid: TickGrid): CrossMidClamp {
  const { mid, maxHalf } = g;
  const maxWidth = 2 * maxHalf + grid.tick * 1e-9;
  const bidCap = roundDown(mid - grid.tick, grid);
  const askFloor = roundUp(mid + grid.tick, grid);
  let cross: CrossMidClamp = 'none';
  if (g.bid > bidCap) {
    g.bid = bidCap;
    cross = 'bid';
  }
  if (g.ask < askFloor) {
    g.ask = askFloor;
    cross = cross === 'bid' ? 'both' : 'ask';
  }
  if (g.ask - g.bid > maxWidth) {
    if (cross === 'ask') {
      const inner = roundUp(g.ask - 2 * maxHalf, grid);
      g.bid = inner < bidCap ? inner : bidCap;
      g.clampedMax = true;
    } else if (cross === 'bid') {
      const inner = roundDown(g.bid + 2 * maxHalf, grid);
      g.ask = inner > askFloor ? inner : askFloor;
      g.clampedMax = true;
    }
  }
  return cross;
}
