import type { FastifyInstance } from 'fastify';
import { AgentError, type ProcessResult, type Update } from '../../agent/index.js';
import { BATCH_TOO_LARGE, errorResponse } from '../errors.js';
import { BatchBody, BatchItem, FillBody, MidBody, parse, PositionBody, SymbolParams, VolatilityBody } from '../schemas.js';

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

  app.post(`${base}/mid`, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(MidBody, req.body);
    return updateReply(await quoting.update(agentId, { type: 'mid', symbol, mid: b.mid, time: b.time ?? now() }));
  });

  app.post(`${base}/volatility`, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(VolatilityBody, req.body);
    return updateReply(await quoting.update(agentId, { type: 'volatility', symbol, sigma: b.sigma, time: b.time ?? now() }));
  });

  app.post(`${base}/position`, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(PositionBody, req.body);
    return updateReply(await quoting.update(agentId, {
      type: 'position', symbol, quantity: b.quantity, averageCost: b.averageCost, mark: b.mark, time: b.time ?? now(),
    }));
  });

  app.post(`${base}/fills`, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(FillBody, req.body);
    return updateReply(await quoting.update(agentId, {
      type: 'fill', symbol, id: b.id, side: b.side, price: b.price, quantity: b.quantity, time: b.time ?? now(),
      ...(b.fee === undefined ? {} : { fee: b.fee }), ...(b.liquidity === undefined ? {} : { liquidity: b.liquidity }),
    }));
  });

  // Applied in order; each item answers for itself, so one bad item does not stop the rest.
  app.post('/v1/agents/:agentId/updates', async (req) => {
    const { agentId } = parse(SymbolParams.pick({ agentId: true }), req.params);
    const { updates } = parse(BatchBody, req.body);
    quoting.symbolOf(agentId);
    if (updates.length > opts.maxBatch) throw new BATCH_TOO_LARGE(opts.maxBatch);
    const time = now();
    const items = updates.map((raw, i): Update | Error => {
      try {
        return toUpdate(parse(BatchItem, raw, `updates.${i}`), time);
      } catch (err) {
        return err as Error;
      }
    });
    // one transaction for the fills and positions of the batch, then every item in order
    const outcomes = await quoting.batch(agentId, items);
    const results = outcomes.map((r, i) => {
      if (!(r instanceof Error)) return { index: i, ok: true as const, ...updateReply(r) };
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
