/**
 * Fans quotes out to WebSocket subscribers. A quote is serialised once,
 * whatever the number of subscribers, and only when someone listens. A client
 * whose send buffer is over the high-water mark stops receiving every quote:
 * it keeps only the latest per symbol (conflation), delivered, marked
 * `"conflated":true`, once its buffer drains; so a slow client costs bounded
 * memory and never delays the others.
 *
 * Every message to a client counts against its queue bound (`maxQueueBytes`:
 * bytes in the socket's buffer plus bytes waiting here, protocol replies and
 * errors included, which are never conflated). A client past it is closed
 * with 1013 and forgotten at once. Snapshots after a subscribe are sent in
 * slices, only while the client keeps up (snapshot-sender.ts); a client's own
 * state is in stream-client.ts. In cluster mode every quote also goes to the relay.
 */
import type { Quote } from '../agent/index.js';
import { Epochs } from './epochs.js';
import { SnapshotSender } from './snapshot-sender.js';
import { OPEN, POLICY_VIOLATION, QUOTE_PREFIX, quoteMessage, StreamClient, TRY_AGAIN_LATER, type HubOptions, type QuoteRelay, type QuoteSource, type Socket } from './stream-client.js';

export { POLICY_VIOLATION, quoteMessage, StreamClient, TRY_AGAIN_LATER, type QuoteRelay, type QuoteSource, type Socket };

/** a closed client that does not complete the closing handshake (it is not reading) is cut off after this */
const CLOSE_HANDSHAKE_MS = 1_000;

interface Topic {
  /** clients subscribed to every symbol of the agent */
  all: Set<StreamClient>;
  bySymbol: Map<string, Set<StreamClient>>;
}

export class QuoteHub {
  /** the epoch every stream message carries (./epochs.ts) */
  readonly epochs: Epochs;
  private readonly topics = new Map<string, Topic>();
  readonly clients = new Set<StreamClient>();
  private readonly conflating = new Set<StreamClient>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly snapshots: SnapshotSender;
  private readonly now: () => number;
  private readonly maxQueueBytes: number;
  private controlSeq = 0;
  relay: QuoteRelay | null = null; // cluster mode only (src/cluster/plugin.ts): where every quote and withdrawal also goes

  constructor(private readonly opts: HubOptions) {
    this.now = opts.now ?? Date.now;
    this.epochs = new Epochs(opts.epoch);
    this.maxQueueBytes = opts.maxQueueBytes ?? Number.POSITIVE_INFINITY;
    // a source of messages (a gateway's mirror) gives its own snapshot; an agent's quote is serialised by `snapshot`
    this.snapshots = new SnapshotSender(opts.highWaterBytes, (c, agent, source, symbol) => {
      const m = source.snapshotMessage?.(symbol) ?? source.quote(symbol);
      if (typeof m === 'string') this.deliver(c, `${agent}\u0000${symbol}`, m);
      else if (m) this.snapshot(c, agent, m);
    });
  }

  get subscriptionCount(): number {
    let n = 0;
    for (const c of this.clients) n += c.subscriptions;
    return n;
  }

  add(socket: Socket): StreamClient {
    const c = new StreamClient(socket);
    this.clients.add(c);
    return c;
  }

  remove(c: StreamClient): void {
    c.closed = true;
    c.snapshots = null;
    c.pending = null;
    c.pendingBytes = 0;
    this.snapshots.forget(c);
    for (const agent of c.allOf) this.topics.get(agent)?.all.delete(c);
    for (const [agent, symbols] of c.symbols) this.unsubscribe(c, agent, [...symbols]);
    this.clients.delete(c);
    this.conflating.delete(c);
  }

  subscribe(c: StreamClient, agent: string, symbols: readonly string[] | '*'): void {
    const topic = this.topic(agent);
    if (symbols === '*') {
      // an agent-wide subscription replaces the symbol ones, so no quote arrives twice
      for (const s of c.symbols.get(agent) ?? []) topic.bySymbol.get(s)?.delete(c);
      c.symbols.delete(agent);
      c.allOf.add(agent);
      topic.all.add(c);
      return;
    }
    if (c.allOf.has(agent)) return;
    let mine = c.symbols.get(agent);
    if (mine === undefined) c.symbols.set(agent, (mine = new Set()));
    for (const s of symbols) {
      mine.add(s);
      let set = topic.bySymbol.get(s);
      if (set === undefined) topic.bySymbol.set(s, (set = new Set()));
      set.add(c);
    }
  }

