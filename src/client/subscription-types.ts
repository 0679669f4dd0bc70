/** The subscription's public shapes: the WebSocket it needs, its events, options and what it asks of the client. */
import type { BackoffOptions } from './backoff.js';
import type { QuotingError } from './errors.js';
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
