import type { FastifyInstance } from 'fastify';
import type { MarketMakerAgent } from '../../agent/market-maker-agent.js';
import type { QuoteHub } from '../quote-hub.js';
import type { AgentRegistry } from '../registry.js';
import { AgentParams, parse } from '../schemas.js';
import type { UpdatePipeline } from '../update-pipeline.js';

export interface RiskRoutesOptions {
  registry: AgentRegistry;
  pipeline: UpdatePipeline;
  hub: QuoteHub;
  now: () => number;
}

/** What the risk routes answer for one agent: its limits, their use, the period and any hold. */
export function riskReply(a: MarketMakerAgent) {
  return { agent: a.id, ...a.risk.view() };
}

/**
 * The kill switch (`/v1/halt`) and the risk period reset. Each change is committed to the ledger
 * before it is applied, as a replay applies it, so a restart keeps it.
 */
export async function riskRoutes(app: FastifyInstance, opts: RiskRoutesOptions): Promise<void> {
  const { registry, pipeline, hub, now } = opts;

  app.get('/v1/halt', async () => ({ halted: registry.halted }));

  app.post('/v1/halt', async (req) => {
    // already on: nothing to journal, nothing to withdraw
    if (registry.halted) return { halted: true, withdrawn: 0 };
    const withdrawn = await pipeline.commit([{ t: 'halt' }], () => {
      let n = 0;
      for (const { agent, withdrawn: symbols } of registry.setHalted(true, now())) {
        for (const s of symbols) hub.publishWithdrawal(agent, s, 'halted');
        n += symbols.length;
      }
      return n;
    });
    req.log.warn({ withdrawn }, 'kill switch on: every quote withdrawn');
    return { halted: true, withdrawn };
  });

  app.delete('/v1/halt', async (req) => {
    if (!registry.halted) return { halted: false };
    await pipeline.commit([{ t: 'unhalt' }], () => {
      for (const { agent, results } of registry.setHalted(false, now())) pipeline.publish(agent, results);
    });
    req.log.warn('kill switch off: quoting resumes');
    return { halted: false };
  });

  app.get('/v1/agents/:agentId/risk', async (req) => riskReply(registry.get(parse(AgentParams, req.params).agentId)));

  app.post('/v1/agents/:agentId/risk/reset', async (req) => {
    const agent = registry.get(parse(AgentParams, req.params).agentId);
    const time = now();
    // the state is worked out now and journaled as it is: the P&L it starts from was measured at mids the ledger does not hold
    const state = agent.risk.resetState(time);
    const a = await pipeline.commit([{ t: 'risk', id: agent.id, why: 'reset', state }], () => {
      const current = registry.get(agent.id);
      pipeline.publish(current.id, current.setRiskState(state, time));
      return current;
    });
    req.log.warn({ agent: a.id }, 'risk period reset: quoting resumes');
    return riskReply(a);
  });
}
