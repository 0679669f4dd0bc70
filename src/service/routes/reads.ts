import type { FastifyInstance } from 'fastify';
import { reportedPnl } from '../../agent/index.js';
import { NO_QUOTE } from '../errors.js';
import { AgentParams, parse, SymbolParams } from '../schemas.js';

export async function readRoutes(app: FastifyInstance): Promise<void> {
  const { quoting } = app;
  /** The agent and symbol named by the route's parameters, or the 400/404 that says which is wrong. */
  const symbolOf = (params: unknown) => {
    const { agentId, symbol } = parse(SymbolParams, params);
    return { agent: quoting.symbolOf(agentId, symbol), symbol };
  };

  app.get('/v1/agents/:agentId/symbols/:symbol/quote', async (req) => {
    const { agent, symbol } = symbolOf(req.params);
    const view = agent.view(symbol)!;
    if (view.quote === null) throw new NO_QUOTE(symbol, view.decision.reason);
    return { quote: view.quote, decision: view.decision };
  });

  app.get('/v1/agents/:agentId/symbols/:symbol', async (req) => {
    const { agent, symbol } = symbolOf(req.params);
    return agent.view(symbol);
  });

  app.get('/v1/agents/:agentId/inventory', async (req) => {
    const agent = quoting.registry.get(parse(AgentParams, req.params).agentId);
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
