import { MarketMakerAgent, type MarketMakerConfigInput } from '../agent/index.js';
import type { ProcessResult } from '../agent/quote.js';
import { AGENT_EXISTS, AGENT_LIMIT, AGENT_NOT_FOUND, SYMBOL_LIMIT } from './errors.js';

/** The service's agents by id. */
export class AgentRegistry {
  private readonly agents = new Map<string, MarketMakerAgent>();
  private haltedAll = false;

  /** `maxTotalSymbols` bounds the symbols of all agents together: the service's memory grows with them (docs/operations.md) */
  constructor(private readonly maxAgents: number, private readonly maxTotalSymbols = Number.POSITIVE_INFINITY) {}

  /**
   * Throws SYMBOL_LIMIT when `symbol` would be a new symbol of `agent` and the service already holds
   * maxTotalSymbols, counting `reserved` symbols admitted but not created yet.
   */
  assertRoomFor(agent: MarketMakerAgent, symbol: string, reserved = 0): void {
    if (agent.hasSymbol(symbol)) return;
    const total = this.totalSymbols() + reserved;
    if (total >= this.maxTotalSymbols) {
      throw Object.assign(new SYMBOL_LIMIT(`symbol: the service already holds ${total} symbols across its agents (limits.maxTotalSymbols)`), { field: 'symbol' });
    }
  }

  /** Symbols of every agent; counted when a new symbol is about to be added, not per update. */
  totalSymbols(): number {
    let n = 0;
    for (const a of this.agents.values()) n += a.symbolCount;
    return n;
  }

  /** Throws what `create` would throw, so a journal records only creations that happen. */
  assertCanCreate(id: string): void {
    if (this.agents.has(id)) throw new AGENT_EXISTS(id);
    if (this.agents.size >= this.maxAgents) throw new AGENT_LIMIT(this.agents.size);
  }

  create(id: string, config: MarketMakerConfigInput): MarketMakerAgent {
    this.assertCanCreate(id);
    const agent = new MarketMakerAgent(id, config);
    // an agent created while the kill switch is on is halted too
    agent.risk.halted = this.haltedAll;
    this.agents.set(id, agent);
    return agent;
  }

  /** Sets the kill switch without requoting (at start, where no symbol has a mid yet). */
  restoreHalted(on: boolean): void {
    this.haltedAll = on;
    for (const a of this.agents.values()) a.risk.halted = on;
  }

  /** whether the global kill switch is on */
  get halted(): boolean {
    return this.haltedAll;
  }

  /**
   * Turns the kill switch on (withdrawing every quote) or off (requoting every symbol at `time`);
   * returns, per agent, what changed for the stream.
   */
  setHalted(on: boolean, time: number): { agent: string; withdrawn: string[]; results: ProcessResult[] }[] {
    this.haltedAll = on;
    return Array.from(this.agents.values(), (a) => ({ agent: a.id, ...a.setHalted(on, time) }));
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
    agent.risk.halted = this.haltedAll;
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
