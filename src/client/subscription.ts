/**
 * A live subscription to the quote stream (`/v1/stream`) that survives the
 * connection: it reconnects with exponential backoff and jitter, subscribes
 * again (the service then sends a fresh snapshot of every symbol), checks
 * each symbol's `seq` and fetches the current quote over REST after a gap or
 * a new epoch, probes a silent connection and drops it when the probe goes
 * unanswered, and holds at most one undelivered quote per symbol for a
 * consumer slower than the stream.
 *
 * Runs wherever a WebSocket class does: browsers, Node ≥ 22 (global
 * WebSocket), or Node with the `ws` package passed as `WebSocket`.
 */
import { backoffDelay, DEFAULT_RECONNECT_BACKOFF, type BackoffOptions } from './backoff.js';
import { QuotingError } from './errors.js';
import { Heartbeat, PROBE_SYMBOL } from './heartbeat.js';
import { Listeners } from './listeners.js';
import { QuoteDelivery } from './quote-delivery.js';
import { SeqTracker } from './seq-tracker.js';
import { openStream, type Attempt } from './stream-connect.js';
import { drop, streamError, unref, type StreamMessage } from './stream-frames.js';
import type {
  QuoteListener, StreamContext, SubscribeOptions, SubscriptionEvents, SubscriptionState, WebSocketLike,
} from './subscription-types.js';
import type { StreamQuote, StreamWithdrawal } from './types.js';

export { PROBE_SYMBOL } from './heartbeat.js';
export type {
  QuoteListener, StreamContext, SubscribeOptions, SubscriptionEvents, SubscriptionState, WebSocketClass, WebSocketLike,
} from './subscription-types.js';

const OPEN = 1;
const NORMAL_CLOSURE = 1000;

export class Subscription {
  private readonly listeners = new Listeners<SubscriptionEvents>((err) => this.consumerError(err));
  private readonly seqs = new SeqTracker();
  private socket: WebSocketLike | null = null;
  private _state: SubscriptionState = 'connecting';
  private attempt = 0;
  private lostAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private readonly heartbeat: Heartbeat;
  private readonly delivery: QuoteDelivery;
  private readonly resyncing = new Set<string>();
  private resolveClosed!: (v: SubscriptionEvents['closed']) => void;
  /** settles the connection attempt under way, if any */
  private abortAttempt: (() => void) | null = null;
  /** resolves when the subscription has ended, with why */
  readonly closed: Promise<SubscriptionEvents['closed']>;
  readonly stats = { quotes: 0, gaps: 0, resyncs: 0, conflated: 0, reconnects: 0, heartbeatTimeouts: 0, stale: 0 };
  private readonly backoff: BackoffOptions;
  private readonly maxAttempts: number;

