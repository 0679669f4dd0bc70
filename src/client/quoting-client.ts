/**
 * The typed client of the quoting service: one method per REST route, named
 * after it and answering its typed reply, and `subscribe` for the quote
 * stream. Runs in Node ≥ 22 and in browsers (fetch and WebSocket are the
 * runtime's); nothing of the server is imported.
 *
 * Retries: a call is repeated (up to `retries` times, with backoff) only when
 * no answer came or the service said "try again later" (503 …), and only
 * where repeating it is exact: reads, fills (the service counts a fill id
 * once), batches made only of fills, pause/resume, a config patch (merging
 * the same patch twice gives the same configuration) and delete (a 404 on a
 * repeat means the first attempt did it). Mids, volatilities, positions and
 * agent creation are sent once: a repeated mid would count twice in the
 * volatility estimate.
 */
import { DEFAULT_RETRY_BACKOFF, type BackoffOptions } from './backoff.js';
import { QuotingError } from './errors.js';
import { call, type Call, type HttpOptions } from './http.js';
import { Subscription, type QuoteListener, type SubscribeOptions, type WebSocketClass } from './subscription.js';
import type {
  AgentDetail, AgentSummary, BatchReply, BatchUpdate, SnapshotReply, FillInput, InventoryReply, MarketMakerConfigInput,
  MidInput, PositionInput, QuoteReply, RiskReply, SymbolView, UpdateReply, VolatilityInput,
} from './types.js';

export interface QuotingClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** a write token (writes and reads) or a read token (reads and the stream) */
  token?: string;
  /** per attempt, and for the stream's subscribe handshake, ms (default 5 000) */
  timeoutMs?: number;
  /** further attempts for calls that are safe to repeat (default 2) */
  retries?: number;
  retryBackoff?: BackoffOptions;
  /** the WebSocket class: the runtime's global one by default; in Node < 22 pass the `ws` package's */
  WebSocket?: WebSocketClass;
  /** the fetch to use (default: the global one) */
  fetch?: typeof fetch;
}

const seg = encodeURIComponent;

