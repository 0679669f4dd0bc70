/**
 * Service configuration: built-in defaults, overridden by an optional JSON
 * file (CONFIG_FILE), overridden by environment variables; validated once at
 * start-up, and a bad value stops the start with the field named.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MarketMakerConfigSchema } from '../agent/config.js';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export const LimitsSchema = z.object({
  /** largest request body, bytes */
  bodyLimitBytes: z.number().int().min(1_024).max(64 * 1_048_576).default(1_048_576),
  /** updates in one batch request */
  maxBatch: z.number().int().min(1).max(100_000).default(1_000),
  maxAgents: z.number().int().min(1).max(10_000).default(100),
  /** symbols and agent-wide subscriptions one WebSocket connection may hold */
  maxSubscriptionsPerConnection: z.number().int().min(1).max(1_000_000).default(1_000),
  /** largest WebSocket message a client may send, bytes */
  maxWsMessageBytes: z.number().int().min(256).max(1_048_576).default(16_384),
  /** bytes queued to a WebSocket client past which its quotes are conflated */
  wsHighWaterBytes: z.number().int().min(1_024).max(256 * 1_048_576).default(1_048_576),
}).strict();

export const ServiceConfigSchema = z.object({
  port: z.number().int().min(0).max(65_535).default(8080),
  host: z.string().min(1).default('127.0.0.1'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** agents created at start-up, by id */
  agents: z.record(z.string().regex(ID_PATTERN), MarketMakerConfigSchema).default({ default: MarketMakerConfigSchema.parse({}) }),
  /** interval of WebSocket pings; a client that has not answered the previous one is closed */
  heartbeatMs: z.number().int().min(100).max(600_000).default(30_000),
  /** the latency budget of one process() call, seconds, shown beside the p99 in /metrics */
  processBudgetSeconds: z.number().positive().max(1).default(0.0003),
  /** updates in the sliding window of the p99 gauge, per agent */
  latencyWindow: z.number().int().min(100).max(1_000_000).default(10_000),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
}).strict();

export type ServiceConfig = z.infer<typeof ServiceConfigSchema>;
export type ServiceConfigInput = z.input<typeof ServiceConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly field: string, message: string) {
    super(`invalid configuration: ${field}: ${message}`);
  }
}

export function parseServiceConfig(input: unknown): ServiceConfig {
  const r = ServiceConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ConfigError(issue.path.join('.') || '(root)', issue.message);
}

const ENV_NUMBERS = { PORT: 'port', HEARTBEAT_MS: 'heartbeatMs' } as const;

/** Defaults ← CONFIG_FILE (JSON) ← PORT, HOST, LOG_LEVEL, HEARTBEAT_MS. */
export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  let input: Record<string, unknown> = {};
  if (env.CONFIG_FILE) {
    let text: string;
    try {
      text = readFileSync(env.CONFIG_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError('CONFIG_FILE', `cannot read ${env.CONFIG_FILE}: ${(err as Error).message}`);
    }
    try {
      input = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError('CONFIG_FILE', `${env.CONFIG_FILE} is not JSON: ${(err as Error).message}`);
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError('CONFIG_FILE', 'must hold a JSON object');
  }
  for (const [name, key] of Object.entries(ENV_NUMBERS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
    input[key] = n;
  }
  if (env.HOST) input.host = env.HOST;
  if (env.LOG_LEVEL) input.logLevel = env.LOG_LEVEL;
  return parseServiceConfig(input);
}
