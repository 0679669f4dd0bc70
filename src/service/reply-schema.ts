/**
 * The JSON Schema of what every update answers ({outcome, quote, decision, breach}), for the
 * update routes' `response` schema: Fastify then serialises the reply with fast-json-stringify,
 * compiled once from this, instead of JSON.stringify (the largest frame of the single-update route
 * after the socket write: bench/README.md).
 *
 * A serializer writes only the fields its schema lists, so this must list every field of Quote:
 * test/service/reply-schema.test.ts holds it to JSON.stringify over replies from real agents
 * (every model, several levels, every outcome), so a field added to Quote and not here fails it.
 */
const num = { type: 'number' } as const;
const str = { type: 'string' } as const;
const level = { type: 'object', properties: { price: num, size: num }, required: ['price', 'size'] } as const;

const quote = {
  type: 'object',
  properties: {
    symbol: str, seq: { type: 'integer' }, time: num, mid: num,
    bidPrice: num, bidSize: num, askPrice: num, askSize: num,
    reservation: num, spread: num, spreadBps: num,
    model: str, sigma: num, sigmaSource: str, horizon: str,
    tau: { type: ['number', 'null'] },
    inventory: num, toxicity: num,
    adjustments: {
      type: 'object',
      properties: { inventorySkew: num, toxicityMultiplier: num, spreadClamp: str, crossMidClamp: str },
      required: ['inventorySkew', 'toxicityMultiplier', 'spreadClamp', 'crossMidClamp'],
    },
    levels: {
      type: 'object',
      properties: { bids: { type: 'array', items: level }, asks: { type: 'array', items: level } },
      required: ['bids', 'asks'],
    },
  },
  required: [
    'symbol', 'seq', 'time', 'mid', 'bidPrice', 'bidSize', 'askPrice', 'askSize', 'reservation', 'spread', 'spreadBps',
    'model', 'sigma', 'sigmaSource', 'horizon', 'tau', 'inventory', 'toxicity', 'adjustments',
  ],
} as const;

/** `{ outcome, quote, decision, breach }`: the body of a single update's 200. */
export const UPDATE_REPLY_SCHEMA = {
  type: 'object',
  properties: {
    outcome: str,
    // a type list, not anyOf: fast-json-stringify picks the branch by a typeof instead of running a validator
    quote: { ...quote, type: ['object', 'null'] },
    decision: { type: 'object', properties: { sides: str, reason: str }, required: ['sides', 'reason'] },
    breach: { type: 'boolean' },
  },
  required: ['outcome', 'quote', 'decision', 'breach'],
} as const;
