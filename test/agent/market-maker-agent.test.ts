import { describe, expect, it } from 'vitest';
import { AgentError, MarketMakerAgent, type MarketMakerConfigInput, type Update } from '../../src/agent/index.js';
import { fill, mid, position, T0, vol } from '../support/updates.js';

/** The paper's parameters with the service's bounds opened wide and a fine tick, so the model shows through. */
const paper: MarketMakerConfigInput = {
  gamma: 0.1, k: 1.5, timeUnit: 'day', horizon: { mode: 'infinite', tau: 1 },
  minSpreadBps: 0, maxSpreadBps: 10_000, tickSize: 0.0001, orderSize: 1, maxInventory: 100,
};

function agentWith(config: MarketMakerConfigInput = paper): MarketMakerAgent {
  return new MarketMakerAgent('test', config);
}

describe('MarketMakerAgent: the worked example', () => {
  it('quotes the paper parameters at zero inventory', () => {
    const a = agentWith();
    expect(a.process(mid('X', 100)).outcome).toBe('no-quote'); // no sigma yet, no default
    const r = a.process(vol('X', 2));
    // half-spread = 1.690770422751423 / 2 = 0.8453852113757115 (see the model tests)
    // bid = 99.15461478862429 → down to 99.1546; ask = 100.84538521137571 → up to 100.8454
    expect(r.outcome).toBe('quoted');
    expect(r.quote).toMatchObject({ bidPrice: 99.1546, askPrice: 100.8454, reservation: 100, bidSize: 1, askSize: 1, seq: 1 });
    expect(r.quote?.tau).toBe(1);
    expect(r.quote?.adjustments).toEqual({ inventorySkew: 0, toxicityMultiplier: 1, spreadClamp: 'none', crossMidClamp: 'none' });
    expect(r.decision).toEqual({ sides: 'both', reason: 'ok' });
  });

  it('skews the half-spreads by inventory relative to the maximum', () => {
    // orderSize 10, position 50 → q = 5 lots; r = 100 − 5·0.1·4·1 = 98
    // skew = 0.5 · 50/100 = 0.25: bid = 98 − 0.8453852113757115·1.25 = 96.94326848578036 → 96.9432
    //                             ask = 98 + 0.8453852113757115·0.75 = 98.63403890853178 → 98.6341
    // the ask lies below the mid 100 here: allowCrossMid shows the model's quote as it is
    // (quote-clamps.test.ts has the default, which places it one tick above the mid)
    const a = agentWith({ ...paper, orderSize: 10, allowCrossMid: true });
    a.process(mid('X', 100));
    a.process(vol('X', 2));
    const r = a.process(position('X', 50, 99));
    expect(r.quote).toMatchObject({ reservation: 98, bidPrice: 96.9432, askPrice: 98.6341, inventory: 50 });
    expect(r.quote?.adjustments.inventorySkew).toBe(0.25);
    // short of target: the bid comes nearer, the ask goes further
    const s = a.process(position('X', -50, 99, T0 + 1));
    expect(s.quote?.adjustments.inventorySkew).toBe(-0.25);
    expect(s.quote!.askPrice - s.quote!.reservation).toBeGreaterThan(s.quote!.reservation - s.quote!.bidPrice);
  });

  it('stops quoting the side that adds risk at the maximum inventory, and sizes so a fill cannot pass it', () => {
    const a = agentWith({ ...paper, orderSize: 10, maxInventory: 100 });
    a.process(mid('X', 100));
    a.process(vol('X', 2));
    const near = a.process(position('X', 95, 100));
    expect(near.quote).toMatchObject({ bidSize: 5, askSize: 10 });
    expect(near.breach).toBe(false);
    const at = a.process(position('X', 100, 100, T0 + 1));
    expect(at.quote).toMatchObject({ bidSize: 0, askSize: 10 });
    expect(at.decision).toEqual({ sides: 'ask-only', reason: 'max-inventory-long' });
    expect(at.breach).toBe(true);
    a.process(position('X', 120, 100, T0 + 2)); // still in breach: not counted again
    const short = a.process(position('X', -100, 100, T0 + 3));
    expect(short.decision).toEqual({ sides: 'bid-only', reason: 'max-inventory-short' });
    expect(short.quote).toMatchObject({ askSize: 0, bidSize: 10 });
    expect(a.stats.breaches).toBe(1);
  });

  it('applies the min and max spread in bps of the mid last', () => {
    const wide = agentWith({ ...paper, minSpreadBps: 500, maxSpreadBps: 1_000 });
    wide.process(mid('X', 100));
    const q = wide.process(vol('X', 2)).quote!;
    // model spread 1.69 < 500 bps of 100 = 5: widened around the centre 100 to [97.5, 102.5]
    expect([q.bidPrice, q.askPrice, q.adjustments.spreadClamp]).toEqual([97.5, 102.5, 'min']);
    const narrow = agentWith({ ...paper, maxSpreadBps: 50 });
    narrow.process(mid('X', 100));
    const n = narrow.process(vol('X', 2)).quote!;
    expect([n.bidPrice, n.askPrice, n.adjustments.spreadClamp]).toEqual([99.75, 100.25, 'max']);
  });

  it('widens the spread up to 3× when the flow is toxic', () => {
    const a = agentWith({ ...paper, toxicity: { markoutHorizonMs: 1_000, priorFills: 10 } });
    a.process(mid('X', 100));
    const calm = a.process(vol('X', 2)).quote!;
    // 200 buys, each followed 1 s later by the mid 20 bps lower: imbalance 200/210, adverse score 1
    let t = T0;
    let m = 100;
    for (let i = 0; i < 200; i++) {
      a.process(fill('X', `f${i}`, 'buy', m, 1, (t += 1_000)));
      a.process(position('X', 0, 0, t)); // keep inventory flat so only toxicity moves the spread
      m *= 0.998;
      a.process(mid('X', m, (t += 1_000)));
    }
    const toxic = a.process(mid('X', 100, t + 1)).quote!;
    expect(toxic.toxicity).toBeGreaterThan(0.95);
    expect(toxic.adjustments.toxicityMultiplier).toBe(3);
    expect(toxic.spread).toBeGreaterThan(calm.spread * 2.99);
    expect(a.view('X')!.toxicity).toBe(toxic.toxicity);
  });

  it('gives every quote of a symbol the next sequence number', () => {
    const a = agentWith({ ...paper, volatility: { default: 2 } });
    const seqs = [100, 100.5, 101, 100.2].map((m, i) => a.process(mid('X', m, T0 + i)).quote!.seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(a.process(mid('Y', 50)).quote!.seq).toBe(1);
  });

  it('follows the volatility policy for a symbol without sigma, and says which it used', () => {
    const none = agentWith();
    expect(none.process(mid('X', 100)).decision.reason).toBe('no-volatility');
    const withDefault = agentWith({ ...paper, volatility: { default: 2 } });
    const q = withDefault.process(mid('X', 100)).quote!;
    expect([q.sigma, q.sigmaSource]).toEqual([2, 'default']);
    const pushed = withDefault.process(vol('X', 3)).quote!;
    expect([pushed.sigma, pushed.sigmaSource]).toEqual([3, 'pushed']);
  });

  it('selects GLFT through the configuration', () => {
    const a = agentWith({ ...paper, model: 'glft', A: 140 });
    a.process(mid('X', 100));
    const q = a.process(vol('X', 2)).quote!;
    // q = 0: both distances 0.671243819436695 (model tests) → 99.32875618 → 99.3287, 100.67124382 → 100.6713
    expect([q.bidPrice, q.askPrice, q.model, q.tau]).toEqual([99.3287, 100.6713, 'glft', null]);
  });

  it('reports T − t of the configured horizon', () => {
    const a = agentWith({ ...paper, horizon: { mode: 'session', end: '16:00' }, volatility: { default: 2 } });
    // T0 is 14:30 UTC: 1.5 h to the end = 0.0625 day
    const q = a.process(mid('X', 100)).quote!;
    expect([q.horizon, q.tau]).toEqual(['session', 0.0625]);
  });
});

describe('MarketMakerAgent: fills, pauses and status', () => {
  it('counts a retried fill once', () => {
    const a = agentWith({ ...paper, volatility: { default: 2 } });
    a.process(mid('X', 100));
    expect(a.process(fill('X', 'oms-1', 'buy', 99.5, 3)).outcome).toBe('quoted');
    const again = a.process(fill('X', 'oms-1', 'buy', 99.5, 3));
    expect(again.outcome).toBe('duplicate');
    expect(again.quote?.seq).toBe(2);
    const v = a.view('X')!;
    expect([v.position, v.buyFills, v.fillsInHistory]).toEqual([3, 1, 1]);
    expect([a.stats.fills, a.stats.duplicateFills]).toEqual([1, 1]);
  });

  it('keeps tracking inventory while paused but publishes no quote', () => {
    const a = agentWith({ ...paper, volatility: { default: 2 } });
    a.process(mid('X', 100));
    a.process(mid('Y', 50));
    expect(a.pause('X')).toEqual(['X']);
    expect(a.quote('X')).toBeNull();
    const r = a.process(fill('X', 'f1', 'sell', 100, 2));
    expect([r.outcome, r.decision.reason]).toEqual(['no-quote', 'symbol-paused']);
    expect(a.view('X')!.position).toBe(-2);
    expect(a.process(mid('Y', 51)).outcome).toBe('quoted');
    a.pause();
    expect(a.status).toBe('paused');
    expect(a.process(mid('Y', 52)).decision.reason).toBe('agent-paused');
    expect(a.resume(T0).map((r) => [r.symbol, r.outcome])).toEqual([['X', 'no-quote'], ['Y', 'quoted']]);
    expect(a.resume(T0, 'X').map((r) => r.outcome)).toEqual(['quoted']);
    expect(a.status).toBe('idle');
    // the same mid makes the same quote as the resume published: held back (requote threshold)
    expect(a.process(mid('X', 100)).outcome).toBe('unchanged');
    expect(a.process(mid('X', 100.5)).outcome).toBe('quoted');
  });

  it('turns a non-finite result into the Error status, cleared by the next good quote', () => {
    const a = agentWith({ ...paper, volatility: { default: 2 } });
    a.process(mid('X', 100));
    a.process(position('X', 1, 100));
    const r = a.process(vol('X', 1e200)); // sigma² overflows to ∞
    expect([r.outcome, r.decision.reason]).toEqual(['no-quote', 'numerical-error']);
    expect(a.status).toBe('error');
    a.process(vol('X', 2));
    expect(a.status).toBe('idle');
  });
});

describe('MarketMakerAgent: bad input changes nothing', () => {
  const bad: [string, Update][] = [
    ['mid', mid('X', NaN)],
    ['mid', mid('X', Infinity)],
    ['mid', mid('X', -1)],
    ['mid', mid('X', 0)],
    ['sigma', vol('X', -0.5)],
    ['sigma', vol('X', 0)],
    ['sigma', vol('X', NaN)],
    ['quantity', fill('X', 'z', 'buy', 100, 0)],
    ['price', fill('X', 'z', 'buy', -100, 1)],
    ['side', { ...fill('X', 'z', 'buy', 100, 1), side: 'long' as 'buy' }],
    ['id', fill('X', '', 'buy', 100, 1)],
    ['averageCost', position('X', 5, NaN)],
    ['quantity', position('X', Infinity, 100)],
    ['time', mid('X', 100, NaN)],
    ['symbol', mid('', 100)],
    ['type', { type: 'trade', symbol: 'X', time: T0 } as unknown as Update],
  ];

  it.each(bad)('rejects a bad %s with a typed error naming it', (field, update) => {
    const a = agentWith({ ...paper, volatility: { default: 2 } });
    a.process(mid('X', 100));
    a.process(fill('X', 'f1', 'buy', 100, 2));
    const before = JSON.stringify({ view: a.view('X'), stats: { ...a.stats, rejected: 0 }, symbols: a.symbolCount });
    let thrown: unknown;
    try {
      a.process(update);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AgentError);
    expect((thrown as AgentError).field).toBe(field);
    expect((thrown as AgentError).code).toBe('INVALID_UPDATE');
    expect(JSON.stringify({ view: a.view('X'), stats: { ...a.stats, rejected: 0 }, symbols: a.symbolCount })).toBe(before);
    expect(a.stats.rejected).toBe(1);
  });

  it('rejects a position snapshot older than the one applied', () => {
    const a = agentWith();
    a.process(position('X', 5, 100, T0 + 10));
    expect(() => a.process(position('X', 7, 100, T0 + 5))).toThrow(expect.objectContaining({ code: 'STALE_UPDATE', field: 'time' }));
    expect(a.view('X')!.position).toBe(5);
  });

  it('refuses a symbol past maxSymbols', () => {
    const a = agentWith({ ...paper, maxSymbols: 2 });
    a.process(mid('A', 1));
    a.process(mid('B', 1));
    expect(() => a.process(mid('C', 1))).toThrow(expect.objectContaining({ code: 'SYMBOL_LIMIT' }));
    expect(a.symbolCount).toBe(2);
  });

  it('rejects a bad configuration naming the field', () => {
    expect(() => new MarketMakerAgent('x', { gamma: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', field: 'gamma' }));
    expect(() => new MarketMakerAgent('x', { minSpreadBps: 50, maxSpreadBps: 10 })).toThrow(expect.objectContaining({ field: 'minSpreadBps' }));
    expect(() => new MarketMakerAgent('x', { horizon: { mode: 'session', end: '25:00' } })).toThrow(expect.objectContaining({ field: 'horizon.end' }));
    expect(() => new MarketMakerAgent('x', { gama: 0.1 } as never)).toThrow(expect.objectContaining({ field: 'gama' }));
  });

  it('a smaller fillIdMemory forgets the oldest ids at once', () => {
    const a = agentWith({ ...paper, fillIdMemory: 2_000, maxInventory: 1e6 });
    for (let i = 0; i < 1_500; i++) a.process(fill('X', `f${i}`, 'buy', 100, 1));
    a.reconfigure({ ...a.config, fillIdMemory: 1_000 });
    expect(a.snapshot().fillIds).toHaveLength(1_000);
    expect(a.process(fill('X', 'f499', 'buy', 100, 1)).outcome).not.toBe('duplicate');
    // remembering f499 again pushed out the next oldest, f500
    expect(a.process(fill('X', 'f501', 'buy', 100, 1)).outcome).toBe('duplicate');
  });
});
