/**
 * Fans quotes out to WebSocket subscribers. A quote is serialised once,
 * whatever the number of subscribers, and only when someone listens. A client
 * whose send buffer is over the high-water mark stops receiving every quote:
 * it keeps only the latest per symbol (conflation), delivered, marked
 * `"conflated":true`, once its buffer drains; so a slow client costs bounded
 * memory and never delays the others.
 */
import type { Quote } from '../agent/quote.js';

/** The part of a ws WebSocket the hub uses. */
export interface Socket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  ping(): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
}

const OPEN = 1;
const QUOTE_PREFIX = '{"type":"quote",';
const CONFLATED_PREFIX = '{"type":"quote","conflated":true,';

export class StreamClient {
  /** symbols subscribed one by one, per agent */
  readonly symbols = new Map<string, Set<string>>();
  /** agents subscribed as a whole */
  readonly allOf = new Set<string>();
  /** latest undelivered message per agent/symbol while conflating */
  pending: Map<string, string> | null = null;
  alive = true;

  constructor(readonly socket: Socket) {}

  get subscriptions(): number {
    let n = this.allOf.size;
    for (const s of this.symbols.values()) n += s.size;
    return n;
  }

  send(message: string): void {
    if (this.socket.readyState === OPEN) this.socket.send(message);
  }
}

interface Topic {
  /** clients subscribed to every symbol of the agent */
  all: Set<StreamClient>;
  bySymbol: Map<string, Set<StreamClient>>;
}

export interface HubOptions {
  highWaterBytes: number;
  onConflate: () => void;
  now?: () => number;
}

export class QuoteHub {
  private readonly topics = new Map<string, Topic>();
  readonly clients = new Set<StreamClient>();
  private readonly conflating = new Set<StreamClient>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private controlSeq = 0;

  constructor(private readonly opts: HubOptions) {
    this.now = opts.now ?? Date.now;
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
      for (const key of c.pending.keys()) {
        if (key.startsWith(prefix) && (symbols === '*' || symbols.includes(key.slice(prefix.length)))) c.pending.delete(key);
      }
    }
    if (symbols === '*') {
      topic?.all.delete(c);
      c.allOf.delete(agent);
      for (const s of c.symbols.get(agent) ?? []) topic?.bySymbol.get(s)?.delete(c);
      c.symbols.delete(agent);
      return;
    }
    const mine = c.symbols.get(agent);
    for (const s of symbols) {
      mine?.delete(s);
      const set = topic?.bySymbol.get(s);
      set?.delete(c);
      if (set?.size === 0) topic!.bySymbol.delete(s);
    }
    if (mine?.size === 0) c.symbols.delete(agent);
  }

  /** How many subscriptions `subscribe(c, agent, symbols)` would add. */
  adds(c: StreamClient, agent: string, symbols: readonly string[] | '*'): number {
    if (c.allOf.has(agent)) return 0;
    if (symbols === '*') return 1 - (c.symbols.get(agent)?.size ?? 0);
    const mine = c.symbols.get(agent);
    return new Set(symbols.filter((s) => !mine?.has(s))).size;
  }

  /** Sends a client a message of the protocol (ack, error) in order with anything queued for it; never conflated. */
  control(c: StreamClient, message: string): void {
    this.deliver(c, `\u0001${this.controlSeq++}`, message);
  }

  /** Sends a subscriber the current quote, in order with anything still queued for it. */
  snapshot(c: StreamClient, agent: string, quote: Quote): void {
    this.deliver(c, `${agent}\u0000${quote.symbol}`, quoteMessage(agent, quote, this.now(), true));
  }

  /** Publishes a freshly computed quote to the agent's subscribers of its symbol. */
  publishQuote(agent: string, quote: Quote): void {
    const topic = this.topics.get(agent);
    if (topic === undefined) return;
    const some = topic.bySymbol.get(quote.symbol);
    if (topic.all.size === 0 && (some === undefined || some.size === 0)) return;
    const message = quoteMessage(agent, quote, this.now());
    const key = `${agent}\u0000${quote.symbol}`;
    for (const c of topic.all) this.deliver(c, key, message);
    if (some !== undefined) for (const c of some) this.deliver(c, key, message);
  }

  /** Tells subscribers that a symbol's quote is withdrawn (paused, missing data, numerical error). */
  publishWithdrawal(agent: string, symbol: string, reason: string): void {
    const topic = this.topics.get(agent);
    if (topic === undefined) return;
    const message = JSON.stringify({ type: 'withdrawn', agent, symbol, reason, serverTime: this.now() });
    const key = `${agent}\u0000${symbol}`;
    for (const c of topic.all) this.deliver(c, key, message);
    for (const c of topic.bySymbol.get(symbol) ?? []) this.deliver(c, key, message);
  }

  /** Tells an agent's subscribers it is gone and forgets their subscriptions to it. */
  dropAgent(agent: string): void {
    const topic = this.topics.get(agent);
    if (topic === undefined) return;
    const message = JSON.stringify({ type: 'agent-deleted', agent, serverTime: this.now() });
    const told = new Set<StreamClient>([...topic.all, ...[...topic.bySymbol.values()].flatMap((s) => [...s])]);
    for (const c of told) {
      this.control(c, message);
      c.allOf.delete(agent);
      c.symbols.delete(agent);
    }
    this.topics.delete(agent);
  }

  private deliver(c: StreamClient, key: string, message: string): void {
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
    if (c.pending.delete(key)) this.opts.onConflate();
    c.pending.set(key, message);
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
      this.conflating.delete(c);
      for (const m of pending.values()) c.send(m.startsWith(QUOTE_PREFIX) ? CONFLATED_PREFIX + m.slice(QUOTE_PREFIX.length) : m);
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
  }

  private topic(agent: string): Topic {
    let t = this.topics.get(agent);
    if (t === undefined) this.topics.set(agent, (t = { all: new Set(), bySymbol: new Map() }));
    return t;
  }
}

/** The wire form of a quote: `type` first, so conflation can mark it by prefix; every field of the quote follows. */
export function quoteMessage(agent: string, q: Quote, serverTime: number, snapshot = false): string {
  return JSON.stringify(snapshot ? { type: 'quote', snapshot: true, agent, serverTime, ...q } : { type: 'quote', agent, serverTime, ...q });
}
