/**
 * Recomputes one symbol's quote. The order of the steps is the contract:
 *   1. the model: reservation price r and total spread δ (A–S or GLFT), with
 *      sigma by the volatility policy and k, A per side (configured, or fitted
 *      to our fills once a side has enough);
 *   2. adverse selection: δ × multiplier in [1, 3] from the toxicity score;
 *   3. inventory skew: the bid half-spread × (1 + s), the ask half-spread × (1 − s),
 *      s = maxSkew · (position − target) / maxInventory clipped to ±maxSkew,
 *      so a long book quotes a nearer ask and a farther bid;
 *   4. min/max spread in bps of the mid: each half-spread clamped into
 *      [minSpreadBps/2, maxSpreadBps/2] of the mid around the reservation price;
 *   5. tick rounding that keeps the clamp: a side cut by the max clamp rounds
 *      inwards, the others outwards (bid down, ask up), and a side comes back in
 *      if rounding outwards took the width past the maximum;
 *   6. never across the mid (unless `allowCrossMid`): bid ≤ mid − tick and
 *      ask ≥ mid + tick; a side the model put nearer is placed one tick from the
 *      mid (reported as `crossMidClamp`) and the far side comes in as the max
 *      spread requires;
 *   7. sizes: orderSize shaped by inventory (e^(−η·q) on the side that adds
 *      to the position), no more than would take the position past
 *      ±maxInventory, and none on the side that adds to a position already
 *      at the limit;
 *   8. deeper levels, when configured, stepped out from level 0.
 * Before step 4, bid < r < ask whenever the skew is below 100 % and both
 * sides share k and A; after step 6, bid < mid < ask unless allowCrossMid.
 */
import { intensityHalfSpread, kForHalfSpread, optimalSpread, reservationPrice } from '../model/avellaneda-stoikov.js';
import { glftInventoryCoefficient } from '../model/glft.js';
import { timeToHorizon } from '../model/horizon.js';
import { roundDown, roundUp } from '../model/price-grid.js';
import { askSizeFactor, bidSizeFactor } from '../model/size-shaping.js';
import { adverseMarkout, fillImbalance, spreadMultiplier, toxicityScore } from '../model/toxicity.js';
import { IntensityTracker } from './intensity-tracker.js';
import { DECISIONS, type CrossMidClamp, type SpreadClamp } from './quote.js';
import { ladderSideInto } from './quote-levels.js';
import { fitBand, GRID_FIX, keepOffMid } from './quote-repair.js';
import type { QuotingParams } from './quoting-params.js';
import type { SymbolState } from './symbol-state.js';
import { volatilitySource } from './volatility-policy.js';

/**
 * Sets `s.toxicity` from the symbol's mark-out ring. A void function taking
 * objects: a double returned or passed across a call V8 does not inline is
 * boxed, one allocation per requote.
 */
export function refreshToxicity(s: SymbolState, p: QuotingParams): void {
  const ring = s.fills;
  if (ring === null) {
    s.toxicity = 0;
    return;
  }
  const t = p.config.toxicity;
  s.toxicity = toxicityScore(
    fillImbalance(ring.buys, ring.sells, t.priorFills),
    adverseMarkout(ring.markoutSumBps, ring.markoutCount, t),
    t.imbalanceWeight,
  );
}

/**
 * The symbol's intensity tracker when the agent estimates intensity, made at
 * the first quote (or anew after a reconfiguration changed its buckets);
 * null, dropping any estimates, when it uses the configured k and A.
 */
function intensityTrackerOf(s: SymbolState, p: QuotingParams): IntensityTracker | null {
  const c = p.config.intensity;
  if (c.source !== 'estimated') {
    s.intensity = null;
    return null;
  }
  if (s.intensity === null || !s.intensity.fits(c)) s.intensity = new IntensityTracker(c.bucketWidth, c.buckets);
  return s.intensity;
}

/**
 * Sets `s.quote` and `s.decision` at time `s.quoteTime`; returns whether a new
 * quote was produced. The time comes in the state, not as an argument: a
 * double passed to a call V8 does not inline is boxed, one allocation per call.
 */
export function requote(s: SymbolState, p: QuotingParams, agentPaused: boolean): boolean {
  const time = s.quoteTime;
  const tracker = intensityTrackerOf(s, p);
  if (tracker !== null) {
    // the quote being replaced rested until now; then fit with what that adds
    const ic = p.config.intensity;
    tracker.creditExposure(time, ic.halfLifeMs);
    tracker.refitIfStale(time, ic, p.unitMs);
  }
  const quoted = computeQuote(s, p, agentPaused, tracker);
  if (tracker !== null) tracker.stand(s.quote, time);
  return quoted;
}

