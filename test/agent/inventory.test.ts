import { describe, expect, it } from 'vitest';
import { applyFill, applySnapshot, emptyInventory, unrealisedPnl } from '../../src/agent/inventory.js';

describe('inventory and P&L (average cost)', () => {
  it('a sequence of buys and sells through zero, computed by hand', () => {
    const inv = emptyInventory();
    applyFill(inv, 10, 100); // long 10 @ 100
    expect([inv.position, inv.averageCost, inv.realisedPnl]).toEqual([10, 100, 0]);
    applyFill(inv, 10, 110); // long 20 @ (1000 + 1100)/20 = 105
    expect([inv.position, inv.averageCost, inv.realisedPnl]).toEqual([20, 105, 0]);
    applyFill(inv, -5, 120); // sell 5: realise 5·(120 − 105) = 75
    expect([inv.position, inv.averageCost, inv.realisedPnl]).toEqual([15, 105, 75]);
    inv.markPrice = 108; // unrealised 15·(108 − 105) = 45
    expect(unrealisedPnl(inv)).toBe(45);
    applyFill(inv, -25, 100); // close 15: 15·(100 − 105) = −75 → 0; open short 10 @ 100
    expect([inv.position, inv.averageCost, inv.realisedPnl]).toEqual([-10, 100, 0]);
    inv.markPrice = 90; // short 10 from 100, mark 90: +100
    expect(unrealisedPnl(inv)).toBe(100);
    applyFill(inv, -10, 96); // short 20 @ (1000 + 960)/20 = 98
    expect([inv.position, inv.averageCost]).toEqual([-20, 98]);
    applyFill(inv, 20, 95); // cover all: 20·(98 − 95) = 60
    expect([inv.position, inv.averageCost, inv.realisedPnl]).toEqual([0, 0, 60]);
    expect(unrealisedPnl(inv)).toBe(0);
    expect([inv.buyFills, inv.sellFills]).toEqual([3, 3]);
  });

  it('a snapshot replaces position and cost and keeps realised P&L', () => {
    const inv = emptyInventory();
    applyFill(inv, 5, 100);
    applyFill(inv, -5, 102); // realised 10
    applySnapshot(inv, -3, 101);
    expect([inv.position, inv.averageCost, inv.realisedPnl]).toEqual([-3, 101, 10]);
    applySnapshot(inv, 0, 55);
    expect([inv.position, inv.averageCost]).toEqual([0, 0]);
  });
});
