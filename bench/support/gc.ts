/** A callable gc() with or without --expose-gc, heap snapshots after it, and GC time from 'gc' performance entries. */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = () => void;

function resolveGc(): Gc {
  const g = (globalThis as { gc?: Gc }).gc;
  if (typeof g === 'function') return g;
  // not started with --expose-gc (e.g. `tsx bench/memory.ts`): turn the flag on and take gc from a fresh context
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc;
}

export const gc: Gc = resolveGc();

export interface Heap {
  heapUsed: number;
  /** ArrayBuffer backing stores (the fill ring's typed arrays live here, off the V8 heap) */
  arrayBuffers: number;
  /** all memory outside the V8 heap that V8 knows of, arrayBuffers included */
  external: number;
  rss: number;
}

/** Memory after two full collections, so the figures hold live objects only. */
export function heapAfterGc(): Heap {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, external: m.external, rss: m.rss };
}

/**
 * heapAfterGc() once the figures stop moving: ArrayBuffer backing stores are
 * freed by a sweeper after the GC that found them dead, so `external` can
 * still fall for a while after the last reference to a typed array went.
 */
export async function settledHeap(): Promise<Heap> {
  let last = heapAfterGc();
  for (let i = 0; i < 50; i++) {
    await new Promise<void>((r) => setTimeout(r, 20));
    const h = heapAfterGc();
    if (Math.abs(h.external - last.external) < 65_536 && Math.abs(h.heapUsed - last.heapUsed) < 262_144) return h;
    last = h;
  }
  return last;
}

export interface GcTotals {
  count: number;
  /** total pause, ms */
  ms: number;
  minor: number;
  major: number;
  incremental: number;
  /** the longest single GC, ms */
  maxMs: number;
}

/** Collects 'gc' performance entries; `totals(from, to)` sums those that started inside a performance.now() window. */
export class GcWatch {
  private readonly entries: { start: number; duration: number; kind: number }[] = [];
  private readonly observer: PerformanceObserver;

  constructor() {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.entries.push({ start: e.startTime, duration: e.duration, kind: kindOf(e) });
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Entries are delivered asynchronously: let them arrive before reading a window that just ended. */
  async settle(): Promise<void> {
    await new Promise<void>((r) => setTimeout(r, 50));
  }

  totals(from: number, to: number): GcTotals {
    const t: GcTotals = { count: 0, ms: 0, minor: 0, major: 0, incremental: 0, maxMs: 0 };
    for (const e of this.entries) {
      if (e.start < from || e.start > to) continue;
      t.count++;
      t.ms += e.duration;
      if (e.duration > t.maxMs) t.maxMs = e.duration;
      if (e.kind === constants.NODE_PERFORMANCE_GC_MINOR) t.minor++;
      else if (e.kind === constants.NODE_PERFORMANCE_GC_MAJOR) t.major++;
      else if (e.kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) t.incremental++;
    }
    return t;
  }

  stop(): void {
    this.observer.disconnect();
  }
}

function kindOf(e: PerformanceEntry): number {
  const detail = (e as PerformanceEntry & { detail?: { kind?: number } }).detail;
  return detail?.kind ?? -1;
}
