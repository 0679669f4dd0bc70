/** Collects what a subscription delivers, with a bounded wait for a condition. */
import type { StreamQuote, Subscription, SubscriptionEvents } from '../../src/client/index.js';

export type Recorded = { [K in keyof SubscriptionEvents]: { type: K; payload: SubscriptionEvents[K] } }[keyof SubscriptionEvents];

export class Recorder {
  readonly quotes: StreamQuote[] = [];
  readonly events: Recorded[] = [];
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  readonly onQuote = (q: StreamQuote): void => {
    this.quotes.push(q);
    this.check();
  };

  /** Records every event of `sub`, and returns it. */
  watch<S extends Subscription>(sub: S): S {
    const types: (keyof SubscriptionEvents)[] = [
      'state', 'disconnected', 'reconnected', 'resync', 'conflated', 'withdrawn', 'heartbeat-timeout', 'agent-deleted', 'error', 'closed',
    ];
    for (const type of types) {
      sub.on(type, (payload) => {
        this.events.push({ type, payload } as Recorded);
        this.check();
      });
    }
    return sub;
  }

  of<K extends keyof SubscriptionEvents>(type: K): SubscriptionEvents[K][] {
    return this.events.filter((e) => e.type === type).map((e) => e.payload as SubscriptionEvents[K]);
  }

  seqs(symbol: string): number[] {
    return this.quotes.filter((q) => q.symbol === symbol).map((q) => q.seq);
  }

  /** Resolves when `pred()` holds; rejects after `ms`. */
  until(pred: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.pred !== pred);
        reject(new Error(`timed out waiting for ${what}; quotes ${JSON.stringify(this.quotes.map((q) => [q.symbol, q.seq, q.snapshot ?? false])).slice(0, 400)}; events ${JSON.stringify(this.events).slice(0, 800)}`));
      }, ms);
      this.waiters.push({ pred, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }
}

/** Polls `pred` every 20 ms until it holds; rejects after `ms`. */
export async function waitFor(pred: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
