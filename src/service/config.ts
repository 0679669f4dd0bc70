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
  /** WebSocket connections at once; one more is closed with 1013 (try again later) */
  maxWsClients: z.number().int().min(1).max(100_000).default(2_000),
  /** bytes queued to a WebSocket client past which its quotes are conflated */
  wsHighWaterBytes: z.number().int().min(1_024).max(256 * 1_048_576).default(1_048_576),
}).strict();

const token = z.string().min(16, 'tokens must be at least 16 characters').max(512).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const AuthSchema = z.object({
  /** bearer tokens that may write (updates, agent changes) and read; none = no authentication, loopback only */
  writeTokens: z.array(token).default([]),
  /** bearer tokens that may only read (GET routes, the WebSocket stream); none = reads are open */
  readTokens: z.array(token).default([]),
  /** whether /metrics needs a read or write token; health checks are always open */
  protectMetrics: z.boolean().default(false),
}).strict();

export const JournalSchema = z.object({
  /** append-only journal of fills, positions and agent changes; null turns durability off */
  path: z.string().min(1).nullable().default('./data/journal.jsonl'),
  /** when an entry reaches the disk: every write, at most every fsyncIntervalMs, or when the OS decides */
  fsync: z.enum(['always', 'interval', 'never']).default('interval'),
  fsyncIntervalMs: z.number().int().min(1).max(60_000).default(100),
  /** the journal is compacted into a snapshot at start-up when larger than this */
  compactAtBytes: z.number().int().min(1_024).default(64 * 1_048_576),
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
  auth: AuthSchema.default(AuthSchema.parse({})),
  journal: JournalSchema.default(JournalSchema.parse({})),
  /** serve the live quote board at /ui/; null: only when `host` is a loopback address */
  ui: z.boolean().nullable().default(null),
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

const list = (raw: string) => raw.split(',').map((t) => t.trim()).filter((t) => t !== '');

/**
 * Defaults ← CONFIG_FILE (JSON) ← environment: PORT, HOST, LOG_LEVEL, HEARTBEAT_MS,
 * API_TOKENS and READ_TOKENS (comma-separated), METRICS_PROTECTED (true/false),
 * JOURNAL_PATH ("" or "off" disables), JOURNAL_FSYNC, UI (true/false).
 */
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
  const auth = { ...(input.auth as object | undefined) } as Record<string, unknown>;
  if (env.API_TOKENS !== undefined) auth.writeTokens = list(env.API_TOKENS);
  if (env.READ_TOKENS !== undefined) auth.readTokens = list(env.READ_TOKENS);
  if (env.METRICS_PROTECTED !== undefined) {
    if (!['true', 'false'].includes(env.METRICS_PROTECTED)) throw new ConfigError('METRICS_PROTECTED', 'expected true or false');
    auth.protectMetrics = env.METRICS_PROTECTED === 'true';
  }
  input.auth = auth;
  const journal = { ...(input.journal as object | undefined) } as Record<string, unknown>;
  if (env.JOURNAL_PATH !== undefined) journal.path = env.JOURNAL_PATH === '' || env.JOURNAL_PATH === 'off' ? null : env.JOURNAL_PATH;
  if (env.JOURNAL_FSYNC) journal.fsync = env.JOURNAL_FSYNC;
  input.journal = journal;
  if (env.UI !== undefined && env.UI !== '') {
    if (!['true', 'false'].includes(env.UI)) throw new ConfigError('UI', 'expected true or false');
    input.ui = env.UI === 'true';
  }
  return parseServiceConfig(input);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Whether /ui/ is served: as configured, else on a loopback host only. */
export const uiEnabled = (config: ServiceConfig): boolean => config.ui ?? LOOPBACK.test(config.host);

/** Without write tokens anyone who can connect can move the quotes, so the service then listens on loopback only. */
export function listenHost(config: ServiceConfig): { host: string; warning?: string } {
  if (config.auth.writeTokens.length > 0 || LOOPBACK.test(config.host)) {
    return config.auth.writeTokens.length > 0 ? { host: config.host } : { host: config.host, warning: 'no API_TOKENS configured: writes are unauthenticated; listening on loopback only' };
  }
  return { host: '127.0.0.1', warning: `no API_TOKENS configured: refusing to listen on ${config.host}; listening on 127.0.0.1 only` };
}
