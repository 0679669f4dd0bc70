/**
 * What one update changes in a symbol's state, before the requote. Called
 * only after the update was validated (updates.ts), so nothing here throws
 * for input. Fill ids and the agent's counters are the agent's to keep.
 */
import { fromSteps, toSteps } from '../model/quantity-grid.js';
import { applyFill, applySnapshot } from './inventory.js';
import { MarkoutRing } from './markout-ring.js';
import { feeOf } from './quote-hygiene.js';
import type { QuotingParams } from './quoting-params.js';
import type { SymbolState } from './symbol-state.js';
import type { Update } from './updates.js';

/** `markOuts` false for a replayed fill, whose mark-out cannot be taken: the mids that followed it were not journaled. */
export function applyUpdate(s: SymbolState, u: Update, p: QuotingParams, markOuts: boolean): void {
  const c = p.config;
  switch (u.type) {
    // the requote runs at the update's time; each case reads it at a site of its own (one kind of update each: the double stays unboxed)
    case 'mid':
      s.quoteTime = u.time;
      s.mid = u.mid;
      s.midTime = u.time;
      s.inventory.markPrice = u.mid;
      // the state, not the doubles, goes to the calls: a double argument is boxed unless V8 inlines the call
      s.volatility.observeMid(s, c.volatility.halfLifeMs);
      if (s.fills !== null) s.fills.markOutAt(s, c.toxicity.markoutHorizonMs);
      return;
    case 'volatility':
      s.quoteTime = u.time;
      s.sigma = u.sigma;
      return;
    case 'position':
      s.quoteTime = u.time;
      applySnapshot(s.inventory, fromSteps(toSteps(u.quantity, p.quantity), p.quantity), u.averageCost);
      if (u.mark !== undefined) s.inventory.markPrice = u.mark;
      s.lastSnapshotTime = u.time;
      return;
    case 'fill': {
      s.quoteTime = u.time;
      const side = u.side === 'buy' ? 1 : -1;
      // realised P&L is net of fees: the OMS's own, else the configured rate for the fill's liquidity
      const fee = u.fee ?? feeOf(u.price, u.quantity, u.liquidity === 'taker' ? c.fees.takerBps : c.fees.makerBps);
      applyFill(s.inventory, side * u.quantity, u.price, p.quantity, fee);
      if (!(s.inventory.markPrice > 0)) s.inventory.markPrice = u.price;
      if (s.fills === null) s.fills = new MarkoutRing();
      s.fills.push(side, u.time, s.mid > 0 ? s.mid : u.price, markOuts);
      if (s.intensity !== null) s.intensity.recordFill(side, u.price, u.time, c.intensity.halfLifeMs);
      return;
    }
  }
}
