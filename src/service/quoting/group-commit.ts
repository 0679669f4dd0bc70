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
 *
 * Snapshots: after `everyEntries` entries or `intervalMs`, whichever comes
 * first, once a group is applied (so the state is exactly that of every
 * committed entry); and a last one at close.
 */
import { performance } from 'node:perf_hooks';
import type { Ledger, LedgerEntry, LedgerState } from '../../ledger/ledger.js';
import { LEDGER_UNAVAILABLE } from '../errors.js';
import type { ServiceMetrics } from '../metrics.js';

/** entries waiting for the next commit, past which a change is refused (503) rather than queued */
export const MAX_PENDING_ENTRIES = 100_000;

interface Pending {
  entries: readonly LedgerEntry[];
  run: () => void;
  fail: (err: Error) => void;
}

export interface SnapshotPolicy {
  /** a snapshot once this many entries were appended since the last one */
  everyEntries: number;
  /** and at least this often while entries keep coming, ms */
  intervalMs: number;
  /** the ids of the agents in the service's configuration, recorded in each snapshot */
  configured?: readonly string[];
}

export interface GroupCommitHooks {
  /** the entries are applied (after their commit) or refused (`err`): what was held for them is given back */
  settled(entries: readonly LedgerEntry[], err?: Error): void;
  /** the state to snapshot, as of now */
  state(): LedgerState;
  warn(message: string): void;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private queuedEntries = 0;
  private scheduled = false;
  private inflight = false;
  private drained: (() => void)[] = [];
  private closed = false;
  private closing: Promise<void> | null = null;
  private sinceSnapshot = 0;
  private lastSnapshot = performance.now();

  constructor(
    private readonly ledger: Ledger,
    private readonly metrics: ServiceMetrics,
    private readonly hooks: GroupCommitHooks,
    private readonly snapshots: SnapshotPolicy = { everyEntries: 50_000, intervalMs: 60_000 },
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
            reject(err);
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
        this.sinceSnapshot += entries.length;
        if (this.sinceSnapshot >= this.snapshots.everyEntries || performance.now() - this.lastSnapshot >= this.snapshots.intervalMs) {
          void this.snapshot().catch((e: Error) => this.hooks.warn(`snapshot not written, will try again: ${e.message}`));
        }
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

  /** Writes a snapshot of every agent now (after what is queued), and says after which entry. */
  async snapshot(): Promise<{ sequence: number; agents: number }> {
    await this.drain();
    const state = this.hooks.state();
    // counted as done even if it fails, so a full disk is not retried at every commit
    this.sinceSnapshot = 0;
    this.lastSnapshot = performance.now();
    await this.ledger.snapshot(state);
    return { sequence: this.ledger.lastSequence, agents: state.agents.length };
  }

  /** Refuses what comes next, finishes what is queued, writes a last snapshot, closes the ledger; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.drain();
      if (this.sinceSnapshot > 0) await this.snapshot().catch((err: Error) => this.hooks.warn(`last snapshot not written: ${err.message}`));
      await this.ledger.close();
    })();
    return this.closing;
  }
}
