import { describe, expect, it } from 'vitest';
import { MarketMakerAgent, type MarketMakerConfigInput } from '../../src/agent/index.js';
import { mid, position, vol } from '../support/updates.js';

/** The paper's parameters as in market-maker-agent.test.ts: level 0 is 99.1546 / 100.8454 at zero inventory. */
const paper: MarketMakerConfigInput = {
  gamma: 0.1, k: 1.5, timeUnit: 'day', horizon: { mode: 'infinite', tau: 1 },
  minSpreadBps: 0, maxSpreadBps: 10_000, tickSize: 0.0001, orderSize: 1, maxInventory: 100,
};

function quoteWith(config: MarketMakerConfigInput, pos = 0) {
  const a = new MarketMakerAgent('l', config);
  a.process(mid('X', 100));
  a.process(vol('X', 2));
  return a.process(position('X', pos, 100)).quote!;
}

describe('multi-level quotes', () => {
  it('a single level keeps the quote shape exactly', () => {
    expect(Object.keys(quoteWith(paper))).not.toContain('levels');
  });

  it('steps levels out by bps of the mid', () => {
    // step 10 bps of 100 = 0.1
    const q = quoteWith({ ...paper, levels: 3, levelStep: { unit: 'bps', value: 10 } });
    expect(q.levels).toEqual({
      bids: [{ price: 99.1546, size: 1 }, { price: 99.0546, size: 1 }, { price: 98.9546, size: 1 }],
      asks: [{ price: 100.8454, size: 1 }, { price: 100.9454, size: 1 }, { price: 101.0454, size: 1 }],
    });
    expect([q.bidPrice, q.askPrice, q.bidSize, q.askSize]).toEqual([99.1546, 100.8454, 1, 1]);
  });

  it('steps levels out by multiples of the half-spread', () => {
    // half-spread (100.8454 − 99.1546)/2 = 0.8454
    const q = quoteWith({ ...paper, levels: 3, levelStep: { unit: 'half-spread', value: 1 } });
    expect(q.levels!.bids.map((l) => l.price)).toEqual([99.1546, 98.3092, 97.4638]);
    expect(q.levels!.asks.map((l) => l.price)).toEqual([100.8454, 101.6908, 102.5362]);
  });

  it('sizes every level so that all bids filled cannot pass the maximum inventory', () => {
    // 85 long of 100 with orderSize 10: room for 15 more: 10, 5, 0
    const q = quoteWith({ ...paper, orderSize: 10, levels: 3 }, 85);
    expect(q.levels!.bids.map((l) => l.size)).toEqual([10, 5, 0]);
    expect(q.levels!.asks.map((l) => l.size)).toEqual([10, 10, 10]);
  });
});

describe('size shaping', () => {
  it('shrinks the side that adds to inventory by e^(−η·q)', () => {
    // orderSize 10, position 50: q = 5 lots; η = 0.2 → bids 10·e^(−1) = 3.678794411714423, asks in full
    const long = quoteWith({ ...paper, orderSize: 10, levels: 2, sizeShaping: { eta: 0.2 } }, 50);
    expect(long.bidSize).toBeCloseTo(3.678794411714423, 12);
    expect(long.levels!.bids[1]!.size).toBeCloseTo(3.678794411714423, 12);
    expect([long.askSize, long.levels!.asks[1]!.size]).toEqual([10, 10]);
    const short = quoteWith({ ...paper, orderSize: 10, sizeShaping: { eta: 0.2 } }, -50);
    expect(short.askSize).toBeCloseTo(3.678794411714423, 12);
    expect(short.bidSize).toBe(10);
  });

  it('measures q from the inventory target', () => {
    // target 30, position 50: q = 2 lots of 10 → bids × e^(−0.4) = 6.703200460356393
    const q = quoteWith({ ...paper, orderSize: 10, inventoryTarget: 30, sizeShaping: { eta: 0.2 } }, 50);
    expect(q.bidSize).toBeCloseTo(6.703200460356393, 12);
    expect(q.askSize).toBe(10);
  });
});