  unsubscribe(c: StreamClient, agent: string, symbols: readonly string[] | '*'): void {
    const topic = this.topics.get(agent);
    if (c.pending !== null) {
      // queued quotes of what is unsubscribed are no longer wanted
      const prefix = `${agent}\u0000`;
      for (const [key, m] of c.pending) {
        if (key.startsWith(prefix) && (symbols === '*' || symbols.includes(key.slice(prefix.length)))) {
          c.pending.delete(key);
          c.pendingBytes -= m.length;
        }
      }
    }
    if (symbols === '*') c.snapshots?.delete(agent);
    if (symbols === '*') {
      topic?.all.delete(c);
      c.allOf.delete(agent);
      for (const s of c.symbols.get(agent) ?? []) topic?.bySymbol.get(s)?.delete(c);
      c.symbols.delete(agent);
      return;
    }
    const mine = c.symbols.get(agent);
    const owed = c.snapshots?.get(agent);
    for (const s of symbols) {
      mine?.delete(s);
      owed?.names.delete(s);
      const set = topic?.bySymbol.get(s);
      set?.delete(c);
      if (set?.size === 0) topic!.bySymbol.delete(s);
    }
    if (mine?.size === 0) c.symbols.delete(agent);
  }

  /**
   * Sends the current quotes of `symbols` ('*': every symbol of the source, skipping those the client
   * subscribed one by one before) as snapshots, in slices, while the client keeps up.
   */
  queueSnapshots(c: StreamClient, source: QuoteSource, symbols: readonly string[] | '*', known: ReadonlySet<string> = new Set()): void {
    this.snapshots.queue(c, source, symbols, known);
  }

  /** An invalid message from the client: false (and the client closed with 1008) once it is over the allowed rate. */
  invalid(c: StreamClient): boolean {
    const rate = this.opts.invalidPerSecond;
    if (rate === undefined) return true;
    if (c.takeInvalid(rate, this.now())) return true;
    this.kick(c, POLICY_VIOLATION, `more than ${rate} invalid messages per second`, 'invalid');
    return false;
  }

  /** Closes a client for cause, forgets it at once, and cuts it off if it does not answer the close. */
  kick(c: StreamClient, code: number, reason: string, why: 'slow' | 'invalid'): void {
    if (c.closed) return;
    this.remove(c);
    this.opts.onKick?.(why);
    const socket = c.socket;
    if (socket.readyState === OPEN) socket.close(code, reason);
    setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
  }

  /** Sends a client a message of the protocol (ack, error) in order with anything queued for it; never conflated. */
  control(c: StreamClient, message: string): void {
    this.deliver(c, `\u0001${this.controlSeq++}`, message);
  }

  /** Sends a subscriber the current quote, in order with anything still queued for it. */
  snapshot(c: StreamClient, agent: string, quote: Quote): void {
    this.deliver(c, `${agent}\u0000${quote.symbol}`, quoteMessage(agent, quote, this.now(), this.epochOf(agent), true));
  }

  /** Publishes a freshly computed quote to the agent's subscribers of its symbol (and to the relay, in cluster mode). */
  publishQuote(agent: string, quote: Quote): void {
    const relay = this.relay;
    if (relay === null) {
      // serialised only when someone listens
      const topic = this.topics.get(agent);
      if (topic === undefined || (topic.all.size === 0 && (topic.bySymbol.get(quote.symbol)?.size ?? 0) === 0)) return;
    }
    const message = quoteMessage(agent, quote, this.now(), this.epochOf(agent));
    relay?.publish(agent, quote.symbol, message);
    this.publishMessage(agent, quote.symbol, message);
  }

