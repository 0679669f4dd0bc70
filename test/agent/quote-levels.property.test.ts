import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketMakerAgent, type MarketMakerConfigInput, type Quote } from '../../src/agent/index.js';
import { mid, position, T0, vol } from '../support/updates.js';

const config = fc.record({
  model: fc.constantFrom('avellaneda-stoikov' as const, 'glft' as const),
  gamma: fc.double({ min: 1e-3, max: 2, noNaN: true }),
  k: fc.double({ min: 0.1, max: 20, noNaN: true }),
  orderSize: fc.double({ min: 0.1, max: 50, noNaN: true }),
  maxInventory: fc.double({ min: 100, max: 2_000, noNaN: true }),
  inventoryTarget: fc.double({ min: -50, max: 50, noNaN: true }),
  tickSize: fc.constantFrom(0.0001, 0.01, 0.05),
  levels: fc.integer({ min: 2, max: 8 }),
  levelStep: fc.oneof(
    fc.record({ unit: fc.constant('bps' as const), value: fc.double({ min: 0.01, max: 50, noNaN: true }) }),
    fc.record({ unit: fc.constant('half-spread' as const), value: fc.double({ min: 0.01, max: 3, noNaN: true }) }),
  ),
  sizeShaping: fc.record({ eta: fc.double({ min: 0, max: 2, noNaN: true }) }),
});

const market = fc.record({
  mid: fc.double({ min: 1, max: 1e4, noNaN: true }),
  sigma: fc.double({ min: 1e-3, max: 20, noNaN: true }),
  // as a fraction of maxInventory, past the limit on both sides
  position: fc.double({ min: -1.2, max: 1.2, noNaN: true }),
});

function quote(cfg: MarketMakerConfigInput, m: { mid: number; sigma: number }, pos: number): Quote | null {
  const a = new MarketMakerAgent('p', { ...cfg, minSpreadBps: 0, maxSpreadBps: 5_000 });
  a.process(mid('X', m.mid, T0));
  a.process(position('X', pos, m.mid, T0));
  return a.process(vol('X', m.sigma, T0)).quote;
}

const onGrid = (price: number, tick: number) => Math.abs(price / tick - Math.round(price / tick)) < 1e-6;

describe('levels and size shaping over wide random inputs', () => {
  it('levels move outward on both sides, on the grid, level 0 matching the flat fields', () => {
    fc.assert(fc.property(config, market, (cfg, m) => {
      const q = quote(cfg, m, m.position * cfg.maxInventory);
      fc.pre(q !== null);
      const { bids, asks } = q.levels!;
      expect([bids.length, asks.length]).toEqual([cfg.levels, cfg.levels]);
      expect([bids[0]!.price, bids[0]!.size, asks[0]!.price, asks[0]!.size]).toEqual([q.bidPrice, q.bidSize, q.askPrice, q.askSize]);
      for (let i = 1; i < cfg.levels; i++) {
        expect(bids[i]!.price).toBeLessThan(bids[i - 1]!.price);
        expect(asks[i]!.price).toBeGreaterThan(asks[i - 1]!.price);
        expect(onGrid(bids[i]!.price, cfg.tickSize)).toBe(true);
        expect(onGrid(asks[i]!.price, cfg.tickSize)).toBe(true);
      }
    }));
  });

  it('sizes are finite, non-negative, and all levels of a side filled cannot pass the maximum inventory', () => {
    fc.assert(fc.property(config, market, (cfg, m) => {
      const pos = m.position * cfg.maxInventory;
      const q = quote(cfg, m, pos);
      fc.pre(q !== null);
      const { bids, asks } = q.levels!;
      for (const l of [...bids, ...asks]) {
        expect(Number.isFinite(l.size)).toBe(true);
        expect(l.size).toBeGreaterThanOrEqual(0);
        expect(l.size).toBeLessThanOrEqual(cfg.orderSize);
      }
      for (const l of bids) if (l.price <= 0) expect(l.size).toBe(0);
      const sum = (ls: { size: number }[]) => ls.reduce((s, l) => s + l.size, 0);
      const slack = 1e-9 * cfg.maxInventory;
      expect(sum(bids)).toBeLessThanOrEqual(Math.max(0, cfg.maxInventory - pos) + slack);
      expect(sum(asks)).toBeLessThanOrEqual(Math.max(0, cfg.maxInventory + pos) + slack);
    }));
  });

  it('the side that reduces inventory keeps its full size; the other side never offers more in total', () => {
    fc.assert(fc.property(config, market, (cfg, m) => {
      const pos = m.position * cfg.maxInventory;
      const shaped = quote(cfg, m, pos);
      const full = quote({ ...cfg, sizeShaping: { eta: 0 } }, m, pos);
      fc.pre(shaped !== null && full !== null);
      const s = shaped.levels!;
      const f = full.levels!;
      // shaping changes sizes only, never prices
      expect(s.bids.map((l) => l.price)).toEqual(f.bids.map((l) => l.price));
      expect(s.asks.map((l) => l.price)).toEqual(f.asks.map((l) => l.price));
      const [reducing, adding] = pos > cfg.inventoryTarget ? ['asks', 'bids'] as const : ['bids', 'asks'] as const;
      if (pos !== cfg.inventoryTarget) expect(s[reducing]).toEqual(f[reducing]);
      // a deeper level may get room a shrunken level left, so compare the side's total, and level 0
      const sum = (ls: { size: number }[]) => ls.reduce((t, l) => t + l.size, 0);
      expect(sum(s[adding])).toBeLessThanOrEqual(sum(f[adding]) * (1 + 1e-12));
      expect(s[adding][0]!.size).toBeLessThanOrEqual(f[adding][0]!.size);
    }));
  });

  it('a single-level quote has no levels field', () => {
    fc.assert(fc.property(config, market, (cfg, m) => {
      const q = quote({ ...cfg, levels: 1 }, m, m.position * cfg.maxInventory);
      fc.pre(q !== null);
      expect('levels' in q).toBe(false);
    }));
  });
});
