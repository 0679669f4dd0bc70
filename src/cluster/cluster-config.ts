/**
 * Cluster mode's settings, from the environment. Without NATS_URL there is no
 * cluster mode and nothing of src/cluster is loaded: the single process is the
 * default. Every key, its default and its bound are listed in docs/scaling.md.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError, loadServiceConfig, type ServiceConfig } from '../service/config.js';

export const ClusterConfigSchema = z.object({
  /** comma-separated NATS server URLs */
  natsUrl: z.string().min(1),
  /** a NATS credentials file (JWT + nkey seed), null: none */
  natsCreds: z.string().min(1).nullable().default(null),
  /** names this instance in leases and fences; unique per running process */
  instanceId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
  /** replicas of MM_LEDGER, MM_SNAPSHOTS, MM_QUOTES and MM_OWNERS: 3 (or 5) in a real cluster */
  replicas: z.number().int().min(1).max(5).default(1),
  /** a lease not renewed for this long is taken over by a standby, ms */
  leaseMs: z.number().int().min(300).max(60_000).default(2_000),
  /** how often the owner renews (and standbys check), ms; at most a third of leaseMs */
  renewMs: z.number().int().min(50).max(20_000).default(500),
  /** how long a forwarded command or a JetStream publish waits for its answer, ms */
  requestTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
}).strict().refine((c) => c.renewMs * 3 <= c.leaseMs, { path: ['renewMs'], message: 'must be at most a third of leaseMs' });

export type ClusterConfig = z.infer<typeof ClusterConfigSchema>;

const ENV = { NATS_REPLICAS: 'replicas', LEASE_MS: 'leaseMs', LEASE_RENEW_MS: 'renewMs', NATS_REQUEST_TIMEOUT_MS: 'requestTimeoutMs' } as const;

/**
 * The service's configuration and cluster mode's, as both entries (server.ts, gateway.ts) read them; a bad
 * value ends the process with the field named (exit 1). `needCluster`: NATS_URL is required (a gateway).
 */
export function loadConfigsOrExit(needCluster: boolean): { config: ServiceConfig; cluster: ClusterConfig | null } {
  try {
    const config = loadServiceConfig();
    const cluster = loadClusterConfig();
    if (needCluster && cluster === null) throw new ConfigError('NATS_URL', 'a gateway needs NATS_URL (the NATS servers the quoting instances publish to)');
    return { config, cluster };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

/** NATS_URL, NATS_CREDS, INSTANCE_ID (default: host name + pid), NATS_REPLICAS, LEASE_MS, LEASE_RENEW_MS, NATS_REQUEST_TIMEOUT_MS; null without NATS_URL. */
export function loadClusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig | null {
  if (env.NATS_URL === undefined || env.NATS_URL === '') return null;
  const input: Record<string, unknown> = {
    natsUrl: env.NATS_URL,
    natsCreds: env.NATS_CREDS || null,
    instanceId: env.INSTANCE_ID || `${hostname()}-${process.pid}`,
  };
  for (const [name, key] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
    input[key] = n;
  }
  const r = ClusterConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ConfigError(issue.path.join('.'), issue.message);
}
