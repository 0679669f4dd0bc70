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
import { Listeners } from './listeners.js';
import { SeqTracker } from './seq-tracker.js';
import type { QuoteReply, StreamQuote, StreamWithdrawal } from './types.js';

/** The part of the WHATWG WebSocket the client uses (browsers, Node's global, and `ws` all have it). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketClass = new (url: string) => WebSocketLike;

export type SubscriptionState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface SubscriptionEvents {
  /** every change of state; `attempt` counts reconnect attempts since the connection was lost */
  state: { state: SubscriptionState; attempt: number };
  /** the connection was lost; the next attempt starts in `retryInMs` */
  disconnected: { code: number; reason: string; attempt: number; retryInMs: number };
  /** subscribed again after a loss; fresh snapshots (`snapshot: true`) follow */
  reconnected: { attempts: number; downMs: number };
  /** a symbol's quotes were found missing (`gap`) or renumbered (`epoch`); its current quote is fetched and delivered */
  resync: { symbol: string; reason: 'gap' | 'epoch'; expected?: number; received: number; missed?: number };
  /** quotes skipped for a slow reader: by the server (marked `conflated`) or by this client while `onQuote` was busy */
  conflated: { symbol: string; missed: number; by: 'server' | 'client' };
  withdrawn: StreamWithdrawal;
  /** the connection was silent, a probe went unanswered for `heartbeatTimeoutMs`, and it is being replaced */
  'heartbeat-timeout': { silentMs: number };
  /** the agent was deleted; the subscription closes */
  'agent-deleted': { agent: string };
  /** an error the stream goes on after: a message the service refused, a failed resync, `onQuote` throwing */
  error: QuotingError;
  /** the subscription ended: `close()`, the agent deleted, a token refused, or reconnect attempts exhausted */
  closed: { reason: string; error?: QuotingError };
}

export interface SubscribeOptions {
  /** a connection silent this long is probed, ms (default 15 000) */
  heartbeatIdleMs?: number;
  /** and dropped when the probe is not answered within this, ms (default 5 000) */
  heartbeatTimeoutMs?: number;
  /** delays between reconnect attempts (default 250 ms doubling to 10 s, with jitter) */
  reconnectBackoff?: BackoffOptions;
  /** attempts after a loss before giving up and closing (default: no limit) */
  maxReconnectAttempts?: number;
}

/** Called with each quote; a returned promise is awaited before the next quote is delivered (what it resolves to is ignored). */
export type QuoteListener = (quote: StreamQuote) => unknown;

/** What the subscription needs from the client that made it. */
export interface StreamContext {
  streamUrl: string;
  token: string | undefined;
  timeoutMs: number;
  WebSocket: WebSocketClass;
  /** the current quote, for a resync (GET …/symbols/{symbol}/quote) */
  fetchQuote(agent: string, symbol: string): Promise<QuoteReply>;
  /** why a connection failed before it opened: the REST answer for the agent (401, 403, 404), or nothing */
  diagnose(agent: string): Promise<QuotingError | null>;
}

const OPEN = 1;
const NORMAL_CLOSURE = 1000;
/**
 * The heartbeat probe: unsubscribing a symbol this client never subscribes
 * changes nothing on the service and is always answered (`unsubscribed`),
 * which works on every transport, browsers included, where protocol pings
 * are invisible to scripts.
 */
export const PROBE_SYMBOL = 'client.heartbeat.probe';

interface Attempt {
  resolve: () => void;
  reject: (e: QuotingError) => void;
}

export class Subscription {
  private readonly listeners = new Listeners<SubscriptionEvents>((err) => this.consumerError(err));
  private readonly seqs = new SeqTracker();
  private socket: WebSocketLike | null = null;
  private _state: SubscriptionState = 'connecting';
  private attempt = 0;
  private lostAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastMessageAt = 0;
  private probeSentAt: number | null = null;
  /** the latest undelivered quote per symbol while onQuote is busy: at most one per symbol */
  private readonly pending = new Map<string, StreamQuote>();
  private delivering = false;
  private readonly resyncing = new Set<string>();
  private resolveClosed!: (v: SubscriptionEvents['closed']) => void;
  /** settles the connection attempt under way, if any */
  private abortAttempt: (() => void) | null = null;
  /** resolves when the subscription has ended, with why */
  readonly closed: Promise<SubscriptionEvents['closed']>;
  readonly stats = { quotes: 0, gaps: 0, resyncs: 0, conflated: 0, reconnects: 0, heartbeatTimeouts: 0, stale: 0 };
  private readonly idleMs: number;
  private readonly probeTimeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly maxAttempts: number;

