import { z } from 'zod';
import { isDecimalStep } from '../model/quantity-grid.js';
import { MS_PER_DAY, TIME_UNIT_MS, type HorizonSpec, type TimeUnit } from '../model/horizon.js';
import { FeesConfigSchema, RequoteConfigSchema, RiskConfigSchema } from './risk-config.js';
import { AgentError } from './errors.js';
import { issueField } from './zod-issue.js';

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const HorizonConfigSchema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('session'),
    /** UTC time of day at which T − t reaches zero, "HH:MM" */
    end: z.string().regex(HH_MM, 'expected "HH:MM" (UTC)'),
  }).strict(),
  z.object({
    mode: z.literal('rolling'),
    /** window length, in the agent's time unit */
    length: positive,
  }).strict(),
  z.object({
    mode: z.literal('infinite'),
    /** constant T − t used by Avellaneda–Stoikov, in the agent's time unit (GLFT ignores it) */
    tau: positive.default(1),
  }).strict(),
]);
export type HorizonConfig = z.infer<typeof HorizonConfigSchema>;

export const VolatilityConfigSchema = z.object({
  /**
   * where sigma comes from: `pushed` by the OMS; `estimated` online from the mids
   * (the pushed value, then `default`, during the warm-up); or
   * `pushed-else-estimated` (the pushed value when there is one)
   */
  source: z.enum(['pushed', 'estimated', 'pushed-else-estimated']).default('pushed'),
  /** sigma used when the source gives none (yet); null means such a symbol gets no quote */
  default: positive.nullable().default(null),
  /** half-life of the estimator's exponential weights, in milliseconds of update time */
  halfLifeMs: positive.default(600_000),
  /** returns the estimate needs before it is used, counted with the estimate's decay and rounded to whole returns */
  minSamples: z.number().int().min(1).default(30),
}).strict();
export type VolatilityConfig = z.infer<typeof VolatilityConfigSchema>;

const bounds = (min: number, max: number) =>
  z.tuple([positive, positive]).default([min, max]).refine(([lo, hi]) => lo < hi, { message: 'expected [min, max] with min < max' });

export const IntensityConfigSchema = z.object({
  /** `configured`: the agent's k and A; `estimated`: per side, fitted to our own fills once there are enough */
  source: z.enum(['configured', 'estimated']).default('configured'),
  /**
   * a side's fit replaces the configured k and A once the standard errors of both are at
   * most this fraction of the estimates (0.2: within ±20 % at one standard error)
   */
  maxRelativeError: z.number().positive().max(1).default(0.2),
  /** and, in any case, once it has at least this many fills, counted with the decay and rounded to whole fills */
  minFills: z.number().int().min(1).default(50),
  /** and quotes in at least this many distance buckets (two define a line) */
  minBuckets: z.number().int().min(2).default(3),
  /** a side is refitted after every fill, and at least this often while quotes rest without fills (ms of update time) */
  refitIntervalMs: positive.default(5_000),
  /** half-life of the exposure and fill counts, in milliseconds of update time */
  halfLifeMs: positive.default(3_600_000),
  /** width of a distance bucket, in price units (the unit of 1/k) */
  bucketWidth: positive.default(0.05),
  /**
   * number of buckets; the last takes every distance beyond it. A fitted k may not set the
   * half-spread's intensity term (1/γ)·ln(1 + γ/k) beyond buckets × bucketWidth
   */
  buckets: z.number().int().min(2).max(1_000).default(40),
  /** bounds on a fitted k, per price unit */
  kBounds: bounds(0.01, 1_000),
  /** bounds on a fitted A, per time unit */
  ABounds: bounds(1e-3, 1e9),
}).strict();
export type IntensityConfig = z.infer<typeof IntensityConfigSchema>;

/** Most levels a quote may have per side. */
export const MAX_LEVELS = 20;

export const LevelStepSchema = z.object({
  /** `bps` of the mid, or multiples of level 0's half-spread (ask − bid)/2 */
  unit: z.enum(['bps', 'half-spread']),
  value: positive,
}).strict();

export const SizeShapingSchema = z.object({
  /** η: the side adding to a position q lots from target is scaled by e^(−η·|q|); 0 = off */
  eta: nonNegative.default(0),
}).strict();

export const ToxicityConfigSchema = z.object({
  /** toxicity at or below which the spread is not widened */
  low: z.number().min(0).max(1).default(0.3),
  /** toxicity at or above which the spread is widened by `maxMultiplier` */
  high: z.number().min(0).max(1).default(0.8),
  maxMultiplier: z.number().min(1).max(3).default(3),
  /** weight of fill-side imbalance; the rest goes to adverse mark-outs */
  imbalanceWeight: z.number().min(0).max(1).default(0.5),
  /** how long after a fill its mark-out is taken, in milliseconds */
  markoutHorizonMs: positive.default(1_000),
  /** mean adverse mark-out, in bps of the mid, that scores 1 */
  markoutScaleBps: positive.default(5),
  /** neutral pseudo-fills that damp the score while few fills are known */
  priorFills: nonNegative.default(10),
}).strict().refine((t) => t.low < t.high, { message: 'toxicity.low must be below toxicity.high', path: ['low'] });

