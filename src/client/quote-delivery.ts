/**
 * Hands quotes to the consumer in arrival order. While an async `onQuote` is
 * busy, only the latest undelivered quote per symbol waits (at most one per
 * symbol), so a consumer slower than the stream sees fresh quotes, never a
 * growing backlog.
 */
import type { QuoteListener } from './subscription-types.js';
import type { StreamQuote } from './types.js';

export interface DeliveryHooks {
  delivered(): void;
  /** `missed` quotes of `symbol` were replaced before the consumer got to them */
  conflated(symbol: string, missed: number): void;
  /** the consumer threw or its promise rejected; delivery goes on */
  failed(err: unknown): void;
}

export class QuoteDelivery {
  private readonly pending = new Map<string, StreamQuote>();
  private delivering = false;
  private stopped = false;

  constructor(
    private readonly onQuote: QuoteListener,
    private readonly hooks: DeliveryHooks,
  ) {}

  push(q: StreamQuote): void {
    if (this.stopped) return;
    const replaced = this.pending.get(q.symbol);
    if (replaced !== undefined) {
      this.pending.delete(q.symbol);
      const missed = q.seq > replaced.seq ? q.seq - replaced.seq : 1;
      this.hooks.conflated(q.symbol, missed);
      q = { ...q, conflated: true };
    }
    this.pending.set(q.symbol, q);
    if (!this.delivering) void this.drain();
  }

  /** Forgets the symbol's undelivered quote (it was withdrawn). */
  forget(symbol: string): void {
    this.pending.delete(symbol);
  }

  /** Forgets every undelivered quote (the connection was lost: they are stale). */
  clear(): void {
    this.pending.clear();
  }

  /** Nothing is delivered after this. */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
  }

  private async drain(): Promise<void> {
    this.delivering = true;
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const [symbol, q] = this.pending.entries().next().value as [string, StreamQuote];
        this.pending.delete(symbol);
        this.hooks.delivered();
        try {
          const r = this.onQuote(q);
          if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') await (r as PromiseLike<unknown>);
        } catch (err) {
          this.hooks.failed(err);
        }
      }
    } finally {
      this.delivering = false;
    }
  }
}
