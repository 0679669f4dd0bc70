/**
 * Recent garbage-collection pauses of this thread, from perf_hooks 'gc' entries, so that a slow
 * process() call can be told apart from a call the collector interrupted. V8 delivers the entries
 * asynchronously (after the pause, on a later turn of the event loop) and in order; so a call that
 * ended before the start of the latest pause delivered has every pause that could overlap it here.
 */
import { PerformanceObserver } from 'node:perf_hooks';

/** pauses kept: far more than can happen while an over-budget call waits to be attributed (see BudgetAttribution) */
export const GC_PAUSES_KEPT = 1_024;

export class GcPauses {
  private readonly starts = new Float64Array(GC_PAUSES_KEPT);
  private readonly ends = new Float64Array(GC_PAUSES_KEPT);
  private next = 0;
  private filled = 0;
  /** start of the latest pause delivered, on the performance.now() clock */
  latestStart = -Infinity;
  private readonly observer: PerformanceObserver;

  constructor(onPauses: () => void) {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.add(e.startTime, e.startTime + e.duration);
      onPauses();
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Records a pause (also for tests, which cannot make V8 pause on demand). */
  add(start: number, end: number): void {
    this.starts[this.next] = start;
    this.ends[this.next] = end;
    this.next = this.next + 1 === GC_PAUSES_KEPT ? 0 : this.next + 1;
    if (this.filled < GC_PAUSES_KEPT) this.filled++;
    if (start > this.latestStart) this.latestStart = start;
  }

  /** Whether any pause kept overlaps [start, end] (performance.now() ms). */
  overlaps(start: number, end: number): boolean {
    for (let i = 0; i < this.filled; i++) {
      if (this.starts[i]! < end && this.ends[i]! > start) return true;
    }
    return false;
  }

  close(): void {
    this.observer.disconnect();
  }
}
