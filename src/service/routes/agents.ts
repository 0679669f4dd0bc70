import type { FastifyInstance } from 'fastify';
import { mergeConfig } from '../../agent/config-merge.js';
import { AgentError } from '../../agent/errors.js';
import { parseConfig } from '../../agent/market-maker-agent.js';
import type { MarketMakerAgent } from '../../agent/market-maker-agent.js';
import { symbolOf } from '../lookup.js';
import type { ServiceMetrics } from '../metrics.js';
import type { QuoteHub } from '../quote-hub.js';
import type { AgentRegistry } from '../registry.js';
import { AgentParams, ConfigPatchBody, CreateAgentBody, parse } from '../schemas.js';
import type { UpdatePipeline } from '../update-pipeline.js';

export interface AgentRoutesOptions {
  registry: AgentRegistry;
  pipeline: UpdatePipeline;
  hub: QuoteHub;
  metrics: ServiceMetrics;
  now: () => number;
}

/** The configuration, or INVALID_CONFIG naming the field as the client sent it (under `prefix`). */
function configFrom(input: unknown, prefix?: string) {
  try {
    return parseConfig(input);
  } catch (err) {
    if (prefix && err instanceof AgentError && err.field) {
      throw new AgentError(err.code, `${prefix}.${err.message}`, `${prefix}.${err.field}`);
    }
    throw err;
  }
}

export function agentSummary(a: MarketMakerAgent) {
  return { id: a.id, status: a.status, paused: a.isPaused(), symbols: a.symbolCount, stats: a.stats };
}

export function agentDetail(a: MarketMakerAgent) {
  return { ...agentSummary(a), error: a.error, config: a.config, risk: a.risk.view(), symbolStates: a.views() };
}

export async function agentRoutes(app: FastifyInstance, opts: AgentRoutesOptions): Promise<void> {
  const { registry, pipeline, hub, metrics, now } = opts;

  app.get('/v1/agents', async () => ({ agents: [...registry.all()].map(agentSummary) }));

  app.post('/v1/agents', async (req, reply) => {
    const body = parse(CreateAgentBody, req.body);
    const config = configFrom(body.config, 'config');
    registry.assertCanCreate(body.id);
    // checked again when applied: another creation of the same id may have been committed in between
    const agent = await pipeline.commit([{ t: 'create', id: body.id, config }], () => registry.create(body.id, config));
    req.log.info({ agent: agent.id }, 'agent created');
    return reply.code(201).send(agentDetail(agent));
  });

  app.get('/v1/agents/:agentId', async (req) => agentDetail(registry.get(parse(AgentParams, req.params).agentId)));

  app.patch('/v1/agents/:agentId/config', async (req) => {
    const agent = registry.get(parse(AgentParams, req.params).agentId);
    const patch = parse(ConfigPatchBody, req.body);
    const config = configFrom(mergeConfig(agent.config, patch));
    if (JSON.stringify(config) === JSON.stringify(agent.config)) return agentDetail(agent);
    agent.checkConfig(config); // e.g. a quantityStep that does not divide a position: refused before it is written to the ledger
    const updated = await pipeline.commit([{ t: 'config', id: agent.id, config }], () => {
      const a = registry.get(agent.id);
      a.reconfigure(config);
      const time = now();
      pipeline.publish(a.id, [...a.symbolNames()].map((s) => a.requote(s, time)!));
      return a;
    });
    req.log.info({ agent: agent.id, patch }, 'agent reconfigured');
    return agentDetail(updated);
  });

  app.delete('/v1/agents/:agentId', async (req, reply) => {
    const { agentId } = parse(AgentParams, req.params);
    registry.get(agentId);
    await pipeline.commit([{ t: 'delete', id: agentId }], () => {
      registry.delete(agentId);
      hub.dropAgent(agentId);
      metrics.dropAgent(agentId);
    });
    req.log.info({ agent: agentId }, 'agent deleted');
    return reply.code(204).send();
  });

  // applied to the agent registered when the entry commits, as a replay does
  const pause = (agent: MarketMakerAgent, symbol?: string) =>
    pipeline.commit([symbol === undefined ? { t: 'pause', id: agent.id } : { t: 'pause', id: agent.id, symbol }], () => {
      const a = registry.get(agent.id);
      for (const s of a.pause(symbol)) hub.publishWithdrawal(a.id, s, symbol === undefined ? 'agent-paused' : 'symbol-paused');
      return a;
    });
  const resume = (agent: MarketMakerAgent, symbol?: string) =>
    pipeline.commit([symbol === undefined ? { t: 'resume', id: agent.id } : { t: 'resume', id: agent.id, symbol }], () => {
      const a = registry.get(agent.id);
      pipeline.publish(a.id, a.resume(now(), symbol));
      return a;
    });

  app.post('/v1/agents/:agentId/pause', async (req) => {
    const agent = await pause(registry.get(parse(AgentParams, req.params).agentId));
    req.log.info({ agent: agent.id }, 'agent paused');
    return agentSummary(agent);
  });

  app.post('/v1/agents/:agentId/resume', async (req) => {
    const agent = await resume(registry.get(parse(AgentParams, req.params).agentId));
    req.log.info({ agent: agent.id }, 'agent resumed');
    return agentSummary(agent);
  });

  app.post('/v1/agents/:agentId/symbols/:symbol/pause', async (req) => {
    const { agent, symbol } = symbolOf(registry, req.params);
    const a = await pause(agent, symbol);
    req.log.info({ agent: agent.id, symbol }, 'symbol paused');
    return a.view(symbol);
  });

  app.post('/v1/agents/:agentId/symbols/:symbol/resume', async (req) => {
    const { agent, symbol } = symbolOf(registry, req.params);
    const a = await resume(agent, symbol);
    req.log.info({ agent: agent.id, symbol }, 'symbol resumed');
    return a.view(symbol);
  });
}
