import { z } from 'zod';
import { MS_PER_DAY, TIME_UNIT_MS, type HorizonSpec, type TimeUnit } from '../model/horizon.js';

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
  /** where sigma comes from; only values pushed by the OMS for now */
  source: z.literal('pushed').default('pushed'),
  /** sigma used for a symbol before any is pushed; null means such a symbol gets no quote */
  default: positive.nullable().default(null),
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
  volatility: VolatilityConfigSchema.default({ source: 'pushed', default: null }),
  toxicity: ToxicityConfigSchema.default({
    low: 0.3, high: 0.8, maxMultiplier: 3, imbalanceWeight: 0.5,
    markoutHorizonMs: 1_000, markoutScaleBps: 5, priorFills: 10,
  }),
  /** fill ids remembered for de-duplication, per agent (oldest forgotten first) */
  fillIdMemory: z.number().int().min(1_000).max(10_000_000).default(100_000),
  maxSymbols: z.number().int().positive().max(1_000_000).default(10_000),
}).strict()
  .refine((c) => c.minSpreadBps < c.maxSpreadBps, { message: 'minSpreadBps must be below maxSpreadBps', path: ['minSpreadBps'] })
  .refine((c) => Math.abs(c.inventoryTarget) < c.maxInventory, { message: 'inventoryTarget must lie inside ±maxInventory', path: ['inventoryTarget'] });

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
