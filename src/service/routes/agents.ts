/** Agents: list, create, read, reconfigure, delete, pause and resume. Each command is one call to the quoting service. */
import type { FastifyInstance } from 'fastify';
import type { MarketMakerAgent } from '../../agent/index.js';
import { AgentParams, ConfigPatchBody, CreateAgentBody, parse, SymbolParams } from '../schemas.js';

export function agentSummary(a: MarketMakerAgent) {
  return { id: a.id, status: a.status, paused: a.isPaused(), symbols: a.symbolCount, stats: a.stats };
}

export function agentDetail(a: MarketMakerAgent) {
  return { ...agentSummary(a), error: a.error, config: a.config, risk: a.risk.view(), symbolStates: a.views() };
}

export async function agentRoutes(app: FastifyInstance): Promise<void> {
  const { quoting } = app;

  app.get('/v1/agents', async () => ({ agents: [...quoting.registry.all()].map(agentSummary) }));

  app.post('/v1/agents', async (req, reply) => {
    const body = parse(CreateAgentBody, req.body);
    const agent = await quoting.create(body.id, body.config);
    req.log.info({ agent: agent.id }, 'agent created');
    return reply.code(201).send(agentDetail(agent));
  });

  app.get('/v1/agents/:agentId', async (req) => agentDetail(quoting.registry.get(parse(AgentParams, req.params).agentId)));

  app.patch('/v1/agents/:agentId/config', async (req) => {
    const { agentId } = parse(AgentParams, req.params);
    quoting.registry.get(agentId);
    const patch = parse(ConfigPatchBody, req.body);
    const agent = await quoting.reconfigure(agentId, patch);
    req.log.info({ agent: agentId, patch }, 'agent reconfigured');
    return agentDetail(agent);
  });

  app.delete('/v1/agents/:agentId', async (req, reply) => {
    const { agentId } = parse(AgentParams, req.params);
    await quoting.remove(agentId);
    req.log.info({ agent: agentId }, 'agent deleted');
    return reply.code(204).send();
  });

  app.post('/v1/agents/:agentId/pause', async (req) => {
    const agent = await quoting.pause(parse(AgentParams, req.params).agentId);
    req.log.info({ agent: agent.id }, 'agent paused');
    return agentSummary(agent);
  });

  app.post('/v1/agents/:agentId/resume', async (req) => {
    const agent = await quoting.resume(parse(AgentParams, req.params).agentId);
    req.log.info({ agent: agent.id }, 'agent resumed');
    return agentSummary(agent);
  });

  app.post('/v1/agents/:agentId/symbols/:symbol/pause', async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const agent = await quoting.pause(agentId, symbol);
    req.log.info({ agent: agentId, symbol }, 'symbol paused');
    return agent.view(symbol);
  });

  app.post('/v1/agents/:agentId/symbols/:symbol/resume', async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const agent = await quoting.resume(agentId, symbol);
    req.log.info({ agent: agentId, symbol }, 'symbol resumed');
    return agent.view(symbol);
  });
}
