/**
 * What the service answers, as zod schemas: every field of every reply.
 * They are never run on a reply. `route-schemas.ts` turns them into JSON
 * Schema for the routes' `schema.response`, so Fastify serialises each reply
 * with a compiled serializer (fast-json-stringify), and the OpenAPI document
 * is generated from them. The compiled serializer writes only the fields
 * listed here: test/service/reply-schemas.test.ts checks that a reply
 * serialised this way equals JSON.stringify of the same object.
 */
import { z } from 'zod';
import { MarketMakerConfigSchema, RiskPeriodSchema } from '../agent/index.js';
import { ERROR_CODES, type ErrorCode } from './errors.js';

const count = z.number().int().nonnegative();
const unixMs = z.number().describe('Unix ms');

export const QuoteLevel = z.object({
  price: z.number(),
  size: z.number().describe('units of the asset; 0 = not quoted'),
});

export const Quote = z.object({
  symbol: z.string(),
  seq: count.describe('per-symbol sequence number, +1 for every quote produced'),
  time: unixMs.describe('time of the update that produced it, Unix ms'),
  mid: z.number(),
  bidPrice: z.number(),
  bidSize: z.number().describe('units of the asset; 0 = the bid is not quoted'),
  askPrice: z.number(),
  askSize: z.number().describe('units of the asset; 0 = the ask is not quoted'),
  reservation: z.number().describe('the reservation price'),
  spread: z.number().describe('askPrice − bidPrice'),
  spreadBps: z.number(),
  model: z.enum(['avellaneda-stoikov', 'glft']),
  sigma: z.number().describe('the volatility used, per √timeUnit'),
  sigmaSource: z.enum(['pushed', 'default', 'estimated']),
  horizon: z.enum(['session', 'rolling', 'infinite']),
  tau: z.number().nullable().describe('T − t used, in the agent\'s time unit; null for GLFT, which has no horizon'),
  inventory: z.number().describe('position in units of the asset'),
  toxicity: z.number().describe('adverse-selection score in [0, 1]'),
  adjustments: z.object({
    inventorySkew: z.number().describe('fraction by which the bid half-spread was widened (and the ask half-spread narrowed), in [−0.5, 0.5]'),
    toxicityMultiplier: z.number().describe('factor applied to the model spread for adverse selection, in [1, 3]'),
    spreadClamp: z.enum(['none', 'min', 'max']).describe('whether the min or max spread bound a half-spread (`max` when both did)'),
    crossMidClamp: z.enum(['none', 'bid', 'ask', 'both']).describe('the side(s) the model put within a tick of the mid or across it, placed one tick from it'),
  }),
  levels: z.object({
    bids: z.array(QuoteLevel).describe('best (highest) first'),
    asks: z.array(QuoteLevel).describe('best (lowest) first'),
  }).optional().describe('every level of each side, level 0 (the flat fields) first; present only when the agent quotes more than one level'),
}).describe('A two-sided quote and how it was made. Prices are on the tick grid; a side with size 0 is not quoted.');

export const Decision = z.object({
  sides: z.enum(['both', 'bid-only', 'ask-only', 'none']),
  reason: z.enum(['ok', 'max-inventory-long', 'max-inventory-short', 'non-positive-bid', 'non-positive-ask',
    'agent-paused', 'symbol-paused', 'no-mid', 'no-volatility', 'numerical-error', 'halted', 'loss-limit', 'drawdown-limit', 'notional-limit']).describe(
    '`halted`: the kill switch is on; `loss-limit`, `drawdown-limit`: the agent\'s or the symbol\'s limit was reached in this risk period; `notional-limit`: a notional limit keeps the side(s) that would grow it off'),
}).describe('which sides are quoted and why');

export const UpdateReply = z.object({
  outcome: z.enum(['quoted', 'unchanged', 'no-quote', 'duplicate']).describe(
    '`unchanged`: the new quote is within the requote threshold (`requote.minChangeTicks`) of the published one, which stays and is not republished; '
    + '`duplicate`: a fill id applied before with the same contents; nothing changed and `quote` is the current one'),
  quote: Quote.nullable(),
  decision: Decision,
  breach: z.boolean().describe('the absolute position is at or beyond maxInventory'),
}).describe('what every update answers: the resulting quote, or why there is none');

