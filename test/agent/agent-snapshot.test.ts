import { describe, expect, it } from 'vitest';
import { MarketMakerAgent, type Update } from '../../src/agent/index.js';
import { seededRandom } from '../support/seeded-random.js';
import { T0 } from '../support/updates.js';

/**
 * A restart restores what the agent's quotes depend on: an agent rebuilt from its snapshot (through
 * JSON, as the ledger stores it) quotes exactly as the original on every update that follows,
 * toxicity (the packed fill rings' sums and evictions) included.
 */
function feed(seed: number, n: number, t0: number, tag: string): Update[] {
  const random = seededRandom(seed);
  const rnd = () => random.uniform();
  const mids = [100, 50, 20];
  const out: Update[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    const symbol = `X${k}`;
    const time = t0 + i * 400;
    if (rnd() < 0.6) {
      mids[k] = Math.max(1, mids[k]! * (1 + (rnd() - 0.5) * 0.002));
      out.push({ type: 'mid', symbol, mid: Math.round(mids[k] * 100) / 100, time });
    } else {
      const side = rnd() < 0.55 ? 'buy' : 'sell';
      out.push({ type: 'fill', symbol, id: `${tag}-${i}`, side, price: Math.round(mids[k]! * (side === 'buy' ? 0.999 : 1.001) * 100) / 100, quantity: 1, time });
    }
  }
  return out;
}

describe('agent snapshot', () => {
  it.each([1, 2, 3])('seed %i: the agent restored from its snapshot quotes as the original on 3,000 further updates', (seed) => {
    const config = { volatility: { default: 2 }, maxInventory: 1_000 };
    const a = new MarketMakerAgent('s', config);
    // 1,000-fill rings overflow: evictions of marked-out fills are part of what the restored sums must match
    for (const u of feed(seed, 9_000, T0, 'a')) a.process(u);
    // a mid past every fill's mark-out horizon, so no fill awaits its mark-out at the snapshot: one that did would be
    // marked out by the original and never by the restored agent (the mids after it are not journaled)
    for (const symbol of ['X0', 'X1', 'X2']) a.process({ type: 'mid', symbol, mid: a.view(symbol)!.quote!.mid, time: T0 + 9_000 * 400 + 30_000 });
    const restored = MarketMakerAgent.fromSnapshot(JSON.parse(JSON.stringify(a.snapshot())));
    expect(restored.views().map((v) => [v.symbol, v.fillsInHistory, v.position, v.toxicity])).toEqual(a.views().map((v) => [v.symbol, v.fillsInHistory, v.position, v.toxicity]));
    expect(a.views().some((v) => v.toxicity > 0)).toBe(true);
    // market data is not in a snapshot: as after a restart, the OMS sends each symbol's mid first (a fill before it
    // would be marked out against its own price instead of the mid)
    const t1 = T0 + 9_000 * 400 + 60_000;
    const mids: Update[] = ['X0', 'X1', 'X2'].map((symbol) => ({ type: 'mid', symbol, mid: a.view(symbol)!.quote!.mid, time: t1 }));
    const after = [...mids, ...feed(seed + 100, 3_000, t1 + 400, 'b')];
    let compared = 0;
    for (const u of after) {
      const x = a.process(u).quote;
      const y = restored.process(u).quote;
      compared++;
      expect(y?.toxicity).toBe(x?.toxicity);
      expect([y?.bidPrice, y?.askPrice]).toEqual([x?.bidPrice, x?.askPrice]);
    }
    expect(compared).toBe(3_003);
    expect(restored.views().map((v) => [v.fillsInHistory, v.toxicity])).toEqual(a.views().map((v) => [v.fillsInHistory, v.toxicity]));
  });
});
