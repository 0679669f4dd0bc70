/** The kill switch (`/v1/halt`) and an agent's risk state and reset. Each command is one call to the quoting service. */
import type { FastifyInstance } from 'fastify';
import type { MarketMakerAgent } from '../../agent/index.js';
import { AgentParams, parse } from '../schemas.js';

/** What the risk routes answer for one agent: its limits, their use, the period and any hold. */
export function riskReply(a: MarketMakerAgent) {
  return { agent: a.id, ...a.risk.view() };
}

export async function riskRoutes(app: FastifyInstance): Promise<void> {
  const { quoting } = app;

  app.get('/v1/halt', async () => ({ halted: quoting.registry.halted }));

  app.post('/v1/halt', async (req) => {
    const withdrawn = await quoting.halt(true);
    req.log.warn({ withdrawn }, 'kill switch on: every quote withdrawn');
    return { halted: true, withdrawn };
  });

  app.delete('/v1/halt', async (req) => {
    await quoting.halt(false);
    req.log.warn('kill switch off: quoting resumes');
    return { halted: false };
  });

  app.get('/v1/agents/:agentId/risk', async (req) => riskReply(quoting.registry.get(parse(AgentParams, req.params).agentId)));

  app.post('/v1/agents/:agentId/risk/reset', async (req) => {
    const agent = await quoting.resetRisk(parse(AgentParams, req.params).agentId);
    req.log.warn({ agent: agent.id }, 'risk period reset: quoting resumes');
    return riskReply(agent);
  });
}