function computeQuote(s: SymbolState, p: QuotingParams, agentPaused: boolean, tracker: IntensityTracker | null): boolean {
  const c = p.config;
  const time = s.quoteTime;
  const position = s.inventory.position;
  s.inBreach = position >= c.maxInventory || position <= -c.maxInventory;
  refreshToxicity(s, p);

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
  const v = c.volatility;
  const estimate = v.source === 'pushed' ? NaN : s.volatility.warmSigma(v.minSamples, p.unitMs);
  const sigmaSource = volatilitySource(v.source, s.sigma, estimate, v.default);
  if (sigmaSource === null) {
    s.quote = null;
    s.decision = DECISIONS.noVolatility;
    return false;
  }
  const sigma = sigmaSource === 'pushed' ? s.sigma : sigmaSource === 'estimated' ? estimate : p.defaultSigma;

  // 1. the model, each side with its own k and A (the same unless estimated)
  const bidFit = tracker !== null && tracker.bid.ready;
  const askFit = tracker !== null && tracker.ask.ready;
  // a fitted k may not send the quote beyond the distances the buckets observe: the
  // intensity term (1/γ)·ln(1 + γ/k) stays within buckets × bucketWidth (k ≥ γ / (e^(γ·D) − 1))
  const kFloor = bidFit || askFit ? kForHalfSpread(c.gamma, c.intensity.bucketWidth * c.intensity.buckets) : 0;
  const kBid = bidFit ? (tracker.bid.k > kFloor ? tracker.bid.k : kFloor) : c.k;
  const aBid = bidFit ? tracker.bid.A : c.A;
  const kAsk = askFit ? (tracker.ask.k > kFloor ? tracker.ask.k : kFloor) : c.k;
  const aAsk = askFit ? tracker.ask.A : c.A;
  const sameSides = kBid === kAsk && aBid === aAsk;
  const q = position / c.orderSize;
  // NaN for GLFT (no horizon), reported as null: a number | null local would box the double
  let tau: number;
  let bidCentre: number;
  let askCentre: number;
  let bidSpread: number;
  let askSpread: number;
  if (c.model === 'glft') {
    tau = NaN;
    const coeffBid = glftInventoryCoefficient(c.gamma, sigma, kBid, aBid);
    const coeffAsk = sameSides ? coeffBid : glftInventoryCoefficient(c.gamma, sigma, kAsk, aAsk);
    bidCentre = mid - q * coeffBid;
    askCentre = sameSides ? bidCentre : mid - q * coeffAsk;
    bidSpread = 2 * intensityHalfSpread(c.gamma, kBid) + coeffBid;
    askSpread = sameSides ? bidSpread : 2 * intensityHalfSpread(c.gamma, kAsk) + coeffAsk;
  } else {
    tau = timeToHorizon(p.horizon, time, p.unitMs);
    bidCentre = askCentre = reservationPrice(mid, q, c.gamma, sigma, tau);
    bidSpread = optimalSpread(c.gamma, sigma, tau, kBid);
    askSpread = kAsk === kBid ? bidSpread : optimalSpread(c.gamma, sigma, tau, kAsk);
  }
  // with one k and A per side the two centres coincide and this is the model's r exactly
  const reservation = bidCentre === askCentre ? bidCentre : bidCentre + (askCentre - bidCentre) / 2;

  // 2. adverse selection
  const tx = c.toxicity;
  const multiplier = spreadMultiplier(s.toxicity, tx.low, tx.high, tx.maxMultiplier);
  const halfBid = (bidSpread * multiplier) / 2;
  const halfAsk = (askSpread * multiplier) / 2;

  // 3. inventory skew
  let ratio = (position - c.inventoryTarget) / c.maxInventory;
  if (ratio > 1) ratio = 1;
  else if (ratio < -1) ratio = -1;
  const skew = c.maxSkew * ratio;
  let bid = bidCentre - halfBid * (1 + skew);
  let ask = askCentre + halfAsk * (1 - skew);

  // 4. spread bounds in bps of the mid: each half-spread is clamped around the
  // reservation price (the model's price of indifference), so a clamp narrows or
  // widens the quote without moving the inventory signal; clamping the midpoint
  // of a lopsided quote instead would carry its near side across the mid
  const minHalf = (c.minSpreadBps * mid) / 2e4;
  const maxHalf = (c.maxSpreadBps * mid) / 2e4;
  let bidClamp: SpreadClamp = 'none';
  let askClamp: SpreadClamp = 'none';
  const halfBidOut = reservation - bid;
  const halfAskOut = ask - reservation;
  if (halfBidOut > maxHalf) { bid = reservation - maxHalf; bidClamp = 'max'; }
  else if (halfBidOut < minHalf) { bid = reservation - minHalf; bidClamp = 'min'; }
  if (halfAskOut > maxHalf) { ask = reservation + maxHalf; askClamp = 'max'; }
  else if (halfAskOut < minHalf) { ask = reservation + minHalf; askClamp = 'min'; }
  let clamp: SpreadClamp = bidClamp === 'max' || askClamp === 'max' ? 'max' : bidClamp === 'min' || askClamp === 'min' ? 'min' : 'none';

  // 5. tick grid, so that rounding never undoes a clamp: a side cut by the max
  // clamp rounds inwards, any other side outwards (bid down, ask up)
  const grid = p.grid;
  const tick = grid.tick;
  const tol = tick * 1e-9;
  let b = bidClamp === 'max' ? roundUp(bid, grid) : roundDown(bid, grid);
  let a = askClamp === 'max' ? roundDown(ask, grid) : roundUp(ask, grid);
  const w = a - b;
  let cross: CrossMidClamp = 'none';
  // 6. never across the mid. The rare repairs are out of line, so that this function
  // stays small enough for the rounding above to be inlined (no boxed doubles)
  if (w > 2 * maxHalf + tol || w < 2 * minHalf - tol || (!c.allowCrossMid && (b > mid - tick + tol || a < mid + tick - tol))) {
    const g = GRID_FIX;
    g.bid = b;
    g.ask = a;
    g.rawBid = bid;
    g.rawAsk = ask;
    g.minHalf = minHalf;
    g.maxHalf = maxHalf;
    g.mid = mid;
    g.clampedMax = clamp === 'max';
    fitBand(g, grid);
    cross = c.allowCrossMid ? 'none' : keepOffMid(g, grid);
    b = g.bid;
    a = g.ask;
    if (g.clampedMax) clamp = 'max';
  }
  if (a <= b) a = roundUp(b + tick, grid);
  bid = b;
  ask = a;

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

  // 7. sizes and the risk decision
  const roomLong = c.maxInventory - position;
  const roomShort = c.maxInventory + position;
  const lotsFromTarget = (position - c.inventoryTarget) / c.orderSize;
  const bidLevelSize = c.orderSize * bidSizeFactor(c.sizeShaping.eta, lotsFromTarget);
  const askLevelSize = c.orderSize * askSizeFactor(c.sizeShaping.eta, lotsFromTarget);
  const bidSize = bid > 0 && roomLong > 0 ? (roomLong < bidLevelSize ? roomLong : bidLevelSize) : 0;
  const askSize = roomShort > 0 ? (roomShort < askLevelSize ? roomShort : askLevelSize) : 0;
  if (bidSize === 0 && askSize === 0) {
    // short at the limit with no positive bid: nothing to show, so no quote rather than an empty one
    s.quote = null;
    s.decision = DECISIONS.nonPositiveBidMaxShort;
    return false;
  }
  // by price and room, not size: shaping may make a size tiny, not the side unquoted
  s.decision =
    roomLong <= 0 ? DECISIONS.maxLong
    : roomShort <= 0 ? (bid > 0 ? DECISIONS.maxShort : DECISIONS.nonPositiveBidMaxShort)
    : bid > 0 ? DECISIONS.ok
    : DECISIONS.nonPositiveBid;

  // written into the symbol's one quote object: a requote allocates nothing (results.ts)
  const out = s.live;
  out.seq = ++s.seq;
  out.time = time;
  out.mid = mid;
  out.bidPrice = bid;
  out.bidSize = bidSize;
  out.askPrice = ask;
  out.askSize = askSize;
  out.reservation = reservation;
  out.spread = Math.round((ask - bid) * grid.scale) / grid.scale;
  // reported, not used again: rounded to 1e-6 bps so binary noise (169.99999999999886) stays out of replies
  out.spreadBps = Math.round(((ask - bid) / mid) * 1e10) / 1e6;
  out.model = c.model;
  out.sigma = sigma;
  out.sigmaSource = sigmaSource;
  out.horizon = p.horizon.mode;
  if (tau === tau) out.tau = tau;
  else out.tau = null;
  out.inventory = position;
  out.toxicity = s.toxicity;
  const adj = out.adjustments;
  adj.inventorySkew = skew;
  adj.toxicityMultiplier = multiplier;
  adj.spreadClamp = clamp;
  adj.crossMidClamp = cross;

  // 8. deeper levels
  if (c.levels > 1) {
    const step = c.levelStep.unit === 'bps' ? (c.levelStep.value * mid) / 1e4 : (c.levelStep.value * (ask - bid)) / 2;
    const ladder = (out.levels ??= { bids: [], asks: [] });
    ladderSideInto(ladder.bids, 'bid', c.levels, bid, bidSize, step, bidLevelSize, roomLong, grid);
    ladderSideInto(ladder.asks, 'ask', c.levels, ask, askSize, step, askLevelSize, roomShort, grid);
  } else {
    out.levels = undefined;
  }
  s.quote = out;
  s.keptQuote = null;
  return true;
}
