import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketMakerAgent } from '../../src/agent/index.js';
import { FillIdMemory } from '../../src/agent/fill-id-memory.js';
import { fill } from '../support/updates.js';

const apply = (a: MarketMakerAgent, id: string) => a.process(fill('X', id, id.length % 2 === 0 ? 'buy' : 'sell', 100, 1)).outcome;
const isDuplicate = (a: MarketMakerAgent, id: string) => apply(a, id) === 'duplicate';

describe('MarketMakerAgent: fill-id memory', () => {
  it('remembers exactly the last fillIdMemory ids, oldest forgotten first, across many wraps', () => {
    const a = new MarketMakerAgent('t', { fillIdMemory: 1_000 });
    for (let i = 0; i < 3_500; i++) expect(apply(a, `f${i}`)).not.toBe('duplicate');
    expect(isDuplicate(a, 'f2500')).toBe(true);
    expect(isDuplicate(a, 'f3499')).toBe(true);
    expect(a.stats.duplicateFills).toBe(2);
    expect(isDuplicate(a, 'f2499')).toBe(false); // forgotten, so applied again, and now the newest
    expect(isDuplicate(a, 'f2502')).toBe(true);
    expect(isDuplicate(a, 'f2500')).toBe(false); // pushed out by f2499; applied again, it pushes out f2501
    expect(isDuplicate(a, 'f2501')).toBe(false);
    expect(a.stats.fills).toBe(3_503);
  });

  it('keeps the newest ids when fillIdMemory grows or shrinks after the ring has wrapped', () => {
    const a = new MarketMakerAgent('t', { fillIdMemory: 1_000 });
    for (let i = 0; i < 1_500; i++) apply(a, `f${i}`);
    a.reconfigure({ ...a.config, fillIdMemory: 2_000 });
    for (let i = 1_500; i < 2_000; i++) apply(a, `f${i}`);
    // 1,500 remembered now (f500…f1999), room for 500 more
    expect(isDuplicate(a, 'f500')).toBe(true);
    expect(isDuplicate(a, 'f499')).toBe(false);
    for (let i = 2_000; i < 2_600; i++) apply(a, `f${i}`);
    // 2,101 ids for 2,000 slots: the 101 oldest (f500…f600) are gone
    expect(isDuplicate(a, 'f601')).toBe(true);
    expect(isDuplicate(a, 'f499')).toBe(true);
    expect(isDuplicate(a, 'f600')).toBe(false); // applied again, it pushes out f601
    a.reconfigure({ ...a.config, fillIdMemory: 1_000 });
    // oldest first: f602…f1999, f499, f2000…f2599, f600; shrinking keeps the newest 1,000, from f1602 on
    expect(isDuplicate(a, 'f1602')).toBe(true);
    apply(a, 'g0'); // pushes out f1602
    for (const id of ['g0', 'f600', 'f2599', 'f499', 'f1603']) expect(isDuplicate(a, id), id).toBe(true);
    expect(isDuplicate(a, 'f1601')).toBe(false);
    expect(isDuplicate(a, 'f1602')).toBe(false);
  });

  it('a restored agent remembers the snapshot\'s ids and forgets them in turn', () => {
    const a = new MarketMakerAgent('t', { fillIdMemory: 1_000 });
    for (let i = 0; i < 1_500; i++) apply(a, `f${i}`);
    const b = MarketMakerAgent.fromSnapshot(a.snapshot());
    expect(isDuplicate(b, 'f500')).toBe(true);
    expect(isDuplicate(b, 'f1499')).toBe(true);
    expect(isDuplicate(b, 'f499')).toBe(false); // forgotten before the snapshot; applied now, it pushes out f500
    for (let i = 0; i < 999; i++) apply(b, `g${i}`);
    // 1,000 slots: f499 and g0…g998; every id of the snapshot is gone
    for (const id of ['f499', 'g0', 'g998']) expect(isDuplicate(b, id), id).toBe(true);
    for (const id of ['f1499', 'f1000', 'f501']) expect(isDuplicate(b, id), id).toBe(false);
  });
});

/** The reference: a plain list, oldest first, searched linearly. */
class ListMemory {
  entries: [string, string][] = [];
  constructor(public capacity: number) {}
  fingerprintOf(id: string): string | undefined {
    return this.entries.find(([k]) => k === id)?.[1];
  }
  remember(id: string, print: string): void {
    this.entries.push([id, print]);
    if (this.entries.length > this.capacity) this.entries.shift();
  }
  resized(capacity: number): ListMemory {
    const next = new ListMemory(capacity);
    next.entries = this.entries.slice(Math.max(0, this.entries.length - capacity));
    return next;
  }
}

type Op = { kind: 'fill'; id: number } | { kind: 'resize'; capacity: number };

describe('FillIdMemory against a plain list', () => {
  it('answers every lookup as the list does, over random fills (ids reused, so evictions and re-adds interleave) and resizes', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 30, arbitrary: fc.integer({ min: 0, max: 300 }).map((id) => ({ kind: 'fill' as const, id })) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 120 }).map((capacity) => ({ kind: 'resize' as const, capacity })) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.array(op, { minLength: 1, maxLength: 1_500 }), (capacity, ops) => {
        let real = new FillIdMemory(capacity);
        let ref = new ListMemory(capacity);
        for (const o of ops) {
          if (o.kind === 'resize') {
            real = real.resized(o.capacity);
            ref = ref.resized(o.capacity);
            continue;
          }
          const id = `fill-${o.id}`;
          const got = real.fingerprintOf(id);
          expect(got).toBe(ref.fingerprintOf(id));
          // as the agent does: an id not remembered is applied and remembered
          if (got === undefined) {
            real.remember(id, `p${o.id}`);
            ref.remember(id, `p${o.id}`);
          }
          expect(real.size).toBe(ref.entries.length);
        }
        // every id, remembered or not, answers alike; the snapshot order is oldest first
        for (let i = 0; i <= 300; i++) expect(real.fingerprintOf(`fill-${i}`)).toBe(ref.fingerprintOf(`fill-${i}`));
        const { ids, fingerprints } = real.entries();
        expect(ids.map((id, i) => [id, fingerprints[i]])).toEqual(ref.entries);
      }),
      { numRuns: 300 },
    );
  });

  it('holds 100,000 ids across chunk boundaries and wraps without losing one', () => {
    const m = new FillIdMemory(100_000);
    for (let i = 0; i < 250_000; i++) m.remember(`id-${i}`, String(i));
    expect(m.size).toBe(100_000);
    for (let i = 150_000; i < 250_000; i += 997) expect(m.fingerprintOf(`id-${i}`)).toBe(String(i));
    for (let i = 0; i < 150_000; i += 997) expect(m.fingerprintOf(`id-${i}`)).toBeUndefined();
  });
});
