import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketMakerAgent, type MarketMakerConfigInput, type Quote } from '../../src/agent/index.js';
import { fill, mid, T0, vol } from '../support/updates.js';

/** A narrow, deterministic quote: sigma pushed, fine tick, wide bounds. */
const base: MarketMakerConfigInput = {
  gamma: 0.1, k: 1.5, timeUnit: 'day', horizon: { mode: 'infinite', tau: 1 },
  minSpreadBps: 0, maxSpreadBps: 10_000, tickSize: 0.01, orderSize: 1, maxInventory: 1_000,
};

function quoting(config: MarketMakerConfigInput, symbols = ['X', 'Y']): MarketMakerAgent {
  const a = new MarketMakerAgent('r', { ...base, ...config });
  for (const s of symbols) {
    a.process(mid(s, 100));
    expect(a.process(vol(s, 0.5)).outcome).toBe('quoted');
  }
  return a;
}

/** P&L of the agent from its views: a second computation, independent of the risk state's running sums. */
const agentPnl = (a: MarketMakerAgent) => a.views().reduce((t, v) => t + v.realisedPnl + v.unrealisedPnl, 0);

describe('loss and drawdown limits in the agent', () => {
  it('a loss past maxLoss withdraws every quote with the reason, until a reset', () => {
    const a = quoting({ risk: { maxLoss: 5 } });
    a.process(fill('X', 'f1', 'buy', 100, 10));
    expect(a.process(mid('X', 99.6)).outcome).toBe('quoted'); // −4
    const r = a.process(mid('X', 99.5)); // −5: at the limit
    expect(r.outcome).toBe('no-quote');
    expect(r.withdrawn).toBe(true);
    expect(r.decision).toEqual({ sides: 'none', reason: 'loss-limit' });
    expect(r.risk?.breach).toMatchObject({ symbol: null, hold: { reason: 'loss-limit', limit: 5, pnl: -5 } });
    expect(r.risk?.withdrawn).toEqual(['Y']);
    expect(a.quote('Y')).toBeNull();
    expect(a.process(mid('Y', 101)).decision.reason).toBe('loss-limit');
    // the market coming back does not resume quoting: only a reset (or a new session period) does
    expect(a.process(mid('X', 100)).decision.reason).toBe('loss-limit');

    // survives a snapshot and restore
    const b = MarketMakerAgent.fromSnapshot(JSON.parse(JSON.stringify(a.snapshot())));
    b.process(mid('X', 100));
    b.process(vol('X', 0.5));
    expect(b.process(mid('X', 100.2)).decision.reason).toBe('loss-limit');

    // reset: the period starts at the P&L now (0 at mid 100), quoting resumes
    const results = a.setRiskState(a.risk.resetState(T0 + 1), T0 + 1);
    expect(results.map((x) => [x.symbol, x.outcome])).toEqual([['X', 'quoted'], ['Y', 'quoted']]);
    expect(a.risk.view().pnl).toBeCloseTo(0, 9);
    expect(a.process(mid('X', 99.6)).outcome).toBe('quoted');
    expect(a.process(mid('X', 99.5)).decision.reason).toBe('loss-limit');
  });

  it('drawdown is measured from the period peak', () => {
    const a = quoting({ risk: { maxDrawdown: 3 } }, ['X']);
    a.process(fill('X', 'f1', 'buy', 100, 10));
    expect(a.process(mid('X', 101)).outcome).toBe('quoted'); // +10, the peak
    expect(a.process(mid('X', 100.8)).outcome).toBe('quoted'); // drawdown 2
    const r = a.process(mid('X', 100.6)); // drawdown 4 (P&L still +6)
    expect(r.decision.reason).toBe('drawdown-limit');
    expect(r.risk?.breach?.hold).toMatchObject({ reason: 'drawdown-limit', limit: 3 });
    expect(r.risk?.breach?.hold.drawdown).toBeCloseTo(4, 9);
    expect(r.risk?.breach?.hold.pnl).toBeCloseTo(6, 9);
  });

  it('a symbol limit stops only that symbol', () => {
    const a = quoting({ risk: { symbolMaxLoss: 2 } });
    a.process(fill('X', 'f1', 'buy', 100, 10));
    const r = a.process(mid('X', 99.8));
    expect(r.decision.reason).toBe('loss-limit');
    expect(r.risk?.breach?.symbol).toBe('X');
    expect(r.risk?.withdrawn).toEqual([]);
    expect(a.process(mid('Y', 100.5)).outcome).toBe('quoted');
  });

  it('a session period clears the hold at its reset time (by the updates\' time)', () => {
    const reset = new Date(T0 + 3_600_000);
    const hhmm = `${String(reset.getUTCHours()).padStart(2, '0')}:${String(reset.getUTCMinutes()).padStart(2, '0')}`;
    const a = quoting({ risk: { maxLoss: 5, period: { mode: 'session', reset: hhmm } } }, ['X']);
    a.process(fill('X', 'f1', 'buy', 100, 10));
    expect(a.process(mid('X', 99, T0 + 1_000)).decision.reason).toBe('loss-limit');
    expect(a.process(mid('X', 99, T0 + 3_599_999)).decision.reason).toBe('loss-limit');
    const r = a.process(mid('X', 99, T0 + 3_600_000));
    expect(r.outcome).toBe('quoted');
    expect(r.risk?.rolled).toBe(true);
    expect(a.risk.view().pnl).toBeCloseTo(0, 9); // the new period's baseline is the −10 of now
  });

  it('the halt withdraws everything and says so; lifting it requotes', () => {
    const a = quoting({});
    expect(a.setHalted(true, T0).withdrawn.sort()).toEqual(['X', 'Y']);
    expect(a.process(mid('X', 100.3)).decision).toEqual({ sides: 'none', reason: 'halted' });
    a.pause('Y');
    expect(a.process(mid('Y', 100.3)).decision.reason).toBe('symbol-paused'); // the operator's pause says so first
    const { results } = a.setHalted(false, T0);
    expect(results.map((r) => [r.symbol, r.outcome])).toEqual([['X', 'quoted'], ['Y', 'no-quote']]);
  });

  it('property: once the P&L since the period start reaches −maxLoss, nothing is quoted until a reset', () => {
    fc.assert(fc.property(
      fc.double({ min: 1, max: 50, noNaN: true }),
      fc.array(fc.record({
        symbol: fc.constantFrom('X', 'Y', 'Z'),
        kind: fc.constantFrom('mid', 'buy', 'sell'),
        move: fc.double({ min: -0.02, max: 0.02, noNaN: true }),
        qty: fc.integer({ min: 1, max: 20 }),
      }), { maxLength: 120 }),
      (maxLoss, steps) => {
        const a = quoting({ risk: { maxLoss } }, ['X', 'Y', 'Z']);
        const mids: Record<string, number> = { X: 100, Y: 100, Z: 100 };
        let breached = false;
        let n = 0;
        for (const s of steps) {
          const t = T0 + ++n;
          let r;
          if (s.kind === 'mid') r = a.process(mid(s.symbol, (mids[s.symbol] = Math.max(1, mids[s.symbol]! * (1 + s.move))), t));
          else r = a.process(fill(s.symbol, `f${n}`, s.kind, Math.round(mids[s.symbol]! * (1 + s.move) * 100) / 100, s.qty, t));
          if (agentPnl(a) <= -maxLoss + 1e-9) breached = true;
          if (breached) {
            expect(r.outcome).toBe('no-quote');
            for (const sym of ['X', 'Y', 'Z']) expect(a.quote(sym)).toBeNull();
          }
        }
      },
    ), { numRuns: 150 });
  });

  it('property: the side that would grow a breached net notional is never quoted', () => {
    fc.assert(fc.property(
      fc.double({ min: 50, max: 5_000, noNaN: true }),
      fc.array(fc.record({ symbol: fc.constantFrom('X', 'Y'), side: fc.constantFrom('buy' as const, 'sell' as const), qty: fc.integer({ min: 1, max: 15 }), m: fc.double({ min: 90, max: 110, noNaN: true }) }), { maxLength: 80 }),
      (maxNet, steps) => {
        const a = quoting({ risk: { maxNetNotional: maxNet, maxGrossNotional: 3 * maxNet } });
        let n = 0;
        for (const s of steps) {
          const t = T0 + ++n;
          a.process(fill(s.symbol, `f${n}`, s.side, 100, s.qty, t));
          const r = a.process(mid(s.symbol, s.m, t));
          const views = a.views();
          const net = views.reduce((x, v) => x + v.position * (v.markPrice ?? 0), 0);
          const gross = views.reduce((x, v) => x + Math.abs(v.position * (v.markPrice ?? 0)), 0);
          const pos = a.view(s.symbol)!.position;
          const q = r.quote;
          if (q === null) continue;
          if (net >= maxNet - 1e-6 || (gross >= 3 * maxNet - 1e-6 && pos >= 0)) expect(q.bidSize).toBe(0);
          if (net <= -maxNet + 1e-6 || (gross >= 3 * maxNet - 1e-6 && pos <= 0)) expect(q.askSize).toBe(0);
        }
      },
    ), { numRuns: 150 });
  });
});

