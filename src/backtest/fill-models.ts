/**
 * How a replay decides that our resting orders trade. Both models take the
 * book as it is live on the exchange and take the filled units out of it.
 *
 * - trade-through: a recorded trade at our price or through it fills our
 *   order, up to the trade's size; at exactly our price the units assumed
 *   ahead of us in the queue trade first. Needs trades in the data.
 * - intensity: over a step of length dt, an order at distance δ from the mid
 *   fills (whole) with probability 1 − e^(−λ(δ)·dt), λ(δ) = A·e^(−kδ), one
 *   seeded uniform per order and step. Needs only mids.
 */
import { fillProbability } from '../model/arrival.js';
import type { Uniform } from '../sim/random.js';
import type { RecordedTrade } from './market-data.js';
import type { Book, RestingOrder } from './exchange.js';

/** Units below which what is left of an order counts as nothing (binary noise of partial fills). */
const DUST = 1e-12;

export type FillModelSpec =
  | { kind: 'trade-through'; /** units assumed ahead of a new order at its price */ queueAhead: number }
  | {
    kind: 'intensity';
    /** arrival rate at distance 0, per the agent's time unit */
    A: number;
    /** decay, per price unit */
    k: number;
    seed: number;
  };

/** One fill of one of our orders; `side` is ours: `buy` when our bid fills. */
export interface ExchangeFill {
  side: 'buy' | 'sell';
  price: number;
  quantity: number;
  /** the order still rests with units left after this fill */
  partial: boolean;
}

/**
 * A recorded trade against our book. A seller's trade at price p reaches
 * our bids at p or above, best first; a buyer's reaches our asks at p or
 * below. Through our price (a better price than the print), the trade would
 * have met our order first, so the queue does not apply; at our price, the
 * units ahead of us trade first.
 */
export function tradeThroughFills(book: Book, trade: RecordedTrade): ExchangeFill[] {
  const ours = trade.side === 'sell' ? book.bids : book.asks;
  const fills: ExchangeFill[] = [];
  let left = trade.quantity;
  for (const o of ours) {
    if (left <= 0) break;
    const reached = trade.side === 'sell' ? o.price >= trade.price : o.price <= trade.price;
    if (!reached) break; // levels are best first: the rest are farther still
    if (o.price === trade.price && o.queueAhead > 0) {
      const ahead = Math.min(o.queueAhead, left);
      o.queueAhead -= ahead;
      left -= ahead;
    }
    const q = Math.min(o.remaining, left);
    if (q > 0) {
      o.remaining -= q;
      // 1 − 0.3 − 0.3 − 0.4 leaves 5.6e-17 in binary: that order is done
      if (o.remaining < DUST) o.remaining = 0;
      left -= q;
      fills.push({ side: trade.side === 'sell' ? 'buy' : 'sell', price: o.price, quantity: q, partial: o.remaining > 0 });
    }
  }
  removeFilled(book);
  return fills;
}

/**
 * One step of the intensity model: every live order, bids best first then
 * asks best first, draws one uniform, so a seed gives the same fills
 * whatever the fills were before. dt is in the agent's time unit.
 */
export function intensityFills(book: Book, mid: number, dt: number, A: number, k: number, uniform: Uniform): ExchangeFill[] {
  const fills: ExchangeFill[] = [];
  const side = (orders: RestingOrder[], ourSide: 'buy' | 'sell'): void => {
    for (const o of orders) {
      const distance = ourSide === 'buy' ? mid - o.price : o.price - mid;
      if (uniform() < fillProbability(A, k, distance, dt)) {
        fills.push({ side: ourSide, price: o.price, quantity: o.remaining, partial: false });
        o.remaining = 0;
      }
    }
  };
  side(book.bids, 'buy');
  side(book.asks, 'sell');
  removeFilled(book);
  return fills;
}

function removeFilled(book: Book): void {
  if (book.bids.some((o) => o.remaining <= 0)) book.bids = book.bids.filter((o) => o.remaining > 0);
  if (book.asks.some((o) => o.remaining <= 0)) book.asks = book.asks.filter((o) => o.remaining > 0);
}
