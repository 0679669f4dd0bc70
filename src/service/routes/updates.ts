import type { FastifyInstance } from 'fastify';
import { AgentError } from '../../agent/errors.js';
import type { ProcessResult } from '../../agent/quote.js';
import type { Update } from '../../agent/updates.js';
import { BATCH_TOO_LARGE, errorResponse } from '../errors.js';
import { BatchBody, BatchItem, FillBody, MidBody, parse, PositionBody, SymbolParams, VolatilityBody } from '../schemas.js';
import type { UpdatePipeline } from '../update-pipeline.js';

export interface UpdateRoutesOptions {
  pipeline: UpdatePipeline;
  maxBatch: number;
  now: () => number;
}

/** What every update answers: the resulting quote, or why there is none. */
export function updateReply(r: ProcessResult) {
  return { outcome: r.outcome, quote: r.quote, decision: r.decision, breach: r.breach };
}

export async function updateRoutes(app: FastifyInstance, opts: UpdateRoutesOptions): Promise<void> {
  const { pipeline, now } = opts;
  const base = '/v1/agents/:agentId/symbols/:symbol';

  app.post(`${base}/mid`, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(MidBody, req.body);
    return updateReply(pipeline.apply(agentId, { type: 'mid', symbol, mid: b.mid, time: b.time ?? now() }));
  });

  app.post(`${base}/volatility`, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(VolatilityBody, req.body);
    return updateReply(pipeline.apply(agentId, { type: 'volatility', symbol, sigma: b.sigma, time: b.time ?? now() }));
  });

  app.post(`${base}/position`, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(PositionBody, req.body);
    return updateReply(pipeline.apply(agentId, {
      type: 'position', symbol, quantity: b.quantity, averageCost: b.averageCost, mark: b.mark, time: b.time ?? now(),
    }));
  });

  app.post(`${base}/fills`, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const b = parse(FillBody, req.body);
    return updateReply(pipeline.apply(agentId, {
      type: 'fill', symbol, id: b.id, side: b.side, price: b.price, quantity: b.quantity, time: b.time ?? now(),
    }));
  });

  // Applied in order; each item answers for itself, so one bad item does not stop the rest.
  app.post('/v1/agents/:agentId/updates', async (req) => {
    const { agentId } = parse(SymbolParams.pick({ agentId: true }), req.params);
    const { updates } = parse(BatchBody, req.body);
    pipeline.agent(agentId);
    if (updates.length > opts.maxBatch) throw new BATCH_TOO_LARGE(opts.maxBatch);
    const time = now();
    const results = updates.map((raw, i) => {
      try {
        const item = parse(BatchItem, raw, `updates.${i}`);
        return { index: i, ok: true as const, ...updateReply(pipeline.apply(agentId, toUpdate(item, time))) };
      } catch (err) {
        // every item answers for itself, even a failure of ours, so the client knows which went through
        const { status, body } = errorResponse(err);
        if (status >= 500) req.log.error({ err, item: i }, 'batch item failed');
        const field = err instanceof AgentError && err.field ? `updates.${i}.${err.field}` : body.error.field;
        return { index: i, ok: false as const, status, error: { ...body.error, ...(field ? { field } : {}) } };
      }
    });
    return { results };
  });
}

function toUpdate(item: BatchItem, now: number): Update {
  return { ...item, time: item.time ?? now } as Update;
}
