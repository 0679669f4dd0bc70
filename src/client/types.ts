/**
 * What the service answers, typed. The quote and symbol shapes are the
 * agent's own types (type-only imports: nothing of the agent or the server
 * runs in the client); the reply envelopes mirror src/service/routes/*.ts,
 * and test/client/types.test.ts keeps the two in step.
 */
import type { MarketMakerConfig, MarketMakerConfigInput } from '../agent/config.js';
import type { AgentStats, AgentStatus } from '../agent/agent-stats.js';
import type { RiskView } from '../agent/agent-risk.js';
import type { Outcome, Quote, RiskDecision } from '../agent/quote.js';
import type { SymbolView } from '../agent/symbol-state.js';

export type { MarketMakerConfig, MarketMakerConfigInput, AgentStats, AgentStatus, Outcome, Quote, RiskDecision, SymbolView };
export type { DecisionReason, QuoteLevel, QuoteLevels, QuotedSides } from '../agent/quote.js';

/** Unix ms; the server's clock when left out */
type Time = { time?: number };

export type MidInput = { mid: number } & Time;
export type VolatilityInput = { sigma: number } & Time;
export type PositionInput = { quantity: number; averageCost: number; mark?: number } & Time;
/**
 * A fill. `id` is the OMS's fill id: the service counts a known id once, which
 * makes a retry exact. When left out the client makes one up (a random UUID),
 * which covers its own retries but not a resend by a restarted OMS.
 */
export type FillInput = { id?: string; side: 'buy' | 'sell'; price: number; quantity: number; fee?: number; liquidity?: 'maker' | 'taker' } & Time;

export type BatchUpdate =
  | ({ type: 'mid'; symbol: string } & MidInput)
  | ({ type: 'volatility'; symbol: string } & VolatilityInput)
  | ({ type: 'position'; symbol: string } & PositionInput)
  | ({ type: 'fill'; symbol: string; id: string } & Omit<FillInput, 'id'>);

/** What every update answers: the resulting quote, or why there is none. */
export interface UpdateReply {
  /** `duplicate`: a fill id seen before (after a retry: the first attempt went through); nothing was counted twice */
  outcome: Outcome;
  quote: Quote | null;
  decision: RiskDecision;
  /** the absolute position is at or beyond maxInventory */
  breach: boolean;
}

export interface ErrorDetail {
  code: string;
  message: string;
  field?: string;
}

export type BatchItemReply =
  | ({ index: number; ok: true } & UpdateReply)
  | { index: number; ok: false; status: number; error: ErrorDetail };

export interface BatchReply {
  results: BatchItemReply[];
}

export interface AgentSummary {
  id: string;
  status: AgentStatus;
  paused: boolean;
  symbols: number;
  stats: AgentStats;
}

export interface AgentDetail extends AgentSummary {
  error: string | null;
  config: MarketMakerConfig;
  risk: RiskView;
  symbolStates: SymbolView[];
}

/** GET /v1/agents/{agent}/risk and the risk reset's answer */
export interface RiskReply extends RiskView {
  agent: string;
}

export interface QuoteReply {
  quote: Quote;
  decision: RiskDecision;
}

export interface InventoryRow {
  symbol: string;
  position: number;
  averageCost: number;
  markPrice: number | null;
  realisedPnl: number;
  unrealisedPnl: number;
  buyFills: number;
  sellFills: number;
  inBreach: boolean;
}

export interface InventoryReply {
  agent: string;
  symbols: InventoryRow[];
  total: { realisedPnl: number; unrealisedPnl: number };
}

export interface SnapshotReply {
  /** where the ledger lives */
  location: string;
  /** the snapshot covers every entry up to this one */
  sequence: number;
  agents: number;
}

/** A quote as the stream sends it. */
export interface StreamQuote extends Quote {
  type: 'quote';
  agent: string;
  /** the server's clock when it sent the message, Unix ms */
  serverTime: number;
  /** the current quote sent on subscribing (or fetched by the client after a gap) rather than a new one */
  snapshot?: boolean;
  /** the latest of several quotes the server held back while this client read slowly; the seq skips the rest */
  conflated?: boolean;
  /** changes when the service's numbering restarts (sent by newer services); seq is compared within one epoch */
  epoch?: string | number;
}

export interface StreamWithdrawal {
  type: 'withdrawn';
  agent: string;
  symbol: string;
  reason: string;
  serverTime: number;
}
