export { MarketMakerAgent } from './market-maker-agent.js';
export { MarketMakerConfigSchema, parseConfig, type MarketMakerConfig, type MarketMakerConfigInput } from './config.js';
export { AgentError, type AgentErrorCode } from './errors.js';
export { fillFingerprint, fingerprintDiff } from './fill-fingerprint.js';
export { mergeConfig } from './config-merge.js';
export { reportedPnl, type SymbolView } from './symbol-state.js';
export { issueField } from './zod-issue.js';
export type { Update, UpdateType, MidUpdate, VolatilityUpdate, FillUpdate } from './updates.js';
export type { DecisionReason, Quote, ProcessResult } from './quote.js';
