import type { HorizonMode } from '../model/horizon.js';
import type { RiskChange } from './agent-risk.js';

export type ModelName = 'avellaneda-stoikov' | 'glft';
export type VolatilitySource = 'pushed' | 'default' | 'estimated';
export type SpreadClamp = 'none' | 'min' | 'max';
/** the side(s) placed one tick from the mid because the model put them across it */
export type CrossMidClamp = 'none' | 'bid' | 'ask' | 'both';

/** A two-sided quote and how it was made. Prices are on the tick grid; a side with size 0 is not quoted. */
export interface Quote {
  symbol: string;
  /** per-symbol sequence number, +1 for every quote produced */
  seq: number;
  /** time of the update that produced it, Unix ms */
  time: number;
  mid: number;
  bidPrice: number;
  bidSize: number;
  askPrice: number;
  askSize: number;
  reservation: number;
  /** askPrice − bidPrice */
  spread: number;
  spreadBps: number;
  model: ModelName;
  sigma: number;
  sigmaSource: VolatilitySource;
  horizon: HorizonMode;
  /** T − t used, in the agent's time unit; null for GLFT, which has no horizon */
  tau: number | null;
  /** position in units of the asset */
  inventory: number;
  toxicity: number;
  adjustments: QuoteAdjustments;
  /**
   * Every level of each side, level 0 (the flat fields above) first and each
   * next one farther from the mid; present only when the agent quotes more
   * than one level, so a single-level quote keeps its shape.
   */
  levels?: QuoteLevels;
}

export interface QuoteLevel {
  price: number;
  /** units of the asset; 0 = not quoted */
  size: number;
}

export interface QuoteLevels {
  /** best (highest) first */
  bids: QuoteLevel[];
  /** best (lowest) first */
  asks: QuoteLevel[];
}

export interface QuoteAdjustments {
  /** fraction by which the bid half-spread was widened (and the ask half-spread narrowed), in [−0.5, 0.5] */
  inventorySkew: number;
  /** factor applied to the model spread for adverse selection, in [1, 3] */
  toxicityMultiplier: number;
  /** whether the min or max spread in bps bound a half-spread around the reservation price ('max' when both did) */
  spreadClamp: SpreadClamp;
  /** the side(s) the model put within a tick of the mid or across it, placed one tick from it (never with allowCrossMid) */
  crossMidClamp: CrossMidClamp;
}

export type QuotedSides = 'both' | 'bid-only' | 'ask-only' | 'none';

export type DecisionReason =
  | 'ok'
  | 'max-inventory-long'
  | 'max-inventory-short'
  | 'non-positive-bid'
  | 'non-positive-ask'
  | 'agent-paused'
  | 'symbol-paused'
  | 'no-mid'
  | 'no-volatility'
  | 'numerical-error'
  /** the global kill switch (POST /v1/halt) */
  | 'halted'
  /** the agent's or the symbol's loss or drawdown limit was reached in this risk period */
  | 'loss-limit'
  | 'drawdown-limit'
  /** a notional limit keeps the side(s) that would grow it off */
  | 'notional-limit';

export interface RiskDecision {
  sides: QuotedSides;
  reason: DecisionReason;
}

/** 'unchanged': the new quote is within the requote threshold of the published one, which stays (not republished) */
export type Outcome = 'quoted' | 'unchanged' | 'no-quote' | 'duplicate';

export interface ProcessResult {
  symbol: string;
  /** 'duplicate': a fill id seen before; nothing changed and `quote` is the current one */
  outcome: Outcome;
  quote: Quote | null;
  decision: RiskDecision;
  /** the absolute position is at or beyond maxInventory */
  breach: boolean;
  /** the symbol had a quote before this call and has none after it */
  withdrawn: boolean;
  /** a breach or a new risk period this call made (to journal, and other symbols' withdrawals to publish) */
  risk?: RiskChange | null;
}

function decision(sides: QuotedSides, reason: DecisionReason): RiskDecision {
  return Object.freeze({ sides, reason });
}

/** Shared, frozen decisions: the hot path picks one instead of allocating. */
export const DECISIONS = {
  ok: decision('both', 'ok'),
  maxLong: decision('ask-only', 'max-inventory-long'),
  maxShort: decision('bid-only', 'max-inventory-short'),
  nonPositiveBid: decision('ask-only', 'non-positive-bid'),
  nonPositiveAsk: decision('none', 'non-positive-ask'),
  nonPositiveBidMaxShort: decision('none', 'max-inventory-short'),
  agentPaused: decision('none', 'agent-paused'),
  symbolPaused: decision('none', 'symbol-paused'),
  noMid: decision('none', 'no-mid'),
  noVolatility: decision('none', 'no-volatility'),
  numericalError: decision('none', 'numerical-error'),
  halted: decision('none', 'halted'),
  lossLimit: decision('none', 'loss-limit'),
  drawdownLimit: decision('none', 'drawdown-limit'),
  notionalBidOnly: decision('bid-only', 'notional-limit'),
  notionalAskOnly: decision('ask-only', 'notional-limit'),
  notionalNone: decision('none', 'notional-limit'),
} as const;