/** A random id for a fill the caller sent without one; crypto.randomUUID is in browsers (secure contexts) and Node. */
function fillId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return `client-${c.randomUUID()}`;
  return `client-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

export class QuotingClient {
  readonly baseUrl: string;
  private readonly http: HttpOptions;
  private readonly WebSocket: WebSocketClass | undefined;

  constructor(opts: QuotingClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new TypeError(`baseUrl: not a URL: ${opts.baseUrl}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`baseUrl: expected http: or https:, got ${url.protocol}`);
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    const f = opts.fetch ?? globalThis.fetch;
    this.http = {
      baseUrl: this.baseUrl,
      token: opts.token,
      timeoutMs: opts.timeoutMs ?? 5_000,
      retries: opts.retries ?? 2,
      retryBackoff: opts.retryBackoff ?? DEFAULT_RETRY_BACKOFF,
      fetch: f.bind(globalThis),
    };
    this.WebSocket = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  }

  private call<T>(c: Call): Promise<T> {
    return call<T>(this.http, c);
  }

  private agentPath(agent: string): string {
    return `/v1/agents/${seg(agent)}`;
  }

  private symbolPath(agent: string, symbol: string): string {
    return `${this.agentPath(agent)}/symbols/${seg(symbol)}`;
  }

  // ---- updates --------------------------------------------------------------

  /** POST …/symbols/{symbol}/mid — sent once (a repeat would count twice in the volatility estimate). */
  postMid(agent: string, symbol: string, body: MidInput): Promise<UpdateReply> {
    return this.call({ method: 'POST', path: `${this.symbolPath(agent, symbol)}/mid`, body, idempotent: false });
  }

  /** POST …/symbols/{symbol}/volatility — sigma per √timeUnit of the agent. */
  postVolatility(agent: string, symbol: string, body: VolatilityInput): Promise<UpdateReply> {
    return this.call({ method: 'POST', path: `${this.symbolPath(agent, symbol)}/volatility`, body, idempotent: false });
  }

  /** POST …/symbols/{symbol}/position — the OMS's snapshot; an older `time` than the last is 409 STALE_UPDATE. */
  postPosition(agent: string, symbol: string, body: PositionInput): Promise<UpdateReply> {
    return this.call({ method: 'POST', path: `${this.symbolPath(agent, symbol)}/position`, body, idempotent: false });
  }

  /**
   * POST …/symbols/{symbol}/fills — retried with the same id: the service
   * counts an id once, so a repeat after a lost answer replies `duplicate`
   * instead of counting the fill twice.
   */
  postFill(agent: string, symbol: string, fill: FillInput): Promise<UpdateReply> {
    const body = { ...fill, id: fill.id ?? fillId() };
    return this.call({ method: 'POST', path: `${this.symbolPath(agent, symbol)}/fills`, body, idempotent: true });
  }

  /** POST /v1/agents/{agent}/updates — applied in order, answered per item; retried only when every item is a fill. */
  postBatch(agent: string, updates: readonly BatchUpdate[]): Promise<BatchReply> {
    const idempotent = updates.every((u) => u.type === 'fill');
    return this.call({ method: 'POST', path: `${this.agentPath(agent)}/updates`, body: { updates }, idempotent });
  }

  // ---- agents ---------------------------------------------------------------

  /** GET /v1/agents */
  listAgents(): Promise<{ agents: AgentSummary[] }> {
    return this.call({ method: 'GET', path: '/v1/agents', idempotent: true });
  }

  /** POST /v1/agents — 409 AGENT_EXISTS if the id is taken; sent once. */
  createAgent(id: string, config: MarketMakerConfigInput = {}): Promise<AgentDetail> {
    return this.call({ method: 'POST', path: '/v1/agents', body: { id, config }, idempotent: false });
  }

  /** GET /v1/agents/{agent} — configuration, status, statistics and every symbol's state. */
  agent(agent: string): Promise<AgentDetail> {
    return this.call({ method: 'GET', path: this.agentPath(agent), idempotent: true });
  }

  /** PATCH /v1/agents/{agent}/config — merged into the current configuration, validated as a whole. */
  patchConfig(agent: string, patch: MarketMakerConfigInput): Promise<AgentDetail> {
    return this.call({ method: 'PATCH', path: `${this.agentPath(agent)}/config`, body: patch, idempotent: true });
  }

  /** DELETE /v1/agents/{agent} */
  async deleteAgent(agent: string): Promise<void> {
    await this.call<void>({ method: 'DELETE', path: this.agentPath(agent), body: {}, idempotent: true, doneOnRetry: [404] });
  }

  /** POST /v1/agents/{agent}/pause — every quote withdrawn; inventory keeps being tracked. */
  pause(agent: string): Promise<AgentSummary> {
    return this.call({ method: 'POST', path: `${this.agentPath(agent)}/pause`, body: {}, idempotent: true });
  }

  /** POST /v1/agents/{agent}/resume */
  resume(agent: string): Promise<AgentSummary> {
    return this.call({ method: 'POST', path: `${this.agentPath(agent)}/resume`, body: {}, idempotent: true });
  }

  /** POST …/symbols/{symbol}/pause */
  pauseSymbol(agent: string, symbol: string): Promise<SymbolView> {
    return this.call({ method: 'POST', path: `${this.symbolPath(agent, symbol)}/pause`, body: {}, idempotent: true });
  }

  /** POST …/symbols/{symbol}/resume */
  resumeSymbol(agent: string, symbol: string): Promise<SymbolView> {
    return this.call({ method: 'POST', path: `${this.symbolPath(agent, symbol)}/resume`, body: {}, idempotent: true });
  }

  // ---- risk -----------------------------------------------------------------

  /** POST /v1/halt — the kill switch on: every quote of every agent withdrawn until unhalt() */
  halt(): Promise<{ halted: true; withdrawn: number }> {
    return this.call({ method: 'POST', path: '/v1/halt', body: {}, idempotent: true });
  }

  /** DELETE /v1/halt — the kill switch off: every symbol requoted */
  unhalt(): Promise<{ halted: false }> {
    return this.call({ method: 'DELETE', path: '/v1/halt', body: {}, idempotent: true });
  }

  /** GET /v1/agents/{agent}/risk — limits, their use, the period and any hold */
  risk(agent: string): Promise<RiskReply> {
    return this.call({ method: 'GET', path: `${this.agentPath(agent)}/risk`, idempotent: true });
  }

  /** POST /v1/agents/{agent}/risk/reset — a new risk period from now; quoting resumes */
  resetRisk(agent: string): Promise<RiskReply> {
    return this.call({ method: 'POST', path: `${this.agentPath(agent)}/risk/reset`, body: {}, idempotent: false });
  }

  // ---- reads ----------------------------------------------------------------

  /** GET …/symbols/{symbol}/quote — 404 NO_QUOTE (with the reason) when there is none. */
  quote(agent: string, symbol: string): Promise<QuoteReply> {
    return this.call({ method: 'GET', path: `${this.symbolPath(agent, symbol)}/quote`, idempotent: true });
  }

  /** GET …/symbols/{symbol} — the symbol's whole state. */
  symbol(agent: string, symbol: string): Promise<SymbolView> {
    return this.call({ method: 'GET', path: this.symbolPath(agent, symbol), idempotent: true });
  }

  /** GET /v1/agents/{agent}/inventory — position and P&L per symbol, with totals. */
  inventory(agent: string): Promise<InventoryReply> {
    return this.call({ method: 'GET', path: `${this.agentPath(agent)}/inventory`, idempotent: true });
  }

  // ---- operations -----------------------------------------------------------

  /** POST /v1/ledger/snapshot: writes a snapshot of every agent now (history is kept) */
  snapshotLedger(): Promise<SnapshotReply> {
    return this.call({ method: 'POST', path: '/v1/ledger/snapshot', body: {}, idempotent: true });
  }

  /** GET /healthz */
  health(): Promise<{ status: 'ok' }> {
    return this.call({ method: 'GET', path: '/healthz', idempotent: true });
  }

  /** GET /readyz — 503 (a QuotingError) while shutting down */
  ready(): Promise<{ status: 'ready'; halted: boolean }> {
    return this.call({ method: 'GET', path: '/readyz', idempotent: false });
  }

  /** GET /metrics — Prometheus text */
  metrics(): Promise<string> {
    return this.call({ method: 'GET', path: '/metrics', idempotent: true, text: true });
  }

  // ---- stream ---------------------------------------------------------------

  /**
   * Subscribes to an agent's quotes (`symbols`: a list, or `"*"` for every
   * symbol, present and future). Resolves once the service acknowledged the
   * subscription, to a handle with `close()`, `on(event, …)`, `state` and
   * `stats`; rejects with a QuotingError (UNAUTHORIZED, AGENT_NOT_FOUND,
   * SUBSCRIPTION_LIMIT, NETWORK, TIMEOUT) when it cannot be made. `onQuote`
   * gets every quote in order; while a promise it returned is pending, later
   * quotes of a symbol replace each other (the `conflated` event says how many).
   */
  async subscribe(agent: string, symbols: readonly string[] | '*', onQuote: QuoteListener, opts: SubscribeOptions = {}): Promise<Subscription> {
    if (this.WebSocket === undefined) {
      throw new TypeError('no WebSocket in this runtime: pass one, e.g. new QuotingClient({ baseUrl, WebSocket: (await import("ws")).default })');
    }
    if (symbols !== '*' && symbols.length === 0) throw new TypeError('symbols: a non-empty list or "*"');
    const streamUrl = `${this.baseUrl.replace(/^http/, 'ws')}/v1/stream`;
    const sub = new Subscription({
      streamUrl,
      token: this.http.token,
      timeoutMs: this.http.timeoutMs,
      WebSocket: this.WebSocket,
      fetchQuote: (a, s) => this.quote(a, s),
      diagnose: async (a) => {
        try {
          await this.agent(a);
          return null;
        } catch (err) {
          return err instanceof QuotingError && err.status !== null ? err : null;
        }
      },
    }, agent, symbols === '*' ? '*' : [...symbols], onQuote, opts);
    await sub.start();
    return sub;
  }
}