const SideIntensity = z.object({
  k: z.number().describe('k the next quote uses on this side, per price unit'),
  A: z.number().describe('A the next quote uses on this side, per time unit (GLFT only)'),
  source: z.enum(['configured', 'estimated']),
  fittedK: z.number().nullable().describe('latest fit within the bounds; null before one was possible or when not estimating'),
  fittedA: z.number().nullable(),
  kStdErr: z.number().nullable().describe('standard error of fittedK (Fisher information of the Poisson fit)'),
  AStdErr: z.number().nullable(),
  fills: z.number().describe('decay-weighted fills at the latest fit'),
  buckets: count.describe('distance buckets quoted in at the latest fit'),
});

export const SymbolView = z.object({
  symbol: z.string(),
  paused: z.boolean(),
  mid: z.number().nullable(),
  sigma: z.number().nullable(),
  volatilityEstimate: z.object({
    sigma: z.number().nullable().describe('online estimate, per √timeUnit; null before the first return'),
    samples: z.number().describe('returns in the window, decay-weighted'),
    returns: count.describe('returns measured in all'),
    inUse: z.boolean().describe('whether the current quote uses this estimate'),
  }),
  intensity: z.object({ bid: SideIntensity, ask: SideIntensity }),
  position: z.number(),
  averageCost: z.number(),
  realisedPnl: z.number(),
  unrealisedPnl: z.number(),
  markPrice: z.number().nullable(),
  buyFills: count,
  sellFills: count,
  fillsInHistory: count,
  toxicity: z.number(),
  inBreach: z.boolean(),
  updates: count,
  quote: Quote.nullable(),
  decision: Decision,
}).describe("a symbol's state");

export const AgentSummary = z.object({
  id: z.string(),
  status: z.enum(['idle', 'paused', 'error']).describe('`error`: a quote came out non-finite (cleared by the next good quote)'),
  paused: z.boolean(),
  symbols: count,
  stats: z.object({
    updates: count, rejected: count, quotes: count, fills: count, duplicateFills: count,
    fillIdConflicts: count.describe('fills refused because their id was applied before with other contents'),
    breaches: count.describe('times a symbol\'s absolute position reached maxInventory'),
    errors: count,
  }).describe('counters since the agent was created'),
});

const RiskHold = z.object({
  reason: z.enum(['loss-limit', 'drawdown-limit']),
  time: unixMs.describe('update time of the breach, Unix ms'),
  pnl: z.number().describe('P&L since the period start at the breach'),
  drawdown: z.number().describe('drawdown at the breach'),
  limit: z.number().describe('the limit reached'),
}).describe('why and when quoting stopped');
const riskKinds = <T extends z.ZodType>(t: T) => z.object({ loss: t, drawdown: t, 'gross-notional': t, 'net-notional': t });
export const RiskState = z.object({
  halted: z.boolean().describe('the kill switch is on'),
  period: RiskPeriodSchema,
  periodStart: z.number().nullable().describe("start of the current period, Unix ms; null before a session period's first update"),
  hold: RiskHold.nullable().describe("the agent's loss or drawdown hold, null while it may quote"),
  symbolHolds: z.record(z.string(), RiskHold).describe('symbols stopped by a symbol limit, by symbol'),
  pnl: z.number().describe('P&L since the period start (realised + unrealised, net of fees), quote currency'),
  drawdown: z.number().describe("fall from the period's peak P&L"),
  grossNotional: z.number().describe('Σ |position × mark|'),
  netNotional: z.number().describe('Σ position × mark'),
  limits: riskKinds(z.number().nullable()).describe('the configured limits (null = off)'),
  used: riskKinds(z.number()).describe('share of each limit in use, 1 = at the limit (0 for a limit that is off)'),
}).describe("an agent's risk state (docs/risk.md)");
export const AgentRisk = RiskState.extend({ agent: z.string() });
export const HaltStatus = z.object({ halted: z.boolean() });
export const HaltOn = z.object({ halted: z.literal(true), withdrawn: count.describe('quotes withdrawn by this call') });

export const AgentDetail = AgentSummary.extend({
  error: z.string().nullable().describe('why the last quote failed, while status is `error`'),
  config: MarketMakerConfigSchema,
  risk: RiskState,
  symbolStates: z.array(SymbolView),
});

export const AgentList = z.object({ agents: z.array(AgentSummary) });

