/**
 * One WebSocket client of the quote stream, as the hub sees it: its
 * subscriptions, its conflation queue, the snapshots still owed to it; and
 * the wire form of a quote.
 */
import type { Quote } from '../agent/index.js';

/** The part of a ws WebSocket the hub uses. */
export interface Socket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  ping(): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
}

export const OPEN = 1;
/** WebSocket close codes (RFC 6455 §7.4.1, IANA registry) */
export const POLICY_VIOLATION = 1008;
export const TRY_AGAIN_LATER = 1013;

export class StreamClient {
  /** symbols subscribed one by one, per agent */
  readonly symbols = new Map<string, Set<string>>();
  /** agents subscribed as a whole */
  readonly allOf = new Set<string>();
  /** latest undelivered message per agent/symbol while conflating */
  pending: Map<string, string> | null = null;
  /** the length of every message in `pending` (UTF-16 units; the protocol is ASCII apart from ids) */
  pendingBytes = 0;
  /** snapshots still to send, per agent: the names to go through, and where the quotes come from */
  snapshots: Map<string, SnapshotJob> | null = null;
  /** invalid messages the client may still send (token bucket, refilled at the configured rate) */
  invalidAllowance = Number.NaN;
  invalidCheckedAt = 0;
  alive = true;
  /** closed by the service or gone; nothing more is sent or accepted */
  closed = false;

  constructor(readonly socket: Socket) {}

  get subscriptions(): number {
    let n = this.allOf.size;
    for (const s of this.symbols.values()) n += s.size;
    return n;
  }

  /** How many subscriptions `subscribe(c, agent, symbols)` would add. */
  adds(agent: string, symbols: readonly string[] | '*'): number {
    if (this.allOf.has(agent)) return 0;
    if (symbols === '*') return 1 - (this.symbols.get(agent)?.size ?? 0);
    const mine = this.symbols.get(agent);
    return new Set(symbols.filter((s) => !mine?.has(s))).size;
  }

  /**
   * The symbols of `symbols` whose quote the client does not have yet: not already subscribed (one by
   * one or agent-wide), so a repeated subscribe sends nothing again. Call before subscribing.
   */
  unseen(agent: string, symbols: readonly string[] | '*'): readonly string[] | '*' {
    if (this.allOf.has(agent)) return [];
    const mine = this.symbols.get(agent);
    if (symbols === '*') return '*';
    return mine === undefined ? symbols : symbols.filter((s) => !mine.has(s));
  }

  /** One invalid message against the token bucket refilled at `rate` per second: false once it is empty. */
  takeInvalid(rate: number, now: number): boolean {
    this.invalidAllowance = Number.isNaN(this.invalidAllowance) ? rate : Math.min(rate, this.invalidAllowance + ((now - this.invalidCheckedAt) / 1_000) * rate);
    this.invalidCheckedAt = now;
    if (this.invalidAllowance < 1) return false;
    this.invalidAllowance -= 1;
    return true;
  }

  send(message: string): void {
    if (this.socket.readyState === OPEN) this.socket.send(message);
  }
}

/** Where snapshot quotes come from: an agent, by symbol. */
export interface QuoteSource {
  readonly id: string;
  quote(symbol: string): Quote | null | undefined;
  /** every symbol, live (a Map's key iterator: symbols added while a snapshot runs are included) */
  symbolNames(): Iterator<string>;
  /** the snapshot message itself, when the source holds messages rather than quotes (a cluster gateway's mirror) */
  snapshotMessage?(symbol: string): string | undefined;
}

/**
 * Cluster mode (src/cluster): every quote and withdrawal the hub publishes is also handed, serialised once,
 * to the relay (NATS), and carries the epoch of the agent's current owner.
 */
export interface QuoteRelay {
  epochOf(agent: string): number | undefined;
  publish(agent: string, symbol: string, message: string): void;
}

/**
 * The snapshots still owed to a client for one agent: the symbols it named (a set, so a name is owed
 * once, and unsubscribing removes it: bounded by its subscriptions) and, after a subscribe to "*",
 * the walk over the agent's symbols.
 */
export interface SnapshotJob {
  source: QuoteSource;
  names: Set<string>;
  all: Iterator<string> | null;
}

/** The next symbol a job owes, or undefined when it owes none. */
export function nextOwed(job: SnapshotJob): string | undefined {
  const first = job.names.values().next();
  if (first.done !== true) {
    job.names.delete(first.value);
    return first.value;
  }
  if (job.all !== null) {
    const n = job.all.next();
    if (n.done !== true) return n.value;
    job.all = null;
  }
  return undefined;
}

export function* skipping(names: Iterator<string>, known: ReadonlySet<string>): Iterator<string> {
  for (let n = names.next(); n.done !== true; n = names.next()) if (!known.has(n.value)) yield n.value;
}


/** The wire form of a quote: `type` first, so conflation can mark it by prefix; every field of the quote follows. */
export function quoteMessage(agent: string, q: Quote, serverTime: number, epoch: string | number, snapshot = false): string {
  return JSON.stringify(snapshot ? { type: 'quote', snapshot: true, agent, serverTime, epoch, ...q } : { type: 'quote', agent, serverTime, epoch, ...q });
}

/** how every quote message of the wire starts (conflation and snapshots mark it right after) */
export const QUOTE_PREFIX = '{"type":"quote",';
const SNAPSHOT_START = '{"type":"quote","snapshot":true,';

/** A quote message of the wire as the snapshot of the same quote (as `quoteMessage(…, true)` writes it); any other message: undefined. */
export function asSnapshot(message: string): string | undefined {
  if (message.startsWith(SNAPSHOT_START)) return message;
  return message.startsWith(QUOTE_PREFIX) ? SNAPSHOT_START + message.slice(QUOTE_PREFIX.length) : undefined;
}

/** The quote hub's bounds and hooks (quote-hub.ts). */
export interface HubOptions {
  highWaterBytes: number;
  /** bytes queued to one client (socket buffer + conflation queue) past which it is closed with 1013; unbounded if unset */
  maxQueueBytes?: number;
  /** invalid messages per second (and burst) a client may send before it is closed with 1008; unbounded if unset */
  invalidPerSecond?: number;
  onConflate: () => void;
  /** a client closed by the hub: `slow` (queue bound) or `invalid` (invalid-message rate) */
  onKick?: (reason: 'slow' | 'invalid') => void;
  now?: () => number;
  /** this run's epoch (a fresh random one by default); tests pass their own */
  epoch?: string;
}
