/**
 * Configuration of the risk limits, fees and requote thresholds (issue 17),
 * kept apart from config.ts so that the quoting parameters stay one file.
 */
import { z } from 'zod';

const positive = z.number().finite().positive();
const limit = positive.nullable().default(null);
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const RiskPeriodSchema = z.discriminatedUnion('mode', [
  /** the period starts when the agent is created and at each POST /v1/agents/{id}/risk/reset */
  z.object({ mode: z.literal('manual') }).strict(),
  /** and also at this UTC time of day, every day ("HH:MM"), by the updates' time */
  z.object({ mode: z.literal('session'), reset: z.string().regex(HH_MM, 'expected "HH:MM" (UTC)') }).strict(),
]);

export const RiskConfigSchema = z.object({
  /** loss (−(realised + unrealised P&L) since the period start), summed over the agent's symbols, at which it stops quoting; null = none */
  maxLoss: limit,
  /** fall of the agent's P&L from its peak in the period at which it stops quoting; null = none */
  maxDrawdown: limit,
  /** as maxLoss, for each symbol on its own (only that symbol stops) */
  symbolMaxLoss: limit,
  /** as maxDrawdown, for each symbol on its own */
  symbolMaxDrawdown: limit,
  /** Σ |position × mark| over the agent's symbols at which the side that would grow it is not quoted */
  maxGrossNotional: limit,
  /** |Σ position × mark| at which the side that would grow it is not quoted */
  maxNetNotional: limit,
  period: RiskPeriodSchema.default({ mode: 'manual' }),
}).strict();
export type RiskConfig = z.infer<typeof RiskConfigSchema>;

const bps = z.number().finite().min(-1_000).max(1_000);

export const FeesConfigSchema = z.object({
  /** fee on a maker fill (our resting quote was hit), in bps of its notional; negative = a rebate */
  makerBps: bps.default(0),
  /** fee on a taker fill (a fill with `liquidity: "taker"`), in bps of its notional */
  takerBps: bps.default(0),
  /** each side of a quote stays at least makerBps from the mid, so that a fill at it covers the maker fee */
  quoteAboveFee: z.boolean().default(true),
}).strict();

export const RequoteConfigSchema = z.object({
  /**
   * a new quote whose every price moved by less than this many ticks from the published one, with the
   * same sizes, is not published (the reply says "unchanged"); 0 = only an identical quote is held back
   */
  minChangeTicks: z.number().int().min(0).max(1_000_000).default(0),
  /** an unchanged quote is published anyway once the published one is this old (ms of update time); 0 = never held back */
  maxIntervalMs: z.number().finite().nonnegative().default(5_000),
}).strict();
