import { MarketMakerAgent } from '../agent/market-maker-agent.js';
import type { MarketMakerConfigInput } from '../agent/config.js';
import { AGENT_EXISTS, AGENT_LIMIT, AGENT_NOT_FOUND } from './errors.js';

/** The service's agents by id. */
export class AgentRegistry {
  private readonly agents = new Map<string, MarketMakerAgent>();

  constructor(private readonly maxAgents: number) {}

  /** Throws what `create` would throw, so a journal records only creations that happen. */
  assertCanCreate(id: string): void {
    if (this.agents.has(id)) throw new AGENT_EXISTS(id);
    if (this.agents.size >= this.maxAgents) throw new AGENT_LIMIT(this.agents.size);
  }

  create(id: string, config: MarketMakerConfigInput): MarketMakerAgent {
    this.assertCanCreate(id);
    const agent = new MarketMakerAgent(id, config);
    this.agents.set(id, agent);
    return agent;
  }

  get(id: string): MarketMakerAgent {
    const agent = this.agents.get(id);
    if (agent === undefined) throw new AGENT_NOT_FOUND(id);
    return agent;
  }

  has(id: string): boolean {
    return this.agents.has(id);
  }

  /** Adds or replaces an agent restored from a snapshot. */
  put(agent: MarketMakerAgent): void {
    this.agents.set(agent.id, agent);
  }

  delete(id: string): void {
    if (!this.agents.delete(id)) throw new AGENT_NOT_FOUND(id);
  }

  all(): IterableIterator<MarketMakerAgent> {
    return this.agents.values();
  }

  get size(): number {
    return this.agents.size;
  }
}
