/**
 * Service configuration: built-in defaults, overridden by an optional JSON
 * file (CONFIG_FILE), overridden by environment variables; validated once at
 * start-up, and a bad value stops the start with the field named.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { issueField, MarketMakerConfigSchema } from '../agent/index.js';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export const LimitsSchema = z.object({
  /** largest request body, bytes */
  bodyLimitBytes: z.number().int().min(1_024).max(64 * 1_048_576).default(262_144),
  /** updates in one batch request */
  maxBatch: z.number().int().min(1).max(100_000).default(1_000),
  maxAgents: z.number().int().min(1).max(10_000).default(20),
  /** symbols across all agents (each agent also has its own maxSymbols); an update that would add one more is refused */
  maxTotalSymbols: z.number().int().min(1).max(10_000_000).default(25_000),
  /** symbols and agent-wide subscriptions one WebSocket connection may hold */
  maxSubscriptionsPerConnection: z.number().int().min(1).max(1_000_000).default(1_000),
  /** largest WebSocket message a client may send, bytes */
  maxWsMessageBytes: z.number().int().min(256).max(1_048_576).default(16_384),
  /** WebSocket connections at once; one more is closed with 1013 (try again later) */
  maxWsClients: z.number().int().min(1).max(100_000).default(1_000),
  /** bytes queued to a WebSocket client past which its quotes are conflated */
  wsHighWaterBytes: z.number().int().min(1_024).max(256 * 1_048_576).default(262_144),
  /** bytes queued to a WebSocket client (socket buffer + conflation queue, replies included) past which it is closed with 1013 */
  wsMaxQueueBytes: z.number().int().min(2_048).max(1_024 * 1_048_576).default(1_048_576),
  /** invalid messages a WebSocket client may send per second (and in a burst); one more closes it with 1008 */
  wsInvalidMessagesPerSecond: z.number().int().min(1).max(100_000).default(10),
}).strict().refine((l) => l.wsMaxQueueBytes > l.wsHighWaterBytes, { path: ['wsMaxQueueBytes'], message: 'must be larger than wsHighWaterBytes' });

/** The HTTP server's timeouts and bounds; each cuts off a client that holds resources without finishing. */
export const HttpSchema = z.object({
  /** the whole request, headers and body, must arrive within this (a trickled body is cut off with 408) */
  requestTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  /** the request headers must arrive within this (slowloris) */
  headersTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
  /** a connection with no traffic in either direction for this long is closed */
  connectionTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
  /** an idle keep-alive connection is closed after this */
  keepAliveTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
  /** TCP connections at once, HTTP and WebSocket together; the kernel-accepted extra one is closed at once */
  maxConnections: z.number().int().min(1).max(1_000_000).default(1_200),
  /**
   * Host names (without port) requests may be addressed to; anything else is refused with 403 HOST_NOT_ALLOWED,
   * and so is a browser's Origin naming another host. Loopback names by default (DNS rebinding); "*" allows any.
   */
  allowedHosts: z.array(z.string().min(1).max(253).transform((h) => h.toLowerCase())).min(1).default(['localhost', '127.0.0.1', '::1']),
  /** on SIGTERM, connections still open after this are destroyed; the process exits within grace + 2 s */
  shutdownGraceMs: z.number().int().min(0).max(60_000).default(2_000),
}).strict().refine((h) => h.headersTimeoutMs <= h.requestTimeoutMs, { path: ['headersTimeoutMs'], message: 'must not exceed requestTimeoutMs' });

const token = z.string().min(16, 'tokens must be at least 16 characters').max(512).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const AuthSchema = z.object({
  /** bearer tokens that may write (updates, agent changes) and read; none = no authentication, loopback only */
  writeTokens: z.array(token).default([]),
  /** bearer tokens that may only read (GET routes, the WebSocket stream); none = reads are open */
  readTokens: z.array(token).default([]),
  /** whether /metrics needs a read or write token (unset: protected exactly when read tokens are configured); health checks are always open */
  protectMetrics: z.boolean().optional(),
}).strict();

export const LedgerSchema = z.object({
  /** the SQLite database of fills, positions, agent changes and snapshots; null runs without durability */
  path: z.string().min(1).nullable().default('./data/quoting.db'),
  /**
   * when a commit reaches the disk: `always` at every commit (synchronous=FULL), `interval` at the
   * worker's WAL fdatasync every checkpointIntervalMs, `never` at a checkpoint once the WAL passes 64 MiB (both NORMAL)
   */
  fsync: z.enum(['always', 'interval', 'never']).default('interval'),
  checkpointIntervalMs: z.number().int().min(10).max(60_000).default(100),
  /** a snapshot of every agent after this many entries … */
  snapshotEveryEntries: z.number().int().min(1).max(10_000_000).default(50_000),
  /** … and at least this often while entries come, ms */
  snapshotIntervalMs: z.number().int().min(1_000).max(86_400_000).default(60_000),
  /**
   * the full `PRAGMA quick_check` reads the whole file (0.5–1 s per million fills): by default it runs
   * beside the service once started (damage found refuses every write after it); true runs it before
   */
  fullCheckAtStart: z.boolean().default(false),
  /** a journal of an earlier version (JSON lines) imported on the first start, when the ledger is new; null: none */
  importJournal: z.string().min(1).nullable().default('./data/journal.jsonl'),
}).strict();

