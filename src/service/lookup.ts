import type { MarketMakerAgent } from '../agent/market-maker-agent.js';
import { SYMBOL_NOT_FOUND } from './errors.js';
import type { AgentRegistry } from './registry.js';
import { parse, SymbolParams } from './schemas.js';

/** The agent and symbol named by the route's parameters, or the 400/404 that says which is wrong. */
export function symbolOf(registry: AgentRegistry, params: unknown): { agent: MarketMakerAgent; symbol: string } {
  const { agentId, symbol } = parse(SymbolParams, params);
  const agent = registry.get(agentId);
  if (!agent.hasSymbol(symbol)) throw new SYMBOL_NOT_FOUND(symbol, agentId);
  return { agent, symbol };
}
