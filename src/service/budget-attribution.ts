/**
 * Why a process() call went over the latency budget: `gc` when a garbage-collection pause overlapped
 * it, else `other` (the service's own code, or the machine: preemption, page faults, frequency).
 * GC entries arrive after the pause, so an over-budget call waits here until every pause that could
 * overlap it has been delivered (a later pause was, or SETTLE_MS passed), then is counted once.
 * Nothing waits without bound: the queue holds PENDING_CAP calls and, when full, attributes its
 * oldest with the pauses delivered so far.
 */
import { GcPauses } from './gc-pauses.js';

export const BUDGET_CAUSES = ['gc', 'ledger', 'other'] as const;
export const CAUSE_GC = 0;
export const CAUSE_LEDGER = 1;
export const CAUSE_OTHER = 2;

/** ms after which a call is attributed even if no later pause was delivered (entries arrive within a turn of the loop) */
export const SETTLE_MS = 100;
/** over-budget calls waiting to be attributed */
export const PENDING_CAP = 256;

/** The counts by cause of one agent: a Float64Array indexed by CAUSE_GC, CAUSE_LEDGER, CAUSE_OTHER. */
export type CauseCounts = Float64Array;

export class BudgetAttribution {
  readonly pauses: GcPauses;
  private readonly starts = new Float64Array(PENDING_CAP);
  private readonly ends = new Float64Array(PENDING_CAP);
  private readonly owners: (CauseCounts | null)[] = new Array<CauseCounts | null>(PENDING_CAP).fill(null);
  /** oldest pending slot, and how many are pending */
  private head = 0;
  private pending = 0;

  constructor() {
    this.pauses = new GcPauses(() => this.settle(-Infinity));
  }

  /** A process() call of [start, end] (performance.now() ms) went over the budget; `counts` is its agent's. */
  exceeded(counts: CauseCounts, start: number, end: number): void {
    if (this.pending === PENDING_CAP) this.attributeOldest();
    let i = this.head + this.pending;
    if (i >= PENDING_CAP) i -= PENDING_CAP;
    this.starts[i] = start;
    this.ends[i] = end;
    this.owners[i] = counts;
    this.pending++;
  }

  /**
   * Attributes the calls whose pauses are all known: those that ended before the latest pause
   * delivered started, and those that ended before `olderThan` (performance.now() ms).
   */
  settle(olderThan: number): void {
    while (this.pending > 0) {
      const end = this.ends[this.head]!;
      if (!(end < this.pauses.latestStart || end < olderThan)) return;
      this.attributeOldest();
    }
  }

  /** Attributes everything pending now (at a scrape, the calls of the last SETTLE_MS stay for the next one). */
  settleAt(now: number): void {
    this.settle(now - SETTLE_MS);
  }

  private attributeOldest(): void {
    const i = this.head;
    const counts = this.owners[i]!;
    counts[this.pauses.overlaps(this.starts[i]!, this.ends[i]!) ? CAUSE_GC : CAUSE_OTHER]!++;
    this.owners[i] = null;
    this.head = i + 1 === PENDING_CAP ? 0 : i + 1;
    this.pending--;
  }

  get waiting(): number {
    return this.pending;
  }

  close(): void {
    this.pauses.close();
  }
}
