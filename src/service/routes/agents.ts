/** Agents: list, create, read, reconfigure, delete, pause and resume. Each command is one call to the quoting service. */
import type { FastifyInstance } from 'fastify';
import type { MarketMakerAgent } from '../../agent/index.js';
import { AgentDetail, AgentList, AgentSummary, SymbolView } from '../replies.js';
import { routeSchema } from '../route-schemas.js';
import { AgentParams, ConfigPatchBody, ConfigPatchBodyDoc, CreateAgentBody, CreateAgentBodyDoc, parse, SymbolParams } from '../schemas.js';

const tags = ['agents'];

export function agentSummary(a: MarketMakerAgent) {
  return { id: a.id, status: a.status, paused: a.isPaused(), symbols: a.symbolCount, stats: a.stats };
}

export function agentDetail(a: MarketMakerAgent) {
  return { ...agentSummary(a), error: a.error, config: a.config, risk: a.risk.view(), symbolStates: a.views() };
}

export async function agentRoutes(app: FastifyInstance): Promise<void> {
  const { quoting } = app;

  app.get('/v1/agents', { schema: routeSchema({ tags, summary: 'List the agents', response: { 200: AgentList } }) }, async () => ({ agents: [...quoting.registry.all()].map(agentSummary) }));

  app.post('/v1/agents', {
    schema: routeSchema({
      tags, summary: 'Create an agent', body: CreateAgentBodyDoc, response: { 201: AgentDetail },
      description: 'The configuration is merged over the defaults and validated as a whole (`400 INVALID_CONFIG` naming the field). Committed to the ledger before the reply.',
    }),
  }, async (req, reply) => {
    const body = parse(CreateAgentBody, req.body);
    const agent = await quoting.create(body.id, body.config);
    req.log.info({ agent: agent.id }, 'agent created');
    return reply.code(201).send(agentDetail(agent));
  });

  app.get('/v1/agents/:agentId', { schema: routeSchema({ tags, summary: 'An agent, its configuration and every symbol', params: AgentParams, response: { 200: AgentDetail } }) }, async (req) => agentDetail(quoting.registry.get(parse(AgentParams, req.params).agentId)));

  app.patch('/v1/agents/:agentId/config', {
    schema: routeSchema({
      tags, summary: "Change an agent's configuration", params: AgentParams, body: ConfigPatchBodyDoc, response: { 200: AgentDetail },
      description: 'A partial configuration merged into the current one; the whole is validated. An unknown agent is 404 before the body is read.',
    }),
  }, async (req) => {
    const { agentId } = parse(AgentParams, req.params);
    quoting.registry.get(agentId);
    const patch = parse(ConfigPatchBody, req.body);
    const agent = await quoting.reconfigure(agentId, patch);
    req.log.info({ agent: agentId, patch }, 'agent reconfigured');
    return agentDetail(agent);
  });

  app.delete('/v1/agents/:agentId', { schema: routeSchema({ tags, summary: 'Delete an agent', params: AgentParams, response: { 204: null } }) }, async (req, reply) => {
    const { agentId } = parse(AgentParams, req.params);
    await quoting.remove(agentId);
    req.log.info({ agent: agentId }, 'agent deleted');
    return reply.code(204).send();
  });

  app.post('/v1/agents/:agentId/pause', { schema: routeSchema({ tags, summary: 'Pause an agent: every symbol withdraws its quote', params: AgentParams, response: { 200: AgentSummary } }) }, async (req) => {
    const agent = await quoting.pause(parse(AgentParams, req.params).agentId);
    req.log.info({ agent: agent.id }, 'agent paused');
    return agentSummary(agent);
  });

  app.post('/v1/agents/:agentId/resume', { schema: routeSchema({ tags, summary: 'Resume an agent', params: AgentParams, response: { 200: AgentSummary } }) }, async (req) => {
    const agent = await quoting.resume(parse(AgentParams, req.params).agentId);
    req.log.info({ agent: agent.id }, 'agent resumed');
    return agentSummary(agent);
  });

  app.post('/v1/agents/:agentId/symbols/:symbol/pause', { schema: routeSchema({ tags, summary: 'Pause one symbol', params: SymbolParams, response: { 200: SymbolView } }) }, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const agent = await quoting.pause(agentId, symbol);
    req.log.info({ agent: agentId, symbol }, 'symbol paused');
    return agent.view(symbol);
  });

  app.post('/v1/agents/:agentId/symbols/:symbol/resume', { schema: routeSchema({ tags, summary: 'Resume one symbol', params: SymbolParams, response: { 200: SymbolView } }) }, async (req) => {
    const { agentId, symbol } = parse(SymbolParams, req.params);
    const agent = await quoting.resume(agentId, symbol);
    req.log.info({ agent: agentId, symbol }, 'symbol resumed');
    return agent.view(symbol);
  });
}
