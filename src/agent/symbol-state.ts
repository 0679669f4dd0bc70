import { MarkoutRing } from './markout-ring.js';
import type { IntensityTracker } from './intensity-tracker.js';
import type { IntensityBuckets } from './intensity-buckets.js';
import { kForHalfSpread } from '../model/avellaneda-stoikov.js';
import { emptyInventory, unrealisedPnl, type InventoryState } from './inventory.js';
import { DECISIONS, type Quote, type RiskDecision } from './quote.js';
import type { QuotingParams } from './quoting-params.js';
import { blankQuote, keptQuote } from './results.js';
import { VolatilityEstimator } from './volatility-estimator.js';

/** Everything one agent knows about one symbol. */
export class SymbolState {
  mid = NaN;
  midTime = NaN;
  /** time of the latest requote: that of the update process() applied, or the one a requote was asked for */
  quoteTime = NaN;
  /** last pushed sigma, NaN until one arrives */
  sigma = NaN;
  /** sigma estimated from the mids; always kept, as it costs O(1) per mid */
  readonly volatility = new VolatilityEstimator();
  /** order-arrival calibration, only while the agent estimates intensity */
  intensity: IntensityTracker | null = null;
  readonly inventory: InventoryState = emptyInventory();
  /** allocated at the first fill, so symbols that never trade stay small */
  fills: MarkoutRing | null = null;
  lastSnapshotTime = -Infinity;
  /** the current quote: null, or `live` */
  quote: Quote | null = null;
  /** the symbol's one quote object, rewritten by each requote (results.ts) */
  readonly live: Quote;
  /** a copy of `quote` for callers that keep it, made when first asked for; null again at each new quote */
  keptQuote: Quote | null = null;
  /** what subscribers last got (a copy, rewritten at each publication), null when the symbol has no quote: the requote threshold compares with it */
  published: Quote | null = null;
  decision: RiskDecision = DECISIONS.noMid;
  seq = 0;
  paused = false;
  inBreach = false;
  toxicity = 0;
  updates = 0;

  constructor(readonly symbol: string) {
    this.live = blankQuote(symbol);
  }
}

export interface VolatilityEstimateView {
  /** online estimate, per √timeUnit; null before the first return */
  sigma: number | null;
  /** returns in the window, decay-weighted (the warm-up compares this with minSamples) */
  samples: number;
  /** returns measured in all */
  returns: number;
  /** whether the current quote uses this estimate */
  inUse: boolean;
}

export interface SideIntensityView {
  /** k the next quote uses on this side, per price unit */
  k: number;
  /** A the next quote uses on this side, per time unit (GLFT only) */
  A: number;
  /** `estimated` when the fit below is in use, else `configured` */
  source: 'configured' | 'estimated';
  /** latest fit within the bounds; null before one was possible or when not estimating */
  fittedK: number | null;
  fittedA: number | null;
  /** standard errors of fittedK and fittedA (Fisher information of the Poisson fit); null as they are */
  kStdErr: number | null;
  AStdErr: number | null;
  /** decay-weighted fills at the latest fit: the sample size compared with minFills */
  fills: number;
  /** distance buckets quoted in at the latest fit */
  buckets: number;
}

/** A plain, serialisable view of a symbol's state for reads. */
export interface SymbolView {
  symbol: string;
  paused: boolean;
  mid: number | null;
  sigma: number | null;
  volatilityEstimate: VolatilityEstimateView;
  intensity: { bid: SideIntensityView; ask: SideIntensityView };
  position: number;
  averageCost: number;
  realisedPnl: number;
  unrealisedPnl: number;
  markPrice: number | null;
  buyFills: number;
  sellFills: number;
  fillsInHistory: number;
  toxicity: number;
  inBreach: boolean;
  updates: number;
  quote: Quote | null;
  decision: RiskDecision;
}

/**
 * P&L as reported (views, replies, metrics): rounded to 1e-8 of the quote currency, so that
 * binary noise (0.30000000000000004) stays out of what people read; the state keeps every digit.
 */
export function reportedPnl(x: number): number {
  return Math.round(x * 1e8) / 1e8 + 0;
}

const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function sideView(b: IntensityBuckets | null, k: number, A: number, kFloor: number): SideIntensityView {
  const inUse = b !== null && b.ready;
  return {
    k: inUse ? Math.max(b.k, kFloor) : k,
    A: inUse ? b.A : A,
    source: inUse ? 'estimated' : 'configured',
    fittedK: b === null ? null : orNull(b.k),
    fittedA: b === null ? null : orNull(b.A),
    kStdErr: b === null ? null : finiteOrNull(b.kStdErr),
    AStdErr: b === null ? null : finiteOrNull(b.AStdErr),
    fills: b === null ? 0 : b.sampleFills,
    buckets: b === null ? 0 : b.points,
  };
}

export function symbolView(s: SymbolState, p: QuotingParams): SymbolView {
  const inv = s.inventory;
  const c = p.config;
  const t = s.intensity;
  const kFloor = kForHalfSpread(c.gamma, c.intensity.bucketWidth * c.intensity.buckets);
  return {
    symbol: s.symbol,
    paused: s.paused,
    mid: orNull(s.mid),
    sigma: orNull(s.sigma),
    volatilityEstimate: {
      sigma: orNull(s.volatility.sigma(p.unitMs)),
      samples: s.volatility.samples,
      returns: s.volatility.returns,
      inUse: s.quote?.sigmaSource === 'estimated',
    },
    intensity: {
      bid: sideView(t === null ? null : t.bid, c.k, c.A, kFloor),
      ask: sideView(t === null ? null : t.ask, c.k, c.A, kFloor),
    },
    position: inv.position,
    averageCost: inv.averageCost,
    realisedPnl: reportedPnl(inv.realisedPnl),
    unrealisedPnl: reportedPnl(unrealisedPnl(inv)),
    markPrice: inv.markPrice > 0 ? inv.markPrice : null,
    buyFills: inv.buyFills,
    sellFills: inv.sellFills,
    fillsInHistory: s.fills ? s.fills.size : 0,
    toxicity: s.toxicity,
    inBreach: s.inBreach,
    updates: s.updates,
    quote: keptQuote(s),
    decision: s.decision,
  };
}
