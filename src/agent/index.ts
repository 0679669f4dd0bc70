export { MarketMakerAgent, parseConfig, type AgentStatus, type AgentStats } from './market-maker-agent.js';
export { MarketMakerConfigSchema, type MarketMakerConfig, type MarketMakerConfigInput } from './config.js';
export { AgentError, type AgentErrorCode } from './errors.js';
export type { Update, UpdateType, MidUpdate, VolatilityUpdate, PositionUpdate, FillUpdate } from './updates.js';
export type { Quote, ProcessResult, RiskDecision, DecisionReason, QuotedSides } from './quote.js';
export type { SymbolView } from './symbol-state.js';
export type { InventoryState } from './inventory.js';
