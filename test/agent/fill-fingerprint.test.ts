import { describe, expect, it } from 'vitest';
import { MarketMakerAgent, parseConfig, type FillUpdate } from '../../src/agent/index.js';
import { fillFingerprint, fingerprintDiff } from '../../src/agent/fill-fingerprint.js';

const T0 = Date.UTC(2024, 0, 2, 14, 30);
const fill = (extra: Partial<FillUpdate> = {}): FillUpdate => ({ type: 'fill', symbol: 'X', id: 'f1', side: 'buy', price: 100, quantity: 2, time: T0, ...extra });

describe('a fill id reused with another fee or liquidity', () => {
  it('is a conflict naming the field, not a duplicate: the first fill stands', () => {
    const a = new MarketMakerAgent('a', parseConfig({ fees: { makerBps: 1, takerBps: 5 } }));
    a.process({ type: 'mid', symbol: 'X', mid: 100, time: T0 });
    a.process(fill({ fee: 0.02 }));
    const realised = a.view('X')!.realisedPnl;
    for (const [other, field] of [[{ fee: 0.5 }, 'fee'], [{ fee: 0.02, liquidity: 'taker' as const }, 'liquidity'], [{}, 'fee']] as const) {
      expect(() => a.process(fill(other)), field).toThrow(expect.objectContaining({ code: 'FILL_ID_CONFLICT' }));
      expect(fingerprintDiff(fillFingerprint(fill({ fee: 0.02 })), fill(other))).toContain(field);
    }
    // the same contents again: a retry
    expect(a.process(fill({ fee: 0.02 })).outcome).toBe('duplicate');
    expect(a.view('X')!.position).toBe(2);
    expect(a.view('X')!.realisedPnl).toBe(realised);
  });

  it('a fingerprint kept before fees existed (four fields) still matches a retry of the same fill', () => {
    const old = ['X', 'buy', '100', '2'].join('\u0000');
    expect(fingerprintDiff(old, fill())).toEqual([]);
    expect(fingerprintDiff(old, fill({ price: 101 }))).toEqual(['price']);
  });
});
