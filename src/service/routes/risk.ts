/** The kill switch (`/v1/halt`) and an agent's risk state and reset. Each command is one call to the quoting service. */
import type { FastifyInstance } from 'fastify';
import type { MarketMakerAgent } from '../../agent/index.js';
import { AgentRisk, HaltOn, HaltStatus } from '../replies.js';
import { routeSchema } from '../route-schemas.js';
import { AgentParams, parse } from '../schemas.js';

const tags = ['risk'];

/** What the risk routes answer for one agent: its limits, their use, the period and any hold. */
export function riskReply(a: MarketMakerAgent) {
  return { agent: a.id, ...a.risk.view() };
}

export async function riskRoutes(app: FastifyInstance): Promise<void> {
  const { quoting } = app;

  app.get('/v1/halt', { schema: routeSchema({ tags, summary: 'Whether the kill switch is on', response: { 200: HaltStatus } }) }, async () => ({ halted: quoting.registry.halted }));

  app.post('/v1/halt', {
    schema: routeSchema({
      tags, summary: 'Kill switch on', response: { 200: HaltOn },
      description: 'Withdraws every quote of every agent (subscribers get `withdrawn` with reason `halted`) and quotes nothing until `DELETE /v1/halt`; '
        + 'updates keep being applied and answer `no-quote` with reason `halted`; agents created meanwhile are halted too. Committed to the ledger first, '
        + 'so a restart keeps it. Shown by `/readyz` (`halted: true`, still ready) and `mm_halted`. Already on: changes nothing.',
    }),
  }, async (req) => {
    const withdrawn = await quoting.halt(true);
    req.log.warn({ withdrawn }, 'kill switch on: every quote withdrawn');
    return { halted: true, withdrawn };
  });

  app.delete('/v1/halt', {
    schema: routeSchema({
      tags, summary: 'Kill switch off', response: { 200: HaltStatus },
      description: 'Requotes every symbol of every agent at the server\'s clock and publishes the quotes. Committed to the ledger first. Already off, changes nothing.',
    }),
  }, async (req) => {
    await quoting.halt(false);
    req.log.warn('kill switch off: quoting resumes');
    return { halted: false };
  });

  app.get('/v1/agents/:agentId/risk', { schema: routeSchema({ tags, summary: "An agent's risk state", description: 'The limits, their use, the current period and any hold (docs/risk.md).', params: AgentParams, response: { 200: AgentRisk } }) }, async (req) => riskReply(quoting.registry.get(parse(AgentParams, req.params).agentId)));

  app.post('/v1/agents/:agentId/risk/reset', {
    schema: routeSchema({
      tags, summary: 'Start a new risk period now', params: AgentParams, response: { 200: AgentRisk },
      description: 'The period\'s P&L starts again from the P&L now (peak at zero), the loss and drawdown holds of the agent and its symbols are cleared, '
        + 'and every symbol is requoted at the server\'s clock. The new state is committed to the ledger before it is applied, so a restart keeps it.',
    }),
  }, async (req) => {
    const agent = await quoting.resetRisk(parse(AgentParams, req.params).agentId);
    req.log.warn({ agent: agent.id }, 'risk period reset: quoting resumes');
    return riskReply(agent);
  });
}