  /** Tells subscribers that a symbol's quote is withdrawn (paused, missing data, numerical error). */
  publishWithdrawal(agent: string, symbol: string, reason: string): void {
    if (this.relay === null && !this.topics.has(agent)) return;
    const message = JSON.stringify({ type: 'withdrawn', agent, symbol, reason, serverTime: this.now(), epoch: this.epochOf(agent) });
    this.relay?.publish(agent, symbol, message);
    this.publishMessage(agent, symbol, message);
  }

  /** Delivers a message already serialised (a quote or withdrawal, from the relay) to the symbol's subscribers. */
  publishMessage(agent: string, symbol: string, message: string): void {
    const topic = this.topics.get(agent);
    if (topic === undefined) return;
    const key = `${agent}\u0000${symbol}`;
    for (const c of topic.all) this.deliver(c, key, message);
    for (const c of topic.bySymbol.get(symbol) ?? []) this.deliver(c, key, message);
  }

  /**
   * The epoch of an agent's messages: in cluster mode the owner's lease epoch (a number that grows with each
   * owner), otherwise this run's epoch for the agent (./epochs.ts). Either changes exactly when seq restarts.
   */
  private epochOf(agent: string): string | number {
    return this.relay?.epochOf(agent) ?? this.epochs.of(agent);
  }

  /** Tells an agent's subscribers it is gone and forgets their subscriptions to it. */
  dropAgent(agent: string): void {
    const topic = this.topics.get(agent);
    const epoch = this.epochs.drop(agent);
    if (topic === undefined) return;
    const message = JSON.stringify({ type: 'agent-deleted', agent, serverTime: this.now(), epoch });
    const told = new Set<StreamClient>([...topic.all, ...[...topic.bySymbol.values()].flatMap((s) => [...s])]);
    for (const c of told) {
      this.control(c, message);
      c.allOf.delete(agent);
      c.symbols.delete(agent);
      c.snapshots?.delete(agent);
    }
    this.topics.delete(agent);
  }

  private deliver(c: StreamClient, key: string, message: string): void {
    if (c.closed) return;
    if (c.pending === null && c.socket.bufferedAmount <= this.opts.highWaterBytes) {
      c.send(message);
      return;
    }
    if (c.pending === null) {
      c.pending = new Map();
      this.conflating.add(c);
      this.scheduleFlush();
    }
    // a replaced quote moves behind what was queued since, so the client sees messages in the order they were made
    const replaced = c.pending.get(key);
    if (replaced !== undefined) {
      c.pending.delete(key);
      c.pendingBytes -= replaced.length;
      this.opts.onConflate();
    }
    c.pending.set(key, message);
    c.pendingBytes += message.length;
    if (c.socket.bufferedAmount + c.pendingBytes > this.maxQueueBytes) this.kick(c, TRY_AGAIN_LATER, 'too slow: queue bound exceeded', 'slow');
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null) return;
    this.flushTimer = setInterval(() => this.flush(), 20);
    this.flushTimer.unref();
  }

  /** Sends the latest message per symbol to each conflating client whose buffer has drained below half the mark. */
  private flush(): void {
    for (const c of this.conflating) {
      if (c.socket.readyState !== OPEN) {
        this.conflating.delete(c);
        continue;
      }
      if (c.socket.bufferedAmount > this.opts.highWaterBytes / 2) continue;
      const pending = c.pending!;
      c.pending = null;
      c.pendingBytes = 0;
      this.conflating.delete(c);
      for (const m of pending.values()) c.send(m.startsWith(QUOTE_PREFIX) ? `{"type":"quote","conflated":true,${m.slice(QUOTE_PREFIX.length)}` : m);
    }
    if (this.conflating.size === 0 && this.flushTimer !== null) {
      clearInterval(this.flushTimer);
      this.flushTimer = null;
    }
  }

  /** Pings every client; one that has not answered the previous ping is cut off. */
  heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.socket.terminate();
        this.remove(c);
        continue;
      }
      c.alive = false;
      if (c.socket.readyState === OPEN) c.socket.ping();
    }
  }

  close(): void {
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.snapshots.close();
  }

  private topic(agent: string): Topic {
    let t = this.topics.get(agent);
    if (t === undefined) this.topics.set(agent, (t = { all: new Set(), bySymbol: new Map() }));
    return t;
  }
}