describe('quoting hygiene in the agent', () => {
  it('realised P&L through zero with configured maker and taker fees and an OMS fee (by hand)', () => {
    const a = quoting({ fees: { makerBps: 10, takerBps: 20, quoteAboveFee: false } }, ['X']);
    a.process(fill('X', 'f1', 'buy', 100, 10)); // maker: fee 1
    a.process({ ...fill('X', 'f2', 'sell', 102, 15), liquidity: 'taker' }); // 3.06; +20 gross
    a.process({ ...fill('X', 'f3', 'buy', 101, 5), fee: -0.25 }); // +5 gross, rebate 0.25
    const v = a.view('X')!;
    expect(v.position).toBe(0);
    expect(v.realisedPnl).toBe(21.19);
  });

  it('property: with quoteAboveFee each side is at least makerBps from the mid', () => {
    fc.assert(fc.property(fc.double({ min: 0.5, max: 100, noNaN: true }), fc.double({ min: 10, max: 1e4, noNaN: true }), fc.integer({ min: -50, max: 50 }), (bps, m, pos) => {
      const a = new MarketMakerAgent('f', { ...base, maxSpreadBps: 500, minSpreadBps: 0, levels: 3, fees: { makerBps: bps } });
      a.process(fill('X', 'p', pos >= 0 ? 'buy' : 'sell', m, Math.abs(pos) || 1));
      a.process(vol('X', m * 1e-4));
      const q = a.process(mid('X', m)).quote;
      if (q === null) return;
      const tol = 1e-9 * m;
      expect(q.bidPrice).toBeLessThanOrEqual(m * (1 - bps / 1e4) + tol);
      expect(q.askPrice).toBeGreaterThanOrEqual(m * (1 + bps / 1e4) - tol);
      for (const l of q.levels!.bids) expect(l.price).toBeLessThanOrEqual(m * (1 - bps / 1e4) + tol);
      for (const l of q.levels!.asks) expect(l.price).toBeGreaterThanOrEqual(m * (1 + bps / 1e4) - tol);
    }));
  });

  it('property: no quote is republished that moved less than minChangeTicks before maxIntervalMs', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 5 }), fc.integer({ min: 10, max: 1_000 }),
      fc.array(fc.record({ dm: fc.integer({ min: -8, max: 8 }), dt: fc.integer({ min: 0, max: 300 }) }), { minLength: 1, maxLength: 100 }),
      (ticks, maxIntervalMs, steps) => {
        const a = new MarketMakerAgent('q', { ...base, requote: { minChangeTicks: ticks, maxIntervalMs } });
        a.process(vol('X', 0.5));
        let published: Quote | null = null;
        let m = 100;
        let t = T0;
        for (const s of steps) {
          m = Math.round((m + s.dm * 0.01) * 100) / 100;
          t += s.dt;
          const r = a.process(mid('X', m, t));
          if (r.outcome === 'unchanged') {
            expect(r.quote).toBe(published);
            continue;
          }
          expect(r.outcome).toBe('quoted');
          if (published !== null && t - published.time < maxIntervalMs) {
            const moved = Math.max(Math.abs(r.quote!.bidPrice - published.bidPrice), Math.abs(r.quote!.askPrice - published.askPrice)) / 0.01;
            expect(moved >= Math.max(ticks, 1) - 1e-6 || r.quote!.bidSize !== published.bidSize || r.quote!.askSize !== published.askSize).toBe(true);
          }
          expect(r.quote!.seq).toBe((published?.seq ?? 0) + 1);
          published = r.quote;
        }
      },
    ));
  });
});
