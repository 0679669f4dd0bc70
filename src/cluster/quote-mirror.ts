/**
 * A gateway's view of the quotes: for each agent one of its clients asked
 * for, a subscription to `mm.quotes.<agent>.>`, then the last message of
 * every symbol (MM_QUOTES keeps one per subject) read once with an ordered
 * consumer. Each message is kept as the symbol's last (what a newcomer gets
 * as its snapshot) and handed, unchanged, to the hub's subscribers: the bytes
 * the owner serialised once are the bytes every client receives. A gateway
 * too slow for NATS loses messages (NATS's slow-consumer limit); its clients
 * see the gap in `seq`, as after conflation.
 *
 * A symbol's first quote in an epoch (after the mirror starts, or after the
 * agent changed owner) goes out as a snapshot, so a subscriber sees the
 * numbering restart as a snapshot with the new epoch, never as a gap.
 *
 * Agents exist for the gateway when they have a lease (bucket MM_OWNERS); a
 * subscribe to any other is refused as by a quoting instance. Bounds: one
 * consumer per leased agent (maxAgents), one message per symbol.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, KvWatchInclude } from '@nats-io/kv';
import type { Quote } from '../agent/quote.js';
import { AGENT_NOT_FOUND } from '../service/errors.js';
import type { QuoteHub, QuoteSource } from '../service/quote-hub.js';
import { asSnapshot } from '../service/stream-client.js';
import { agentQuotes, LEASE_BUCKET, QUOTE_STREAM, untoken } from './subjects.js';

const EPOCH = /"epoch":(\d+)/;
/** the most last values read when an agent's mirror starts; symbols past it arrive with their next quote */
const MAX_LOAD = 100_000;
/** how long the read of last values waits when the agent has none yet, ms */
const LOAD_WAIT_MS = 1_000;

interface Mirrored {
  source: QuoteSource;
  /** last message per symbol, and the epoch it was made in */
  last: Map<string, { message: string; epoch: number }>;
  stop: () => void;
}

export class QuoteMirror {
  private readonly known = new Set<string>();
  private readonly agents = new Map<string, Mirrored>();
  private readonly js: JetStreamClient;
  private stopWatch: (() => void) | null = null;
  /** messages received from NATS, for the gateway's metrics */
  received = 0;

  private constructor(private readonly nc: NatsConnection, private readonly hub: QuoteHub, private readonly onError: (message: string) => void) {
    this.js = jetstream(nc);
  }

  static async open(nc: NatsConnection, hub: QuoteHub, replicas: number, onError: (message: string) => void): Promise<QuoteMirror> {
    const m = new QuoteMirror(nc, hub, onError);
    // created as the quoting instances create it, so that a gateway may start first
    const kv = await new Kvm(nc).create(LEASE_BUCKET, { history: 1, replicas });
    const iter = await kv.watch({ include: KvWatchInclude.LastValue });
    m.stopWatch = () => iter.stop();
    void (async () => {
      for await (const e of iter) {
        const agent = untoken(e.key);
        if (e.operation === 'PUT') m.known.add(agent);
        else m.forget(agent);
      }
    })();
    return m;
  }

  /** The agent's quotes (starting its mirror on first use); AGENT_NOT_FOUND for an agent without a lease. */
  get(agent: string): QuoteSource {
    const got = this.agents.get(agent);
    if (got !== undefined) return got.source;
    if (!this.known.has(agent)) throw new AGENT_NOT_FOUND(agent);
    return this.start(agent).source;
  }

  private start(agent: string): Mirrored {
    const last = new Map<string, { message: string; epoch: number }>();
    const source: QuoteSource = {
      id: agent,
      // the gateway holds messages, not quotes: snapshots are served by snapshotMessage
      quote: (): Quote | undefined => undefined,
      symbolNames: () => last.keys(),
      snapshotMessage: (symbol) => {
        const m = last.get(symbol)?.message;
        return m === undefined ? undefined : asSnapshot(m);
      },
    };
    const mirrored: Mirrored = { source, last, stop: () => sub.unsubscribe() };
    this.agents.set(agent, mirrored);
    const prefixLength = agentQuotes(agent).length - 1;
    const take = (subject: string, message: string, loaded: boolean) => {
      const symbol = untoken(subject.slice(prefixLength));
      const before = last.get(symbol);
      // a stored last value is older than (or the same as) anything that came live meanwhile
      if (loaded && before !== undefined) return;
      this.received++;
      const epoch = Number(EPOCH.exec(message)?.[1] ?? 0);
      last.set(symbol, { message, epoch });
      const first = before === undefined || before.epoch !== epoch || !before.message.startsWith('{"type":"quote"');
      this.hub.publishMessage(agent, symbol, first ? asSnapshot(message) ?? message : message);
    };
    // live messages on a core subscription first (never re-created, so nothing between two quotes is skipped), then the
    // stored last value of each symbol that has not come live yet
    const sub = this.nc.subscribe(agentQuotes(agent), { callback: (err, m) => (err === null ? take(m.subject, m.string(), false) : undefined) });
    void (async () => {
      try {
        const consumer = await this.js.consumers.get(QUOTE_STREAM, { filter_subjects: agentQuotes(agent), deliver_policy: DeliverPolicy.LastPerSubject });
        const batch = await consumer.fetch({ max_messages: MAX_LOAD, expires: LOAD_WAIT_MS });
        for await (const m of batch) {
          take(m.subject, m.string(), true);
          if (m.info.pending === 0) break;
        }
      } catch (err) {
        this.onError(`last quotes of ${agent}: ${(err as Error).message}`);
      }
    })();
    return mirrored;
  }

  private forget(agent: string): void {
    this.known.delete(agent);
    this.agents.get(agent)?.stop();
    this.agents.delete(agent);
    this.hub.dropAgent(agent);
  }

  close(): void {
    this.stopWatch?.();
    for (const m of this.agents.values()) m.stop();
    this.agents.clear();
  }

  get connection(): NatsConnection {
    return this.nc;
  }
}