export const MarketMakerConfigSchema = z.object({
  model: z.enum(['avellaneda-stoikov', 'glft']).default('avellaneda-stoikov'),
  /** the unit of time of sigma (per √unit), tau and A (per unit) */
  timeUnit: z.enum(['second', 'minute', 'hour', 'day']).default('day'),
  /** risk aversion γ, per (price unit · lot) */
  gamma: positive.default(0.1),
  /** order-arrival intensity decay k, per price unit */
  k: positive.default(1.5),
  /** order-arrival rate A at distance zero, per time unit (GLFT only) */
  A: positive.default(140),
  horizon: HorizonConfigSchema.default({ mode: 'infinite', tau: 1 }),
  /** size of each quote, in units of the asset; inventory enters the model in lots of this size */
  orderSize: positive.default(1),
  /** largest absolute position, in units of the asset; at it, the side that adds risk is not quoted */
  maxInventory: positive.default(100),
  inventoryTarget: z.number().finite().default(0),
  /** largest change of each half-spread by the inventory skew, as a fraction (0.5 = ±50 %) */
  maxSkew: z.number().min(0).max(0.5).default(0.5),
  minSpreadBps: nonNegative.default(1),
  maxSpreadBps: positive.default(500),
  tickSize: positive.default(0.01),
  /**
   * false (the default): bid < mid < ask always, each at least one tick away; a side the
   * model puts nearer (a large position) is placed one tick from the mid. true lets the
   * model's quote cross the mid, for aggressive unwinding.
   */
  allowCrossMid: z.boolean().default(false),
  volatility: VolatilityConfigSchema.prefault({}),
  intensity: IntensityConfigSchema.prefault({}),
  /** price levels per side; level 0 is the model's quote */
  levels: z.number().int().min(1).max(MAX_LEVELS).default(1),
  /** how much farther out each level is than the one before */
  levelStep: LevelStepSchema.default({ unit: 'bps', value: 5 }),
  sizeShaping: SizeShapingSchema.prefault({}),
  toxicity: ToxicityConfigSchema.default({
    low: 0.3, high: 0.8, maxMultiplier: 3, imbalanceWeight: 0.5,
    markoutHorizonMs: 1_000, markoutScaleBps: 5, priorFills: 10,
  }),
  /**
   * quantities (fills, positions) are whole multiples of this step, added as integers so that
   * positions are exact: a decimal of at most 12 places (1e-8 for crypto lots, 1 for shares)
   */
  quantityStep: positive.default(1e-8),
  /** largest price (mid, fill price, average cost, mark) an update may carry */
  maxPrice: positive.default(1e9),
  /** largest quantity a fill or position update may carry, in units of the asset */
  maxQuantity: positive.default(1e7),
  /** largest price × quantity a fill or position update may carry */
  maxNotional: positive.default(1e12),
  /** fill ids remembered for de-duplication, per agent (oldest forgotten first) */
  fillIdMemory: z.number().int().min(1_000).max(10_000_000).default(100_000),
  maxSymbols: z.number().int().positive().max(1_000_000).default(10_000),
  /** loss, drawdown and notional limits (risk-config.ts) */
  risk: RiskConfigSchema.prefault({}),
  fees: FeesConfigSchema.prefault({}),
  requote: RequoteConfigSchema.prefault({}),
}).strict()
  .refine((c) => c.minSpreadBps < c.maxSpreadBps, { message: 'minSpreadBps must be below maxSpreadBps', path: ['minSpreadBps'] })
  .refine((c) => Math.abs(c.inventoryTarget) < c.maxInventory, { message: 'inventoryTarget must lie inside ±maxInventory', path: ['inventoryTarget'] })
  .refine((c) => isDecimalStep(c.quantityStep), { message: 'quantityStep must be a decimal of at most 12 places (1e-8, 0.001, 1 …)', path: ['quantityStep'] })
  .refine((c) => c.maxQuantity / c.quantityStep <= Number.MAX_SAFE_INTEGER / 2, {
    message: 'maxQuantity must be at most 2^52 quantity steps, so that positions stay exact', path: ['maxQuantity'],
  });

export type MarketMakerConfig = z.infer<typeof MarketMakerConfigSchema>;
export type MarketMakerConfigInput = z.input<typeof MarketMakerConfigSchema>;

export function horizonSpec(h: HorizonConfig, timeUnit: TimeUnit): HorizonSpec {
  switch (h.mode) {
    case 'session': {
      const [hh, mm] = h.end.split(':').map(Number) as [number, number];
      return { mode: 'session', endMsOfDay: ((hh * 60 + mm) * 60_000) % MS_PER_DAY };
    }
    case 'rolling':
      return { mode: 'rolling', lengthMs: h.length * TIME_UNIT_MS[timeUnit] };
    case 'infinite':
      return { mode: 'infinite', tau: h.tau };
  }
}

/** Validates a configuration, turning zod's first issue into an AgentError naming the field. */
export function parseConfig(input: unknown): MarketMakerConfig {
  const r = MarketMakerConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue ? issueField(issue) : '';
  throw new AgentError('INVALID_CONFIG', `${field || 'config'}: ${issue?.message ?? 'invalid'}`, field || undefined);
}
