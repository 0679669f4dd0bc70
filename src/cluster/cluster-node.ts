/**
 * A quoting instance in cluster mode: its NATS connection, the JetStream
 * ledger, the leases, the quote relay and the forwarding of commands. The app
 * (service/app.ts) uses it through three hooks: the ledger it passes to the
 * pipeline, the relay it gives the hub, and `attach` once the app is built.
 *
 * Taking an agent (at start, for a new agent, or over from an expired owner):
 * lease (CAS) → ledger.adopt (fence, snapshot, entries) → restore into the
 * registry through the same functions as a single process's start → answer
 * `mm.cmd.<agent>` → tell subscribers the new epoch (a withdrawal per symbol:
 * the new owner has no market data yet; its first quote of each symbol then
 * reaches gateway subscribers as a snapshot).
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { MarketMakerConfig } from '../agent/config.js';
import { JetStreamLedger } from '../ledger/jetstream-ledger.js';
import type { QuoteHub, QuoteRelay } from '../service/quote-hub.js';
import { restore } from '../service/recovery.js';
import type { AgentRegistry } from '../service/registry.js';
import type { ClusterConfig } from './cluster-config.js';
import { installForwarding, serveCommands } from './forwarding.js';
import { Leases } from './leases.js';
import { connectNats, ensureQuoteStream } from './nats.js';
import { quoteSubject } from './subjects.js';

/** the reason subscribers see when an agent changes owner (then its quotes restart with a new epoch) */
export const OWNER_CHANGED = 'owner-changed';

export interface ClusterParts {
  registry: AgentRegistry;
  hub: QuoteHub;
  /** the agents of the service's configuration (each instance has the same) */
  configured: Readonly<Record<string, MarketMakerConfig>>;
}

export class ClusterNode {
  readonly relay: QuoteRelay;
  private leases: Leases | null = null;
  private parts: ClusterParts | null = null;
  private app: FastifyInstance | null = null;
  private readonly commands = new Map<string, Subscription>();
  private readonly encoder = new TextEncoder();

  private constructor(readonly config: ClusterConfig, readonly nc: NatsConnection, readonly ledger: JetStreamLedger, private readonly log: FastifyBaseLogger) {
    this.relay = {
      epochOf: (agent) => this.leases?.epochOf(agent),
      // core NATS publish: MM_QUOTES keeps the last per subject; no acknowledgement is awaited on the hot path
      publish: (agent, symbol, message) => this.nc.publish(quoteSubject(agent, symbol), this.encoder.encode(message)),
    };
  }

  static async start(config: ClusterConfig, log: FastifyBaseLogger): Promise<ClusterNode> {
    const nc = await connectNats(config.natsUrl, config.natsCreds, `quoting ${config.instanceId}`);
    try {
      const jsm = await jetstreamManager(nc, { timeout: config.requestTimeoutMs });
      await ensureQuoteStream(jsm, config.replicas);
      const ledger = await JetStreamLedger.open(nc, { replicas: config.replicas, timeoutMs: config.requestTimeoutMs, instance: config.instanceId });
      return new ClusterNode(config, nc, ledger, log);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** Before the routes: requests for agents owned elsewhere are answered by their owner. */
  installForwarding(app: FastifyInstance): void {
    this.app = app;
    installForwarding(app, {
      nc: this.nc,
      timeoutMs: this.config.requestTimeoutMs,
      owns: (agent) => this.leases?.owns(agent) === true,
      ownedElsewhere: (agent) => this.leases !== null && !this.leases.owns(agent) && typeof this.leases.ownerOf(agent) === 'string',
    });
  }

  /** Once the app is ready: claims the configured agents nobody owns, and stands by for the rest. */
  async attach(parts: ClusterParts): Promise<void> {
    this.parts = parts;
    this.leases = await Leases.open(this.nc, this.config.instanceId, { leaseMs: this.config.leaseMs, renewMs: this.config.renewMs }, this.config.replicas, {
      acquired: (agent, epoch) => this.acquired(agent, epoch),
      lost: (agent) => this.lost(agent),
    });
    const leases = this.leases;
    this.ledger.hooks = {
      claim: (agent) => leases.claim(agent),
      deleted: (agent) => {
        this.stopServing(agent);
        void leases.release(agent, true);
      },
      // handed back, so that the first instance to see it (this one included) adopts it again from the ledger
      stale: (agent) => {
        this.lost(agent);
        void leases.release(agent);
      },
    };
    for (const id of Object.keys(parts.configured)) {
      if (leases.ownerOf(id) === undefined) await leases.claim(id);
    }
  }

  private async acquired(agent: string, epoch: number): Promise<void> {
    const parts = this.parts!;
    const recovered = await this.ledger.adopt(agent);
    const { registry } = parts;
    if (registry.has(agent)) registry.delete(agent);
    const config = parts.configured[agent];
    if (config !== undefined) registry.create(agent, config);
    const report = restore(registry, recovered);
    this.commands.set(agent, serveCommands(this.nc, this.app!, agent));
    this.log.info({ agent, epoch, snapshot: report.snapshot, entries: report.entries, skipped: report.skipped.length }, 'agent owned');
    if (epoch > 1 && registry.has(agent)) {
      for (const symbol of registry.get(agent).symbolNames()) parts.hub.publishWithdrawal(agent, symbol, OWNER_CHANGED);
    }
  }

  private stopServing(agent: string): void {
    this.ledger.release(agent);
    this.commands.get(agent)?.unsubscribe();
    this.commands.delete(agent);
  }

  private lost(agent: string): void {
    this.stopServing(agent);
    const registry = this.parts?.registry;
    if (registry?.has(agent) === true) registry.delete(agent);
    this.log.warn({ agent }, 'agent no longer owned here');
  }

  /** After the pipeline's last snapshot: hands every lease back (standbys take over at once) and closes the connection. */
  async close(): Promise<void> {
    await this.leases?.close(true);
    for (const s of this.commands.values()) s.unsubscribe();
    this.commands.clear();
    await this.nc.drain().catch(() => this.nc.close());
  }
}
