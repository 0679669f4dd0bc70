import type { FastifyInstance } from 'fastify';
import { AgentError, type ProcessResult, type Update } from '../../agent/index.js';
import { compiledCheck } from '../compiled-schema.js';
import { BATCH_TOO_LARGE, errorResponse } from '../errors.js';
import { UPDATE_REPLY_SCHEMA } from '../reply-schema.js';
import { AgentParams, BatchBody, BatchItem, BatchQuery, FillBody, MidBody, parse, PositionBody, SymbolParams, VolatilityBody } from '../schemas.js';

const checkItem = compiledCheck(BatchItem);
/**
 * The single updates' 200, serialised by the schema's compiled serializer (reply-schema.ts). The
 * handlers return the ProcessResult itself: the serializer writes the reply's fields (updateReply's)
 * and no others, so no copy is made per request.
 */
const reply200 = { schema: { response: { 200: UPDATE_REPLY_SCHEMA } } };

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

  app.post(`${base}/mid`, reply200, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(MidBody, req.body);
    return quoting.update(agentId, { type: 'mid', symbol, mid: b.mid, time: b.time ?? now() });
  });

  app.post(`${base}/volatility`, reply200, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(VolatilityBody, req.body);
    return quoting.update(agentId, { type: 'volatility', symbol, sigma: b.sigma, time: b.time ?? now() });
  });

  app.post(`${base}/position`, reply200, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(PositionBody, req.body);
    return quoting.update(agentId, {
      type: 'position', symbol, quantity: b.quantity, averageCost: b.averageCost, mark: b.mark, time: b.time ?? now(),
    });
  });

  app.post(`${base}/fills`, reply200, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(FillBody, req.body);
    return quoting.update(agentId, {
      type: 'fill', symbol, id: b.id, side: b.side, price: b.price, quantity: b.quantity, time: b.time ?? now(),
      ...(b.fee === undefined ? {} : { fee: b.fee }), ...(b.liquidity === undefined ? {} : { liquidity: b.liquidity }),
    });
  });

  // Applied in order; each item answers for itself, so one bad item does not stop the rest.
  app.post('/v1/agents/:agentId/updates', async (req) => {
    const { agentId } = parse(AgentParams, req.params);
    const { reply } = parse(BatchQuery, req.query);
    const { updates } = parse(BatchBody, req.body);
    quoting.symbolOf(agentId);
    if (updates.length > opts.maxBatch) throw new BATCH_TOO_LARGE(opts.maxBatch);
    const time = now();
    const items = updates.map((raw, i): Update | Error => {
      // the compiled check passes valid items on; zod parses the others, to name the field
      if (checkItem(raw)) {
        // the body's own object (nothing else holds it), given the time in place rather than copied
        raw.time ??= time;
        return raw as Update;
      }
      try {
        return toUpdate(parse(BatchItem, raw, `updates.${i}`), time);
      } catch (err) {
        return err as Error;
      }
    });
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

function toUpdate(item: BatchItem, now: number): Update {
  return { ...item, time: item.time ?? now };
}
