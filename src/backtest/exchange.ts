/**
 * The exchange side of a replay: our resting orders as the market sees them.
 * A quote the agent makes at time t reaches the book at t + latency (an
 * order's trip to the exchange; a cancel takes as long), so fills are
 * matched against what was live, not what the agent last decided.
 */
import type { Quote } from '../agent/index.js';

export interface RestingOrder {
  price: number;
  /** units still to fill */
  remaining: number;
  /** units of other traders' orders ahead of ours at this price (trade-through model) */
  queueAhead: number;
}

/** Our orders per side, best first: bids highest first, asks lowest first. */
export interface Book {
  bids: RestingOrder[];
  asks: RestingOrder[];
}

/** Quotes may wait at most this many at once for their latency to pass (see docs/backtest.md, "Bounds"). */
export const MAX_PENDING_QUOTES = 100_000;

interface Pending { effective: number; quote: Quote | null }

export class SimulatedExchange {
  readonly book: Book = { bids: [], asks: [] };
  /** in time order: latency is the same for every quote, so effective times never decrease */
  private readonly pending: Pending[] = [];
  private head = 0;

  constructor(
    readonly latencyMs: number,
    /** units assumed ahead of an order that joins a price level */
    readonly queueAhead: number,
    private readonly maxPending = MAX_PENDING_QUOTES,
  ) {}

  /** The agent's quote (null: withdraw everything) made at `time`, live at time + latency. */
  submit(quote: Quote | null, time: number): void {
    if (this.pending.length - this.head >= this.maxPending) {
      throw new RangeError(`more than ${this.maxPending} quotes waiting for their latency (${this.latencyMs} ms); lower --latency`);
    }
    this.pending.push({ effective: time + this.latencyMs, quote });
  }

  /** When the next waiting quote goes live; Infinity when none waits. */
  nextChange(): number {
    return this.head < this.pending.length ? this.pending[this.head]!.effective : Infinity;
  }

  /** Makes live every quote due by `time`, the latest last. */
  promote(time: number): void {
    while (this.head < this.pending.length && this.pending[this.head]!.effective <= time) {
      this.place(this.pending[this.head]!.quote);
      this.head++;
    }
    // drop the consumed prefix now and then, so the array does not grow with the replay
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
  }

  get hasBid(): boolean {
    return this.book.bids.length > 0;
  }

  get hasAsk(): boolean {
    return this.book.asks.length > 0;
  }

  private place(quote: Quote | null): void {
    this.book.bids = this.replace(this.book.bids, quote === null ? [] : quote.levels?.bids ?? [{ price: quote.bidPrice, size: quote.bidSize }]);
    this.book.asks = this.replace(this.book.asks, quote === null ? [] : quote.levels?.asks ?? [{ price: quote.askPrice, size: quote.askSize }]);
  }

  /**
   * A new order at a price we already rest at keeps its place in the queue
   * (as an exchange keeps priority for an order amended in size only); at a
   * new price it joins the back, behind `queueAhead` units.
   */
  private replace(old: RestingOrder[], levels: readonly { price: number; size: number }[]): RestingOrder[] {
    const next: RestingOrder[] = [];
    for (const l of levels) {
      if (!(l.size > 0)) continue;
      const same = old.find((o) => o.price === l.price);
      next.push({ price: l.price, remaining: l.size, queueAhead: same === undefined ? this.queueAhead : same.queueAhead });
    }
    return next;
  }
}
