export { MarketMakerAgent, type AgentStatus, type AgentStats } from './market-maker-agent.js';
export { MarketMakerConfigSchema, parseConfig, type MarketMakerConfig, type MarketMakerConfigInput } from './config.js';
export { AgentError, type AgentErrorCode } from './errors.js';
export type { Update, UpdateType, MidUpdate, VolatilityUpdate, PositionUpdate, FillUpdate } from './updates.js';
export type { Quote, QuoteLevel, QuoteLevels, ProcessResult, RiskDecision, DecisionReason, QuotedSides, VolatilitySource } from './quote.js';
export type { SymbolView, VolatilityEstimateView, SideIntensityView } from './symbol-state.js';
export type { InventoryState } from './inventory.js';
