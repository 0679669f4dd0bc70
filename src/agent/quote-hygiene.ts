/**
 * What happens to a quote after the model made it: the maker fee as a floor on
 * each side's distance from the mid, the sides a notional limit keeps off, and
 * whether it differs enough from the published quote to be published again.
 * Pure functions of their arguments; the quote given is changed in place.
 */
import { roundDown, roundUp, type TickGrid } from '../model/price-grid.js';
import type { Quote, QuoteLevel } from './quote.js';
import type { QuotingParams } from './quoting-params.js';
import { ASK_BLOCKED, BID_BLOCKED } from './risk-limits.js';

/** The fee of a fill of `quantity` at `price`, at `bps` of its notional (negative: a rebate). */
export function feeOf(price: number, quantity: number, bps: number): number {
  return (price * quantity * bps) / 1e4;
}

/**
 * Moves each side at least `makerBps` of the mid away from it (on the grid, bid down and ask up), so
 * that a fill at the quote earns at least the maker fee back. Returns whether a price moved. A rebate
 * (makerBps ≤ 0) sets no floor.
 */
export function applyFeeFloor(q: Quote, makerBps: number, grid: TickGrid): boolean {
  if (!(makerBps > 0)) return false;
  const bidCap = roundDown(q.mid * (1 - makerBps / 1e4), grid);
  const askFloor = roundUp(q.mid * (1 + makerBps / 1e4), grid);
  let moved = false;
  if (q.bidPrice > bidCap) { q.bidPrice = bidCap; moved = true; }
  if (q.askPrice < askFloor) { q.askPrice = askFloor; moved = true; }
  if (q.levels !== undefined) {
    // a level inside the floor moves out to it, and each next level stays a tick beyond the one before
    let prev = Infinity;
    for (const l of q.levels.bids) {
      const cap = Math.min(bidCap, prev === Infinity ? bidCap : roundDown(prev - grid.tick, grid));
      if (l.price > cap) l.price = cap;
      prev = l.price;
    }
    prev = -Infinity;
    for (const l of q.levels.asks) {
      const floor = Math.max(askFloor, prev === -Infinity ? askFloor : roundUp(prev + grid.tick, grid));
      if (l.price < floor) l.price = floor;
      prev = l.price;
    }
  }
  if (moved) {
    q.spread = Math.round((q.askPrice - q.bidPrice) * grid.scale) / grid.scale;
    q.spreadBps = Math.round(((q.askPrice - q.bidPrice) / q.mid) * 1e10) / 1e6;
  }
  return moved;
}

const zero = (levels: QuoteLevel[]): void => {
  for (const l of levels) l.size = 0;
};

/** Sets the size of each blocked side (BID_BLOCKED | ASK_BLOCKED) to 0, every level; returns whether any side is still quoted. */
export function applyBlockedSides(q: Quote, blocked: number): boolean {
  if ((blocked & BID_BLOCKED) !== 0) { q.bidSize = 0; if (q.levels) zero(q.levels.bids); }
  if ((blocked & ASK_BLOCKED) !== 0) { q.askSize = 0; if (q.levels) zero(q.levels.asks); }
  return q.bidSize > 0 || q.askSize > 0;
}

/**
 * Whether `next` may be held back for `prev` (the published quote): the same sizes on every level, every
 * price within `requote.minChangeTicks` ticks (identical when 0), and `prev` younger than
 * `requote.maxIntervalMs`. Straight-line arithmetic, no closure, and the parameters read here rather
 * than passed: it runs on every requote, and a double passed to a call V8 does not inline is boxed.
 */
export function isUnchanged(prev: Quote, next: Quote, p: QuotingParams): boolean {
  const r = p.config.requote;
  if (next.time - prev.time >= r.maxIntervalMs) return false;
  if (prev.bidSize !== next.bidSize || prev.askSize !== next.askSize) return false;
  const tick = p.grid.tick;
  // half a tick of tolerance: prices are on the grid, so this is exact in ticks
  const within = r.minChangeTicks === 0 ? tick * 1e-9 : (r.minChangeTicks - 0.5) * tick;
  if (moved(prev.bidPrice, next.bidPrice, within) || moved(prev.askPrice, next.askPrice, within)) return false;
  const pl = prev.levels;
  const nl = next.levels;
  if (pl === undefined || nl === undefined) return pl === nl;
  return sameLevels(pl.bids, nl.bids, within) && sameLevels(pl.asks, nl.asks, within);
}

function moved(a: number, b: number, within: number): boolean {
  const d = a - b;
  return d > within || -d > within;
}

function sameLevels(a: QuoteLevel[], b: QuoteLevel[], within: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.size !== b[i]!.size || moved(a[i]!.price, b[i]!.price, within)) return false;
  return true;
}

/** Copies every field of `src` into `dst` (levels into its own level objects, made once per level); returns `dst`. */
export function copyQuoteInto(dst: Quote, src: Quote): Quote {
  dst.symbol = src.symbol;
  dst.seq = src.seq;
  dst.time = src.time;
  dst.mid = src.mid;
  dst.bidPrice = src.bidPrice;
  dst.bidSize = src.bidSize;
  dst.askPrice = src.askPrice;
  dst.askSize = src.askSize;
  dst.reservation = src.reservation;
  dst.spread = src.spread;
  dst.spreadBps = src.spreadBps;
  dst.model = src.model;
  dst.sigma = src.sigma;
  dst.sigmaSource = src.sigmaSource;
  dst.horizon = src.horizon;
  dst.tau = src.tau;
  dst.inventory = src.inventory;
  dst.toxicity = src.toxicity;
  const a = dst.adjustments;
  const b = src.adjustments;
  a.inventorySkew = b.inventorySkew;
  a.toxicityMultiplier = b.toxicityMultiplier;
  a.spreadClamp = b.spreadClamp;
  a.crossMidClamp = b.crossMidClamp;
  if (src.levels === undefined) {
    dst.levels = undefined;
  } else {
    const l = (dst.levels ??= { bids: [], asks: [] });
    copyLevels(l.bids, src.levels.bids);
    copyLevels(l.asks, src.levels.asks);
  }
  return dst;
}

function copyLevels(dst: QuoteLevel[], src: QuoteLevel[]): void {
  for (let i = 0; i < src.length; i++) {
    const d = dst[i];
    if (d === undefined) dst.push({ price: src[i]!.price, size: src[i]!.size });
    else {
      d.price = src[i]!.price;
      d.size = src[i]!.size;
    }
  }
  dst.length = src.length;
}