  /** Use QuotingClient.subscribe, which resolves once the first subscription is acknowledged. */
  constructor(
    private readonly ctx: StreamContext,
    readonly agent: string,
    readonly symbols: readonly string[] | '*',
    onQuote: QuoteListener,
    opts: SubscribeOptions = {},
  ) {
    this.heartbeat = new Heartbeat(opts.heartbeatIdleMs ?? 15_000, opts.heartbeatTimeoutMs ?? 5_000);
    this.delivery = new QuoteDelivery(onQuote, {
      delivered: () => this.stats.quotes++,
      conflated: (symbol, missed) => {
        this.stats.conflated += missed;
        this.listeners.emit('conflated', { symbol, missed, by: 'client' });
      },
      failed: (err) => this.consumerError(err),
    });
    this.backoff = opts.reconnectBackoff ?? DEFAULT_RECONNECT_BACKOFF;
    this.maxAttempts = opts.maxReconnectAttempts ?? Number.POSITIVE_INFINITY;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  get state(): SubscriptionState {
    return this._state;
  }

  /** The seq of the last quote delivered for `symbol`. */
  lastSeq(symbol: string): number | undefined {
    return this.seqs.last(symbol);
  }

  on<K extends keyof SubscriptionEvents>(type: K, listener: (payload: SubscriptionEvents[K]) => void): () => void {
    return this.listeners.on(type, listener);
  }

  /** The first connection: resolves once subscribed, rejects (and closes) when it cannot be made. */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      this.finish('subscribe failed', err as QuotingError);
      throw err;
    }
    this.heartbeatTimer = setInterval(() => this.checkHeartbeat(), this.heartbeat.checkEveryMs);
    unref(this.heartbeatTimer);
  }

  /** Ends the subscription and its connection; nothing is delivered after it resolves. */
  async close(): Promise<void> {
    this.finish('closed by the caller');
    await this.closed;
  }

  private setState(state: SubscriptionState): void {
    if (this._state === state) return;
    this._state = state;
    this.listeners.emit('state', { state, attempt: this.attempt });
  }

  /** Opens a socket and subscribes; settles on the acknowledgement, a refusal, or the timeout. */
  private connect(): Promise<void> {
    let attempt: Attempt;
    try {
      attempt = openStream(this.ctx, this.agent, this.symbols, {
        heard: () => this.heartbeat.heard(Date.now()),
        acknowledged: () => {
          if (this.abortAttempt === attempt.abort) this.abortAttempt = null;
          this.subscribed();
        },
        message: (msg) => this.onMessage(msg),
        closed: (ws, code, reason) => {
          if (this.socket === ws) this.lost(code, reason);
        },
        failed: (ws) => {
          if (this.socket === ws) this.socket = null;
          if (this.abortAttempt === attempt.abort) this.abortAttempt = null;
        },
      });
    } catch (err) {
      return Promise.reject(err);
    }
    this.socket = attempt.socket;
    this.abortAttempt = attempt.abort;
    return attempt.settled;
  }

  private onMessage(msg: StreamMessage): void {
    switch (msg.type) {
      case 'quote':
        if (msg.agent === this.agent) this.onStreamQuote(msg as unknown as StreamQuote);
        return;
      case 'withdrawn':
        if (msg.agent !== this.agent) return;
        this.seqs.withdrawn(String(msg.symbol));
        this.delivery.forget(String(msg.symbol));
        this.listeners.emit('withdrawn', msg as unknown as StreamWithdrawal);
        return;
      case 'agent-deleted':
        if (msg.agent !== this.agent) return;
        this.listeners.emit('agent-deleted', { agent: this.agent });
        this.finish('agent deleted');
        return;
      case 'error':
        this.listeners.emit('error', streamError(msg));
        return;
      default:
        // subscribed, unsubscribed (probe answers), and types added later
    }
  }

  private onStreamQuote(q: StreamQuote): void {
    const v = this.seqs.check(q.symbol, q);
    switch (v.kind) {
      case 'stale':
        this.stats.stale++;
        return;
      case 'gap':
        this.stats.gaps++;
        this.listeners.emit('resync', { symbol: q.symbol, reason: 'gap', expected: v.expected, received: q.seq, missed: v.missed });
        void this.resync(q.symbol);
        break;
      case 'epoch':
        this.listeners.emit('resync', { symbol: q.symbol, reason: 'epoch', received: q.seq });
        void this.resync(q.symbol);
        break;
      case 'skip':
        if (q.conflated === true) {
          this.stats.conflated += v.missed;
          this.listeners.emit('conflated', { symbol: q.symbol, missed: v.missed, by: 'server' });
        }
        break;
      default:
    }
    this.enqueue(q);
  }

  /** Fetches the symbol's current quote over REST and delivers it if newer than what was delivered; one at a time per symbol. */
  private async resync(symbol: string): Promise<void> {
    if (this.resyncing.has(symbol)) return;
    this.resyncing.add(symbol);
    this.stats.resyncs++;
    try {
      const r = await this.ctx.fetchQuote(this.agent, symbol);
      if (this._state === 'closed') return;
      const q: StreamQuote = { type: 'quote', agent: this.agent, serverTime: Date.now(), snapshot: true, ...r.quote };
      if (this.seqs.check(symbol, q).kind !== 'stale') this.enqueue(q);
    } catch (err) {
      // NO_QUOTE: the symbol has no quote now (a withdrawal follows on the stream)
      if (!(err instanceof QuotingError && err.code === 'NO_QUOTE')) this.listeners.emit('error', err as QuotingError);
    } finally {
      this.resyncing.delete(symbol);
    }
  }

  private enqueue(q: StreamQuote): void {
    if (this._state !== 'closed') this.delivery.push(q);
  }

  private consumerError(err: unknown): void {
    this.listeners.emit('error', new QuotingError({ code: 'CONSUMER_ERROR', message: `a listener threw: ${(err as Error)?.message ?? String(err)}`, cause: err }));
  }

  private checkHeartbeat(): void {
    const ws = this.socket;
    if (ws === null || this._state !== 'live' || ws.readyState !== OPEN) return;
    const now = Date.now();
    const due = this.heartbeat.due(now);
    if (due === 'probe') ws.send(JSON.stringify({ op: 'unsubscribe', agent: this.agent, symbols: [PROBE_SYMBOL] }));
    else if (due === 'dead') {
      this.stats.heartbeatTimeouts++;
      this.listeners.emit('heartbeat-timeout', { silentMs: this.heartbeat.silentMs(now) });
      this.socket = null;
      drop(ws);
      this.lost(4000, 'heartbeat timeout');
    }
  }

  /** The connection is gone: deliver nothing stale, then try again after a backoff. */
  private lost(code: number, reason: string): void {
    if (this._state === 'closed') return;
    this.socket = null;
    if (this._state === 'live') this.lostAt = Date.now();
    this.delivery.clear();
    if (this.attempt >= this.maxAttempts) {
      this.finish(`gave up after ${this.attempt} reconnect attempts`, new QuotingError({ code: 'CLOSED', message: `stream lost (${code} ${reason})` }));
      return;
    }
    const retryInMs = backoffDelay(this.attempt, this.backoff);
    this.attempt++;
    this.setState('reconnecting');
    this.listeners.emit('disconnected', { code, reason, attempt: this.attempt, retryInMs });
    this.retryTimer = setTimeout(() => void this.reconnect(), retryInMs);
  }

  private async reconnect(): Promise<void> {
    this.retryTimer = null;
    if (this._state === 'closed') return;
    try {
      await this.connect();
    } catch (err) {
      const e = err as QuotingError;
      // close() may have run while the attempt was under way
      if (this.state === 'closed') return;
      if (e.unauthorised) {
        this.finish('the token was refused', e);
        return;
      }
      if (e.code !== 'NETWORK' && e.code !== 'TIMEOUT') this.listeners.emit('error', e);
      this.lost(0, e.message);
      return;
    }
  }

  /** The service acknowledged the subscription: live, and after a loss, the snapshots that follow are the new baselines. */
  private subscribed(): void {
    if (this._state === 'connecting') {
      this.setState('live');
      return;
    }
    this.seqs.reset();
    this.stats.reconnects++;
    const attempts = this.attempt;
    this.attempt = 0;
    this.setState('live');
    this.listeners.emit('reconnected', { attempts, downMs: Date.now() - this.lostAt });
  }

  private finish(reason: string, error?: QuotingError): void {
    if (this._state === 'closed') return;
    this.setState('closed');
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.delivery.stop();
    const ws = this.socket;
    this.socket = null;
    if (ws !== null) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close(NORMAL_CLOSURE);
    }
    this.abortAttempt?.();
    const payload = error === undefined ? { reason } : { reason, error };
    this.listeners.emit('closed', payload);
    this.resolveClosed(payload);
  }
}
