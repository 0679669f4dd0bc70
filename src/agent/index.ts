export { MarketMakerAgent, parseConfig } from './market-maker-agent.js';
export type { MarketMakerConfig, MarketMakerConfigInput } from './config.js';
export { AgentError } from './errors.js';
export type { Update, UpdateType, MidUpdate, VolatilityUpdate, FillUpdate } from './updates.js';
export type { Quote, ProcessResult } from './quote.js';