const pnl = { realisedPnl: z.number(), unrealisedPnl: z.number() };
export const Inventory = z.object({
  agent: z.string(),
  symbols: z.array(z.object({
    symbol: z.string(), position: z.number(), averageCost: z.number(), markPrice: z.number().nullable(),
    ...pnl, buyFills: count, sellFills: count, inBreach: z.boolean(),
  })),
  total: z.object(pnl),
});

export const QuoteReply = z.object({ quote: Quote, decision: Decision });

const errorCodes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];
export const ErrorDetail = z.object({
  code: z.enum(errorCodes),
  message: z.string().describe('for people; may change'),
  field: z.string().optional().describe('the offending input as a dotted path (`mid`, `toxicity.low`, `updates.3.price`), or `(body)`'),
  fields: z.array(z.string()).optional().describe('every offending field when there are several'),
});
export const ErrorBody = z.object({ error: ErrorDetail });

export const BatchReply = z.object({
  results: z.array(z.union([
    UpdateReply.extend({ index: count, ok: z.literal(true) }).describe('an applied item: an UpdateReply with its index'),
    z.object({
      index: count, ok: z.literal(true), outcome: UpdateReply.shape.outcome,
      seq: z.number().int().min(1).nullable().describe("the quote's per-symbol seq; null when the update left no quote"),
    }).describe('an applied item under `?reply=summary`'),
    z.object({ index: count, ok: z.literal(false), status: z.number().int(), error: ErrorDetail }).describe('a refused item, with the status it would have had alone'),
  ])).describe('one per item, in order'),
});

export const LedgerSnapshot = z.object({
  location: z.string().describe('the ledger database file (`ledger.path`)'),
  sequence: count.describe('the last ledger entry the snapshot covers'),
  agents: count.describe('agents in the snapshot'),
});

export const Health = z.object({ status: z.literal('ok') });
const halted = z.boolean().optional().describe('the kill switch is on (POST /v1/halt): still ready, taking updates, quoting nothing (absent on a cluster gateway)');
export const Ready = z.object({ status: z.literal('ready'), halted });
export const NotReady = z.object({ status: z.literal('not-ready'), halted });

// ---- the stream's server messages (the client's are StreamMessage in schemas.ts)
const serverTime = unixMs.describe('the server\'s clock when the message was made, Unix ms');
/** the epoch of the agent's quote numbering (service/epochs.ts; in cluster mode the owner's, docs/scaling.md) */
const epoch = z.union([z.string(), z.number()]).describe(
  "changes when the agent's `seq` numbers restart (the service restarts, the agent is deleted and created again, or in cluster mode a new owner takes it): "
  + 'a subscriber that sees a new one discards its seq baselines and takes the snapshot again. `<run>.<n>` for an agent\'s messages, the run\'s id alone for `error`');
const selection = z.union([z.literal('*'), z.array(z.string())]);
export const StreamServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribed'), agent: z.string(), epoch, symbols: selection.describe('`"*"`, or the symbols asked for without repeats, in the order first given') }).strict(),
  z.object({ type: z.literal('unsubscribed'), agent: z.string(), epoch, symbols: selection.describe('as sent (repeats included)') }).strict(),
  Quote.extend({
    type: z.literal('quote'),
    snapshot: z.literal(true).optional().describe('the current quote, sent right after `subscribed`'),
    conflated: z.literal(true).optional().describe("delivered after this slow client's queue drained; earlier messages of this symbol may have been dropped, this is the latest"),
    agent: z.string(), epoch, serverTime,
  }).strict(),
  z.object({
    type: z.literal('withdrawn'), agent: z.string(), epoch, symbol: z.string(),
    reason: z.union([Decision.shape.reason, z.literal('owner-changed').describe('cluster mode: a new owner took the agent over (a new epoch)')]),
    serverTime,
  }).strict(),
  z.object({ type: z.literal('agent-deleted'), agent: z.string(), epoch, serverTime }).strict(),
  ErrorDetail.extend({
    type: z.literal('error'),
    epoch,
    code: z.enum(['INVALID_JSON', 'INVALID_MESSAGE', 'VALIDATION_FAILED', 'AGENT_NOT_FOUND', 'SUBSCRIPTION_LIMIT']),
  }).strict(),
]).describe('a message from the server, told apart by `type`');
