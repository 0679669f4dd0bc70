/**
 * Snapshots after a subscribe: the current quote of each symbol subscribed,
 * sent in slices of at most SLICE_MS, and only while the client keeps up
 * (its socket buffer under the high-water mark, nothing conflated), so a
 * subscribe to thousands of symbols neither blocks the event loop nor fills
 * the client's queue. Clients are served in turn.
 */
import { performance } from 'node:perf_hooks';
import type { Quote } from '../agent/index.js';
import { nextOwed, skipping, type QuoteSource, type StreamClient } from './stream-client.js';

/** the longest one slice of snapshots may run before the event loop gets a turn */
const SLICE_MS = 2;
/** how often a slice looks at the clock */
const CLOCK_EVERY = 32;
/** how soon snapshots are retried for clients that were not keeping up */
const BLOCKED_RETRY_MS = 20;

export class SnapshotSender {
  /** clients with snapshots still to send, in the order they are served */
  private readonly waiting = new Set<StreamClient>();
  private timer: NodeJS.Immediate | NodeJS.Timeout | null = null;

  constructor(
    private readonly highWaterBytes: number,
    /** sends one snapshot, in order with what is queued for the client */
    private readonly send: (c: StreamClient, agent: string, quote: Quote) => void,
  ) {}

  /**
   * Sends the current quotes of `symbols` ('*': every symbol of the source, skipping those the client
   * subscribed one by one before) as snapshots, in slices, while the client keeps up.
   */
  queue(c: StreamClient, source: QuoteSource, symbols: readonly string[] | '*', known: ReadonlySet<string> = new Set()): void {
    if (c.closed || (symbols !== '*' && symbols.length === 0)) return;
    if (c.snapshots === null) c.snapshots = new Map();
    let job = c.snapshots.get(source.id);
    if (job === undefined) c.snapshots.set(source.id, (job = { source, names: new Set(), all: null }));
    // a second subscribe while the first snapshots are still going adds to what is owed, never nests
    if (symbols === '*') job.all = skipping(source.symbolNames(), known);
    else for (const name of symbols) job.names.add(name);
    this.waiting.add(c);
    this.schedule(false);
  }

  /** The client is gone: nothing more is sent to it. */
  forget(c: StreamClient): void {
    this.waiting.delete(c);
  }

  close(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = null;
    this.waiting.clear();
  }

  private schedule(blocked: boolean): void {
    if (this.timer !== null || this.waiting.size === 0) return;
    // clients that are not keeping up are looked at again a little later, not on every turn
    this.timer = blocked ? setTimeout(() => this.slice(), BLOCKED_RETRY_MS) : setImmediate(() => this.slice());
  }

  /** One slice: snapshots to each client in turn, until SLICE_MS has passed; a client over the high-water mark waits. */
  private slice(): void {
    this.timer = null;
    const deadline = performance.now() + SLICE_MS;
    let sent = 0;
    let progressed = false;
    for (const c of [...this.waiting]) {
      // served now, so it goes to the back of the line
      this.waiting.delete(c);
      if (c.closed || c.snapshots === null) continue;
      let outOfTime = false;
      for (const [agent, job] of c.snapshots) {
        for (;;) {
          if (c.pending !== null || c.socket.bufferedAmount > this.highWaterBytes) break;
          if (++sent % CLOCK_EVERY === 0 && performance.now() > deadline) {
            outOfTime = true;
            break;
          }
          const s = nextOwed(job);
          if (s === undefined) {
            c.snapshots.delete(agent);
            break;
          }
          progressed = true;
          // still wanted: the client may have unsubscribed since
          if (!c.allOf.has(agent) && c.symbols.get(agent)?.has(s) !== true) continue;
          const q = job.source.quote(s);
          if (q) this.send(c, agent, q);
        }
        if (outOfTime || c.pending !== null || c.socket.bufferedAmount > this.highWaterBytes) break;
      }
      if (c.snapshots.size > 0 && !c.closed) this.waiting.add(c);
      if (outOfTime) break;
    }
    this.schedule(!progressed);
  }
}
