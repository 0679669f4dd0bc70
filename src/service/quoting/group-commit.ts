/**
 * Group commit: the changes that arrive in the same turn of the event loop
 * are written as one transaction (at `setImmediate`), and each is applied and
 * answered only once that transaction has committed, in the order they came.
 * One group is in flight at a time, so the order of commits is the order in
 * which changes are applied, which is the order a replay applies them in.
 * A failed commit applies nothing of its group: each change answers 503
 * LEDGER_UNAVAILABLE.
 *
 * The ledger commit alone is timed (mm_ledger_append_duration_seconds, once
 * per transaction, credited to each agent with an update in it).
 */
import { performance } from 'node:perf_hooks';
import type { Ledger, LedgerEntry } from '../../ledger/ledger.js';
import { LEDGER_UNAVAILABLE } from '../errors.js';
import type { ServiceMetrics } from '../metrics.js';

/** entries waiting for the next commit, past which a change is refused (503) rather than queued */
export const MAX_PENDING_ENTRIES = 100_000;

interface Pending {
  entries: readonly LedgerEntry[];
  run: () => void;
  fail: (err: Error) => void;
}

export interface GroupCommitHooks {
  /** the entries are applied (after their commit) or refused (`err`): what was held for them is given back */
  settled(entries: readonly LedgerEntry[], err?: Error): void;
  /** a group of `count` entries committed and was applied */
  committed(count: number): void;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private queuedEntries = 0;
  private scheduled = false;
  private inflight = false;
  private drained: (() => void)[] = [];
  closed = false;

  constructor(
    private readonly ledger: Ledger,
    private readonly metrics: ServiceMetrics,
    private readonly hooks: GroupCommitHooks,
    private readonly maxPending: number = MAX_PENDING_ENTRIES,
  ) {}

  /** Commits `entries` with whatever else arrived in this turn, then runs `apply` and resolves with its result. */
  commit<T>(entries: readonly LedgerEntry[], apply: () => T): Promise<T> {
    if (this.closed) {
      const refused = new LEDGER_UNAVAILABLE('the service is shutting down');
      this.hooks.settled(entries, refused);
      return Promise.reject(refused);
    }
    // bounded: a ledger slower than the arrivals refuses the excess instead of holding it in memory
    if (this.queuedEntries + entries.length > this.maxPending) {
      const refused = new LEDGER_UNAVAILABLE(`${this.queuedEntries} entries already wait for the next commit (at most ${this.maxPending})`);
      this.hooks.settled(entries, refused);
      return Promise.reject(refused);
    }
    this.queuedEntries += entries.length;
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        entries,
        run: () => {
          try {
            resolve(apply());
          } catch (err) {
            reject(err as Error);
          }
        },
        fail: reject,
      });
      if (!this.scheduled && !this.inflight) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.queue.length === 0) return this.idle();
    const group = this.queue;
    this.queue = [];
    this.queuedEntries = 0;
    const entries = group.length === 1 ? group[0]!.entries : group.flatMap((g) => g.entries);
    this.inflight = true;
    // the commit's event-loop time (node:sqlite is synchronous), apart from process()'s
    const t0 = performance.now();
    const appended = this.ledger.append(entries);
    const t1 = performance.now();
    const credited = new Set<string>();
    for (const e of entries) {
      // only updates: an agent change (a delete above all) must not bring an agent's metrics back
      if (e.t === 'update' && !credited.has(e.agent)) {
        credited.add(e.agent);
        this.metrics.forAgent(e.agent).ledgerAppended(t0, t1);
      }
    }
    appended.then(
      () => {
        this.inflight = false;
        for (const g of group) g.run();
        this.hooks.settled(entries);
        this.hooks.committed(entries.length);
        this.next();
      },
      (err: Error) => {
        this.inflight = false;
        const refused = new LEDGER_UNAVAILABLE(err.message);
        this.hooks.settled(entries, refused);
        for (const g of group) g.fail(refused);
        this.next();
      },
    );
  };

  private next(): void {
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(this.flush);
    } else {
      this.idle();
    }
  }

  private idle(): void {
    const waiting = this.drained;
    this.drained = [];
    for (const w of waiting) w();
  }

  /** Resolves once every change queued so far is committed (or refused) and applied. */
  drain(): Promise<void> {
    if (!this.scheduled && !this.inflight && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }
}