/** What /metrics exports per symbol (six series each): bounded, since 10,000 symbols would make a scrape of 60,000 series. */
export const MetricsSchema = z.object({
  /** which symbols get per-symbol gauges: each agent's `topSymbols` largest by |position| (inventory) or by toxicity, all, or none */
  symbolGauges: z.enum(['inventory', 'toxicity', 'all', 'none']).default('inventory'),
  /** symbols per agent exported when ranked */
  topSymbols: z.number().int().min(1).max(100_000).default(100),
}).strict();
export type MetricsConfig = z.infer<typeof MetricsSchema>;

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
  http: HttpSchema.default(HttpSchema.parse({})),
  auth: AuthSchema.default(AuthSchema.parse({})),
  ledger: LedgerSchema.default(LedgerSchema.parse({})),
  metrics: MetricsSchema.default(MetricsSchema.parse({})),
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
  throw new ConfigError(issueField(issue) || '(root)', issue.message);
}

const ENV_NUMBERS = { PORT: 'port', HEARTBEAT_MS: 'heartbeatMs' } as const;
const ENV_HTTP_NUMBERS = {
  REQUEST_TIMEOUT_MS: 'requestTimeoutMs', HEADERS_TIMEOUT_MS: 'headersTimeoutMs', CONNECTION_TIMEOUT_MS: 'connectionTimeoutMs',
  KEEP_ALIVE_TIMEOUT_MS: 'keepAliveTimeoutMs', MAX_CONNECTIONS: 'maxConnections', SHUTDOWN_GRACE_MS: 'shutdownGraceMs',
} as const;
const ENV_LIMIT_NUMBERS = { MAX_TOTAL_SYMBOLS: 'maxTotalSymbols', MAX_WS_CLIENTS: 'maxWsClients' } as const;
const ENV_METRICS_NUMBERS = { METRICS_TOP_SYMBOLS: 'topSymbols' } as const;

function envInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
  return n;
}

const list = (raw: string) => raw.split(',').map((t) => t.trim()).filter((t) => t !== '');

/**
 * Defaults ← CONFIG_FILE (JSON) ← environment: PORT, HOST, LOG_LEVEL, HEARTBEAT_MS,
 * API_TOKENS and READ_TOKENS (comma-separated), METRICS_PROTECTED (true/false),
 * LEDGER_PATH ("" or "off" runs without durability), LEDGER_FSYNC, JOURNAL_PATH (the journal of an
 * earlier version to import on the first start; "" or "off": none), ALLOWED_HOSTS (comma-separated),
 * REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS, CONNECTION_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS,
 * MAX_CONNECTIONS, SHUTDOWN_GRACE_MS, MAX_TOTAL_SYMBOLS, MAX_WS_CLIENTS, UI (true/false),
 * METRICS_SYMBOL_GAUGES (inventory, toxicity, all, none), METRICS_TOP_SYMBOLS.
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
    const n = envInteger(env, name);
    if (n !== undefined) input[key] = n;
  }
  const http = { ...(input.http as object | undefined) } as Record<string, unknown>;
  for (const [name, key] of Object.entries(ENV_HTTP_NUMBERS)) {
    const n = envInteger(env, name);
    if (n !== undefined) http[key] = n;
  }
  if (env.ALLOWED_HOSTS !== undefined) http.allowedHosts = list(env.ALLOWED_HOSTS);
  input.http = http;
  const limits = { ...(input.limits as object | undefined) } as Record<string, unknown>;
  for (const [name, key] of Object.entries(ENV_LIMIT_NUMBERS)) {
    const n = envInteger(env, name);
    if (n !== undefined) limits[key] = n;
  }
  input.limits = limits;
  const metrics = { ...(input.metrics as object | undefined) } as Record<string, unknown>;
  for (const [name, key] of Object.entries(ENV_METRICS_NUMBERS)) {
    const n = envInteger(env, name);
    if (n !== undefined) metrics[key] = n;
  }
  if (env.METRICS_SYMBOL_GAUGES) metrics.symbolGauges = env.METRICS_SYMBOL_GAUGES;
  input.metrics = metrics;
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
  const ledger = { ...(input.ledger as object | undefined) } as Record<string, unknown>;
  const pathOrOff = (raw: string) => (raw === '' || raw === 'off' ? null : raw);
  if (env.LEDGER_PATH !== undefined) ledger.path = pathOrOff(env.LEDGER_PATH);
  if (env.LEDGER_FSYNC) ledger.fsync = env.LEDGER_FSYNC;
  if (env.JOURNAL_PATH !== undefined) ledger.importJournal = pathOrOff(env.JOURNAL_PATH);
  input.ledger = ledger;
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