  /** Use QuotingClient.subscribe, which resolves once the first subscription is acknowledged. */
  constructor(
    private readonly ctx: StreamContext,
    readonly agent: string,
    readonly symbols: readonly string[] | '*',
    private readonly onQuote: QuoteListener,
    opts: SubscribeOptions = {},
  ) {
    this.idleMs = opts.heartbeatIdleMs ?? 15_000;
    this.probeTimeoutMs = opts.heartbeatTimeoutMs ?? 5_000;
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
    this.heartbeatTimer = setInterval(() => this.checkHeartbeat(), Math.max(50, Math.min(this.idleMs, this.probeTimeoutMs) / 2));
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
    return new Promise<void>((resolve, reject) => {
      const url = this.ctx.token === undefined ? this.ctx.streamUrl : `${this.ctx.streamUrl}?token=${encodeURIComponent(this.ctx.token)}`;
      let ws: WebSocketLike;
      try {
        ws = new this.ctx.WebSocket(url);
      } catch (err) {
        reject(new QuotingError({ code: 'NETWORK', message: `cannot open ${this.ctx.streamUrl}: ${(err as Error).message}`, cause: err }));
        return;
      }
      this.socket = ws;
      let opened = false;
      let settled: Attempt | null = { resolve, reject };
      const settle = (err?: QuotingError) => {
        if (settled === null) return;
        const s = settled;
        settled = null;
        clearTimeout(timer);
        if (err === undefined) s.resolve();
        else {
          if (this.socket === ws) this.socket = null;
          if (this.abortAttempt === abort) this.abortAttempt = null;
          drop(ws);
          s.reject(err);
        }
      };
      const timer = setTimeout(() => settle(new QuotingError({
        code: 'TIMEOUT', message: `no subscription to ${this.agent} on ${this.ctx.streamUrl} within ${this.ctx.timeoutMs} ms`,
      })), this.ctx.timeoutMs);
      // close() during the attempt settles it at once rather than at the timeout
      const abort = () => settle(new QuotingError({ code: 'CLOSED', message: 'the subscription was closed' }));
      this.abortAttempt = abort;

      ws.onopen = () => {
        opened = true;
        this.lastMessageAt = Date.now();
        this.probeSentAt = null;
        ws.send(JSON.stringify({ op: 'subscribe', agent: this.agent, symbols: this.symbols }));
      };
      ws.onmessage = (ev) => {
        this.lastMessageAt = Date.now();
        this.probeSentAt = null;
        const msg = parse(ev.data);
        if (msg === null) return;
        if (settled !== null) {
          // before the acknowledgement only the answer to the subscribe matters
          if (msg.type === 'subscribed' && msg.agent === this.agent) {
            // synchronously, before the snapshots that may follow in the same read are handled
            if (this.abortAttempt === abort) this.abortAttempt = null;
            this.subscribed();
            settle();
          }
          else if (msg.type === 'error') settle(streamError(msg));
          return;
        }
        this.onMessage(msg);
      };
      ws.onerror = () => {
        // the close that follows says more; a failure before open is diagnosed over REST
      };
      ws.onclose = (ev) => {
        if (settled !== null) {
          const fallback = new QuotingError({
            code: 'NETWORK', message: `${this.ctx.streamUrl}: connection ${opened ? `closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})` : 'refused'} before the subscription`,
          });
          if (opened) settle(fallback);
          // a refused upgrade says nothing to a script (no status in the WebSocket API): ask the REST API why
          else void this.ctx.diagnose(this.agent).then((e) => settle(e ?? fallback), () => settle(fallback));
          return;
        }
        if (this.socket === ws) this.lost(ev.code, ev.reason);
      };
    });
  }

  private onMessage(msg: StreamMessage): void {
    switch (msg.type) {
      case 'quote':
        if (msg.agent === this.agent) this.onStreamQuote(msg as unknown as StreamQuote);
        return;
      case 'withdrawn':
        if (msg.agent !== this.agent) return;
        this.seqs.withdrawn(String(msg.symbol));
        this.pending.delete(String(msg.symbol));
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

  /** Delivers in arrival order; while an async onQuote is busy, keeps only the latest quote per symbol. */
  private enqueue(q: StreamQuote): void {
    if (this._state === 'closed') return;
    const replaced = this.pending.get(q.symbol);
    if (replaced !== undefined) {
      this.pending.delete(q.symbol);
      const missed = q.seq > replaced.seq ? q.seq - replaced.seq : 1;
      this.stats.conflated += missed;
      this.listeners.emit('conflated', { symbol: q.symbol, missed, by: 'client' });
      q = { ...q, conflated: true };
    }
    this.pending.set(q.symbol, q);
    if (!this.delivering) void this.drain();
  }

  private async drain(): Promise<void> {
    this.delivering = true;
    try {
      while (this.pending.size > 0 && this._state !== 'closed') {
        const [symbol, q] = this.pending.entries().next().value as [string, StreamQuote];
        this.pending.delete(symbol);
        this.stats.quotes++;
        try {
          const r = this.onQuote(q);
          if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') await (r as PromiseLike<unknown>);
        } catch (err) {
          this.consumerError(err);
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  private consumerError(err: unknown): void {
    this.listeners.emit('error', new QuotingError({ code: 'CONSUMER_ERROR', message: `a listener threw: ${(err as Error)?.message ?? String(err)}`, cause: err }));
  }

  private checkHeartbeat(): void {
    const ws = this.socket;
    if (ws === null || this._state !== 'live' || ws.readyState !== OPEN) return;
    const now = Date.now();
    if (this.probeSentAt !== null) {
      if (now - this.probeSentAt < this.probeTimeoutMs) return;
      this.stats.heartbeatTimeouts++;
      this.listeners.emit('heartbeat-timeout', { silentMs: now - this.lastMessageAt });
      this.socket = null;
      drop(ws);
      this.lost(4000, 'heartbeat timeout');
      return;
    }
    if (now - this.lastMessageAt >= this.idleMs) {
      this.probeSentAt = now;
      ws.send(JSON.stringify({ op: 'unsubscribe', agent: this.agent, symbols: [PROBE_SYMBOL] }));
    }
  }

  /** The connection is gone: deliver nothing stale, then try again after a backoff. */
  private lost(code: number, reason: string): void {
    if (this._state === 'closed') return;
    this.socket = null;
    if (this._state === 'live') this.lostAt = Date.now();
    this.pending.clear();
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
    this.pending.clear();
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

type StreamMessage = { type: string; agent?: unknown; symbol?: unknown } & Record<string, unknown>;

function parse(data: unknown): StreamMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const m = JSON.parse(data) as unknown;
    return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' ? (m as StreamMessage) : null;
  } catch {
    return null;
  }
}

function streamError(msg: StreamMessage): QuotingError {
  return new QuotingError({
    code: typeof msg.code === 'string' ? msg.code : 'INVALID_MESSAGE',
    message: typeof msg.message === 'string' ? msg.message : 'the stream refused a message',
    field: typeof msg.field === 'string' ? msg.field : undefined,
  });
}

/** Detaches and closes a socket; `ws` sockets are cut at once (a dead peer never completes the closing handshake). */
function drop(ws: WebSocketLike, code?: number): void {
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  const terminate = (ws as { terminate?: () => void }).terminate;
  if (typeof terminate === 'function') terminate.call(ws);
  else ws.close(code);
}

/** Node's timers keep the process alive unless unref'd; browsers' timers are numbers. */
function unref(t: unknown): void {
  (t as { unref?: () => void }).unref?.();
}
