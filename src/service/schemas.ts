/** Request bodies and parameters, and the stream's messages, as zod schemas. */
import { z } from 'zod';
import { ID_PATTERN } from './config.js';
import { validationError } from './errors.js';

const id = z.string().regex(ID_PATTERN, 'expected 1–64 letters, digits or . _ : -');
const positive = z.number().positive();
/** the OMS's time of the update, Unix ms; the server's clock when absent */
const time = z.number().int().nonnegative().max(8.64e15).optional();

export const AgentParams = z.object({ agentId: id });
export const SymbolParams = z.object({ agentId: id, symbol: id });

export const MidBody = z.object({ mid: positive, time }).strict();
export const VolatilityBody = z.object({ sigma: positive, time }).strict();
export const PositionBody = z.object({
  quantity: z.number(),
  averageCost: z.number().nonnegative(),
  mark: positive.optional(),
  time,
}).strict();
export const FillBody = z.object({
  id: z.string().min(1).max(128),
  side: z.enum(['buy', 'sell']),
  price: positive,
  quantity: positive,
  /** fee paid in quote currency (negative: a rebate); absent: the agent's fees.makerBps / takerBps of the notional */
  fee: z.number().finite().optional(),
  liquidity: z.enum(['maker', 'taker']).optional(),
  time,
}).strict();

const withSymbol = { symbol: id };
export const BatchItem = z.discriminatedUnion('type', [
  MidBody.extend({ type: z.literal('mid'), ...withSymbol }),
  VolatilityBody.extend({ type: z.literal('volatility'), ...withSymbol }),
  PositionBody.extend({ type: z.literal('position'), ...withSymbol }),
  FillBody.extend({ type: z.literal('fill'), ...withSymbol }),
]);
export type BatchItem = z.infer<typeof BatchItem>;
/** items are checked one by one so that one bad item does not stop the others */
export const BatchBody = z.object({ updates: z.array(z.unknown()) }).strict();
/** `?reply=summary` answers each applied item with its outcome and quote seq only (the quote itself is on the stream) */
export const BatchQuery = z.object({ reply: z.enum(['full', 'summary']).default('full') });

export const CreateAgentBody = z.object({
  id,
  config: z.record(z.string(), z.unknown()).default({}),
}).strict();

/** a partial configuration; merged into the current one, then the whole is validated */
export const ConfigPatchBody = z.record(z.string(), z.unknown());

/** WebSocket client messages */
export const StreamMessage = z.discriminatedUnion('op', [
  z.object({ op: z.literal('subscribe'), agent: id, symbols: z.union([z.literal('*'), z.array(id).min(1).max(10_000)]) }).strict(),
  z.object({ op: z.literal('unsubscribe'), agent: id, symbols: z.union([z.literal('*'), z.array(id).min(1).max(10_000)]) }).strict(),
]);
export type StreamMessage = z.infer<typeof StreamMessage>;


/** Parses `value` or throws a VALIDATION_FAILED error naming the field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw validationError(r.error, prefix);
}
