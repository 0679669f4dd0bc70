/**
 * Per-symbol sequence checks on the quote stream. Each quote carries the
 * symbol's `seq`, one more than the previous quote's; the tracker says, for
 * each arriving quote, whether it is the next one, follows a gap, was
 * conflated by the server (a known skip), starts a new epoch (the service's
 * numbering restarted), or is older than what the caller already has.
 * Pure: no clock, no I/O.
 */
export type SeqVerdict =
  /** the first quote of the symbol seen (or the first since a reset) */
  | { kind: 'first' }
  | { kind: 'next' }
  /** newer than the next expected, not marked conflated: quotes were lost */
  | { kind: 'gap'; expected: number; missed: number }
  /** the server held back `missed` quotes for a slow reader and sent the latest; nothing lost that matters */
  | { kind: 'skip'; missed: number }
  /** a different epoch than the symbol's last quote: the numbering restarted */
  | { kind: 'epoch'; previous: string | number; current: string | number }
  /** not newer than what was delivered: dropped */
  | { kind: 'stale'; last: number };

interface SymbolSeq {
  last: number;
  epoch: string | number | undefined;
  /** a withdrawal came since `last`: a conflated quote may have been replaced by it, so the next may skip */
  loose: boolean;
}

export interface SeqInput {
  seq: number;
  epoch?: string | number | undefined;
  /** a snapshot or a conflated quote may skip numbers without loss */
  snapshot?: boolean | undefined;
  conflated?: boolean | undefined;
}

export class SeqTracker {
  private readonly bySymbol = new Map<string, SymbolSeq>();

  /** What `q` is relative to the symbol's last accepted quote; every verdict but `stale` accepts it. */
  check(symbol: string, q: SeqInput): SeqVerdict {
    const s = this.bySymbol.get(symbol);
    if (s === undefined) {
      this.bySymbol.set(symbol, { last: q.seq, epoch: q.epoch, loose: false });
      return { kind: 'first' };
    }
    if (q.epoch !== undefined && s.epoch !== undefined && q.epoch !== s.epoch) {
      const previous = s.epoch;
      this.accept(s, q);
      return { kind: 'epoch', previous, current: q.epoch };
    }
    if (q.seq <= s.last) return { kind: 'stale', last: s.last };
    const expected = s.last + 1;
    const missed = q.seq - expected;
    const known = q.snapshot === true || q.conflated === true || s.loose;
    this.accept(s, q);
    if (missed === 0) return { kind: 'next' };
    return known ? { kind: 'skip', missed } : { kind: 'gap', expected, missed };
  }

  /** A withdrawal of the symbol arrived (it carries no seq). */
  withdrawn(symbol: string): void {
    const s = this.bySymbol.get(symbol);
    if (s !== undefined) s.loose = true;
  }

  last(symbol: string): number | undefined {
    return this.bySymbol.get(symbol)?.last;
  }

  /** Forgets everything: after a reconnect the snapshots set new baselines. */
  reset(): void {
    this.bySymbol.clear();
  }

  private accept(s: SymbolSeq, q: SeqInput): void {
    s.last = q.seq;
    if (q.epoch !== undefined) s.epoch = q.epoch;
    s.loose = false;
  }
}
