/**
 * Recomputes one symbol's quote. The order of the steps is the contract:
 *   1. the model: reservation price r and total spread δ (A–S or GLFT);
 *   2. adverse selection: δ × multiplier in [1, 3] from the toxicity score;
 *   3. inventory skew: the bid half-spread × (1 + s), the ask half-spread × (1 − s),
 *      s = maxSkew · (position − target) / maxInventory clipped to ±maxSkew,
 *      so a long book quotes a nearer ask and a farther bid;
 *   4. min/max spread in bps of the mid, keeping the quote's centre;
 *   5. tick rounding, bid down and ask up;
 *   6. sizes: no more than would take the position past ±maxInventory, and
 *      none on the side that adds to a position already at the limit.
 * Before step 4, bid < r < ask whenever the skew is below 100 %.
 */
import { intensityHalfSpread, optimalSpread, reservationPrice } from '../model/avellaneda-stoikov.js';
import { glftInventoryCoefficient } from '../model/glft.js';
import { timeToHorizon } from '../model/horizon.js';
import { roundDown, roundUp } from '../model/price-grid.js';
import { adverseMarkout, fillImbalance, spreadMultiplier, toxicityScore } from '../model/toxicity.js';
import { DECISIONS, type SpreadClamp, type VolatilitySource } from './quote.js';
import type { QuotingParams } from './quoting-params.js';
import type { SymbolState } from './symbol-state.js';

export function toxicityOf(s: SymbolState, p: QuotingParams): number {
  const ring = s.fills;
  if (ring === null) return 0;
  const t = p.config.toxicity;
  return toxicityScore(
    fillImbalance(ring.buys, ring.sells, t.priorFills),
    adverseMarkout(ring.markoutSumBps, ring.markoutCount, t),
    t.imbalanceWeight,
  );
}

/** Sets `s.quote` and `s.decision`; returns whether a new quote was produced. */
export function requote(s: SymbolState, p: QuotingParams, time: number, agentPaused: boolean): boolean {
  const c = p.config;
  const position = s.inventory.position;
  s.inBreach = position >= c.maxInventory || position <= -c.maxInventory;
  s.toxicity = toxicityOf(s, p);

  if (agentPaused || s.paused) {
    s.quote = null;
    s.decision = agentPaused ? DECISIONS.agentPaused : DECISIONS.symbolPaused;
    return false;
  }
  const mid = s.mid;
  if (!(mid > 0)) {
    s.quote = null;
    s.decision = DECISIONS.noMid;
    return false;
  }
  let sigma = s.sigma;
  let sigmaSource: VolatilitySource = 'pushed';
  if (!(sigma > 0)) {
    if (c.volatility.default === null) {
      s.quote = null;
      s.decision = DECISIONS.noVolatility;
      return false;
    }
    sigma = c.volatility.default;
    sigmaSource = 'default';
  }

  // 1. the model
  const q = position / c.orderSize;
  let tau: number | null;
  let reservation: number;
  let spread: number;
  if (c.model === 'glft') {
    tau = null;
    const coeff = glftInventoryCoefficient(c.gamma, sigma, c.k, c.A);
    reservation = mid - q * coeff;
    spread = 2 * intensityHalfSpread(c.gamma, c.k) + coeff;
  } else {
    tau = timeToHorizon(p.horizon, time, p.unitMs);
    reservation = reservationPrice(mid, q, c.gamma, sigma, tau);
    spread = optimalSpread(c.gamma, sigma, tau, c.k);
  }

  // 2. adverse selection
  const tx = c.toxicity;
  const multiplier = spreadMultiplier(s.toxicity, tx.low, tx.high, tx.maxMultiplier);
  const half = (spread * multiplier) / 2;

  // 3. inventory skew
  let ratio = (position - c.inventoryTarget) / c.maxInventory;
  if (ratio > 1) ratio = 1;
  else if (ratio < -1) ratio = -1;
  const skew = c.maxSkew * ratio;
  let bid = reservation - half * (1 + skew);
  let ask = reservation + half * (1 - skew);

  // 4. spread bounds in bps of the mid
  let clamp: SpreadClamp = 'none';
  const width = ask - bid;
  const minWidth = (c.minSpreadBps * mid) / 1e4;
  const maxWidth = (c.maxSpreadBps * mid) / 1e4;
  if (width < minWidth || width > maxWidth) {
    const target = width < minWidth ? minWidth : maxWidth;
    clamp = width < minWidth ? 'min' : 'max';
    const centre = (bid + ask) / 2;
    bid = centre - target / 2;
    ask = centre + target / 2;
  }

  // 5. tick grid
  bid = roundDown(bid, p.grid);
  ask = roundUp(ask, p.grid);
  if (ask <= bid) ask = roundUp(bid + p.grid.tick, p.grid);

  if (!Number.isFinite(bid) || !Number.isFinite(ask) || !Number.isFinite(reservation)) {
    s.quote = null;
    s.decision = DECISIONS.numericalError;
    return false;
  }
  if (!(ask > 0)) {
    s.quote = null;
    s.decision = DECISIONS.nonPositiveAsk;
    return false;
  }

  // 6. sizes and the risk decision
  const roomLong = c.maxInventory - position;
  const roomShort = c.maxInventory + position;
  let bidSize = bid > 0 && roomLong > 0 ? (roomLong < c.orderSize ? roomLong : c.orderSize) : 0;
  const askSize = roomShort > 0 ? (roomShort < c.orderSize ? roomShort : c.orderSize) : 0;
  if (!(bid > 0)) bidSize = 0;
  s.decision =
    roomLong <= 0 ? DECISIONS.maxLong
    : roomShort <= 0 ? (bidSize > 0 ? DECISIONS.maxShort : DECISIONS.nonPositiveBidMaxShort)
    : bidSize > 0 ? DECISIONS.ok
    : DECISIONS.nonPositiveBid;

  s.quote = {
    symbol: s.symbol,
    seq: ++s.seq,
    time,
    mid,
    bidPrice: bid,
    bidSize,
    askPrice: ask,
    askSize,
    reservation,
    spread: Math.round((ask - bid) * p.grid.scale) / p.grid.scale,
    spreadBps: ((ask - bid) / mid) * 1e4,
    model: c.model,
    sigma,
    sigmaSource,
    horizon: p.horizon.mode,
    tau,
    inventory: position,
    toxicity: s.toxicity,
    adjustments: { inventorySkew: skew, toxicityMultiplier: multiplier, spreadClamp: clamp },
  };
  return true;
}
