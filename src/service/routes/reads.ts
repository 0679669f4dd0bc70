import type { FastifyInstance } from 'fastify';
import { reportedPnl } from '../../agent/symbol-state.js';
import { NO_QUOTE } from '../errors.js';
import { symbolOf } from '../lookup.js';
import type { AgentRegistry } from '../registry.js';
import { AgentParams, parse } from '../schemas.js';

export async function readRoutes(app: FastifyInstance, opts: { registry: AgentRegistry }): Promise<void> {
  const { registry } = opts;

  app.get('/v1/agents/:agentId/symbols/:symbol/quote', async (req) => {
    const { agent, symbol } = symbolOf(registry, req.params);
    const view = agent.view(symbol)!;
    if (view.quote === null) throw new NO_QUOTE(symbol, view.decision.reason);
    return { quote: view.quote, decision: view.decision };
  });

  app.get('/v1/agents/:agentId/symbols/:symbol', async (req) => {
    const { agent, symbol } = symbolOf(registry, req.params);
    return agent.view(symbol);
  });

  app.get('/v1/agents/:agentId/inventory', async (req) => {
    const agent = registry.get(parse(AgentParams, req.params).agentId);
    const symbols = agent.views().map((v) => ({
      symbol: v.symbol, position: v.position, averageCost: v.averageCost, markPrice: v.markPrice,
      realisedPnl: v.realisedPnl, unrealisedPnl: v.unrealisedPnl, buyFills: v.buyFills, sellFills: v.sellFills, inBreach: v.inBreach,
    }));
    const sum = symbols.reduce((t, s) => ({ realisedPnl: t.realisedPnl + s.realisedPnl, unrealisedPnl: t.unrealisedPnl + s.unrealisedPnl }), { realisedPnl: 0, unrealisedPnl: 0 });
    // each symbol's figure is already rounded (symbolView); their sum is rounded again to keep it so
    const total = { realisedPnl: reportedPnl(sum.realisedPnl), unrealisedPnl: reportedPnl(sum.unrealisedPnl) };
    return { agent: agent.id, symbols, total };
  });
}
