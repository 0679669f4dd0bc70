import type { FastifyInstance } from 'fastify';
import { AgentError, type ProcessResult, type Update } from '../../agent/index.js';
import { compiledCheck } from '../compiled-schema.js';
import { BATCH_TOO_LARGE, errorResponse } from '../errors.js';
import { BatchReply, UpdateReply } from '../replies.js';
import { routeSchema } from '../route-schemas.js';
import { AgentParams, BatchBody, BatchBodyDoc, BatchItem, BatchQuery, FillBody, MidBody, parse, PositionBody, SymbolParams, VolatilityBody } from '../schemas.js';

const tags = ['updates'];
/**
 * The single updates' 200 is serialised by the compiled serializer of UpdateReply: the handlers
 * return the ProcessResult itself, whose other fields (symbol, withdrawn) it does not write, so no
 * copy is made per request.
 */
const update = (summary: string, body: typeof MidBody | typeof VolatilityBody | typeof PositionBody | typeof FillBody, description?: string) => ({
  schema: routeSchema({ tags, summary, params: SymbolParams, body, response: { 200: UpdateReply }, ...(description ? { description } : {}) }),
});

const checkItem = compiledCheck(BatchItem);

export interface UpdateRoutesOptions {
  maxBatch: number;
}

/** What every update answers: the resulting quote, or why there is none. */
export function updateReply(r: ProcessResult) {
  return { outcome: r.outcome, quote: r.quote, decision: r.decision, breach: r.breach };
}

export async function updateRoutes(app: FastifyInstance, opts: UpdateRoutesOptions): Promise<void> {
  const { quoting } = app;
  const { now } = quoting;
  const base = '/v1/agents/:agentId/symbols/:symbol';

  app.post(`${base}/mid`, update('Push a mid price', MidBody, 'Applied at once; never touches the ledger.'), async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(MidBody, req.body);
    return quoting.update(agentId, { type: 'mid', symbol, mid: b.mid, time: b.time ?? now() });
  });

  app.post(`${base}/volatility`, update('Push a volatility (per √timeUnit)', VolatilityBody, 'Applied at once; never touches the ledger.'), async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(VolatilityBody, req.body);
    return quoting.update(agentId, { type: 'volatility', symbol, sigma: b.sigma, time: b.time ?? now() });
  });

  app.post(`${base}/position`, update('Push a position snapshot', PositionBody, 'Committed to the ledger before it is applied; one older than the last applied is `409 STALE_UPDATE`.'), async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(PositionBody, req.body);
    return quoting.update(agentId, {
      type: 'position', symbol, quantity: b.quantity, averageCost: b.averageCost, mark: b.mark, time: b.time ?? now(),
    });
  });

  app.post(`${base}/fills`, update('Report a fill', FillBody, 'Committed to the ledger before it is applied. The same id again: `duplicate` with the same contents, `409 FILL_ID_CONFLICT` with others.'), async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(FillBody, req.body);
    return quoting.update(agentId, {
      type: 'fill', symbol, id: b.id, side: b.side, price: b.price, quantity: b.quantity, time: b.time ?? now(),
      ...(b.fee === undefined ? {} : { fee: b.fee }), ...(b.liquidity === undefined ? {} : { liquidity: b.liquidity }),
    });
  });

  // Applied in order; each item answers for itself, so one bad item does not stop the rest.
  app.post('/v1/agents/:agentId/updates', {
    // JSON.stringify, not the compiled serializer: a result is one of three shapes (anyOf), for which
    // fast-json-stringify runs a validator per item and came out slower (bench:replies, bench/README.md);
    // test/service/reply-schemas.test.ts holds BatchReply's compiled serializer to it all the same
    serializerCompiler: () => JSON.stringify,
    schema: routeSchema({
      tags, summary: 'Apply a batch of updates in order', params: AgentParams, querystring: BatchQuery, body: BatchBodyDoc, response: { 200: BatchReply },
      description: 'Each item (`type`: mid, volatility, position or fill, with its `symbol`) answers for itself, so one bad item does not stop the rest; '
        + 'the fills and positions of the batch are committed to the ledger as one transaction before any item is applied. The whole request fails only for a bad body or path (400), '
        + 'an unknown agent (404) or too many items (413 BATCH_TOO_LARGE), and then nothing is applied. With `?reply=summary` an applied item answers only `index`, `ok`, `outcome` '
        + "and its quote's `seq` (about 40 bytes instead of about 400): for a feed that reads its quotes from the stream.",
    }),
  }, async (req) => {
    const { agentId } = parse(AgentParams, req.params);
    const { reply } = parse(BatchQuery, req.query);
    const { updates } = parse(BatchBody, req.body);
    quoting.symbolOf(agentId);
    if (updates.length > opts.maxBatch) throw new BATCH_TOO_LARGE(opts.maxBatch);
    const time = now();
    const items = updates.map((raw, i) => batchUpdate(raw, i, time));
    // one transaction for the fills and positions of the batch, then every item in order
    const outcomes = await quoting.batch(agentId, items);
    const results = outcomes.map((r, i) => {
      if (!(r instanceof Error)) {
        // summary: what a feed that reads its quotes from the stream needs to know (did it apply, which quote)
        return reply === 'summary'
          ? { index: i, ok: true as const, outcome: r.outcome, seq: r.quote?.seq ?? null }
          : { index: i, ok: true as const, outcome: r.outcome, quote: r.quote, decision: r.decision, breach: r.breach };
      }
      // every item answers for itself, even a failure of ours, so the client knows which went through
      const { status, body } = errorResponse(r);
      if (status >= 500) req.log.error({ err: r, item: i }, 'batch item failed');
      const field = r instanceof AgentError && r.field ? `updates.${i}.${r.field}` : body.error.field;
      return { index: i, ok: false as const, status, error: { ...body.error, ...(field ? { field } : {}) } };
    });
    return { results };
  });
}

/**
 * Item `index` of a batch's body as the update it is (without a time of its own: `time`), or the error
 * naming its field. The compiled check passes valid items on; zod parses the others, to name the field.
 */
export function batchUpdate(raw: unknown, index: number, time: number): Update | Error {
  if (checkItem(raw)) {
    // the body's own object (nothing else holds it), given the time in place rather than copied
    raw.time ??= time;
    return raw as Update;
  }
  try {
    const item = parse(BatchItem, raw, `updates.${index}`);
    return { ...item, time: item.time ?? time };
  } catch (err) {
    return err as Error;
  }
}
