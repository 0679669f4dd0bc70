/**
 * What `process()` hands out. A symbol's quote is one object per symbol,
 * rewritten in place by every requote (so a mid update allocates nothing);
 * callers that keep a quote get a copy instead, made at most once per quote.
 */
import type { Outcome, ProcessResult, Quote, QuoteLevel, RiskDecision } from './quote.js';
import type { SymbolState } from './symbol-state.js';

/** A symbol's reusable quote, every field present (and numeric where it can be) from the start, so its shape never changes. */
export function blankQuote(symbol: string): Quote {
  return {
    symbol, seq: 0, time: NaN, mid: NaN, bidPrice: NaN, bidSize: NaN, askPrice: NaN, askSize: NaN,
    reservation: NaN, spread: NaN, spreadBps: NaN, model: 'avellaneda-stoikov', sigma: NaN, sigmaSource: 'default',
    horizon: 'infinite', tau: NaN, inventory: NaN, toxicity: NaN,
    adjustments: { inventorySkew: NaN, toxicityMultiplier: NaN, spreadClamp: 'none', crossMidClamp: 'none' },
    levels: undefined,
  };
}

const copyLevel = (l: QuoteLevel): QuoteLevel => ({ price: l.price, size: l.size });

/** A copy of `q` that nothing rewrites; without `levels` when the quote has one level, as before. */
function copyQuote(q: Quote): Quote {
  const a = q.adjustments;
  const copy: Quote = {
    symbol: q.symbol, seq: q.seq, time: q.time, mid: q.mid, bidPrice: q.bidPrice, bidSize: q.bidSize, askPrice: q.askPrice, askSize: q.askSize,
    reservation: q.reservation, spread: q.spread, spreadBps: q.spreadBps, model: q.model, sigma: q.sigma, sigmaSource: q.sigmaSource,
    horizon: q.horizon, tau: q.tau, inventory: q.inventory, toxicity: q.toxicity,
    adjustments: { inventorySkew: a.inventorySkew, toxicityMultiplier: a.toxicityMultiplier, spreadClamp: a.spreadClamp, crossMidClamp: a.crossMidClamp },
  };
  if (q.levels !== undefined) copy.levels = { bids: q.levels.bids.map(copyLevel), asks: q.levels.asks.map(copyLevel) };
  return copy;
}

/** The symbol's current quote as callers may keep it: a copy, made once per quote and shared by every reader. */
export function keptQuote(s: SymbolState): Quote | null {
  if (s.quote === null) return null;
  return (s.keptQuote ??= copyQuote(s.quote));
}

/** The result in `out` when given (reused by the caller, allocation-free), else in a new object. */
export function writeResult(
  out: ProcessResult | undefined, symbol: string, outcome: Outcome, quote: Quote | null, decision: RiskDecision, breach: boolean, withdrawn: boolean,
): ProcessResult {
  if (out === undefined) return { symbol, outcome, quote, decision, breach, withdrawn };
  out.symbol = symbol;
  out.outcome = outcome;
  out.quote = quote;
  out.decision = decision;
  out.breach = breach;
  out.withdrawn = withdrawn;
  // a risk change belongs to the call that made it (process() sets it after this), never to the next
  if (out.risk != null) out.risk = null;
  return out;
}
