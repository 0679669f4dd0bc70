import { MarketMakerAgent, type ProcessResult, type Update } from '../src/agent/index.js';
import { DECISIONS } from '../src/agent/quote.js';
import { ALL_UPDATE_TYPES, allocationPerCall, updatesOfType } from './support/allocation.js';
const out: ProcessResult = { symbol: '', outcome: 'no-quote', quote: null, decision: DECISIONS.noMid, breach: false, withdrawn: false };
const symbols = Array.from({ length: 100 }, (_, i) => `A${i}`);
const n = 100_000;
let t = Date.UTC(2024, 0, 2, 14, 30);
const agent = new MarketMakerAgent('p', JSON.parse(process.argv[2] ?? '{}'));
for (const symbol of symbols) { agent.process({ type: 'volatility', symbol, sigma: 2, time: t }); agent.process({ type: 'mid', symbol, mid: 100, time: t }); }
// every type first, interleaved, as a live feed has them
for (let r = 0; r < 3; r++) for (const type of ALL_UPDATE_TYPES) for (const u of updatesOfType(type, symbols, 30_000, (t += 40_000), `w${r}${type}`)) agent.process(u, out);
for (const type of (process.argv[3] ? [process.argv[3]] : ALL_UPDATE_TYPES) as typeof ALL_UPDATE_TYPES) {
  const us = updatesOfType(type, symbols, n, (t += n + 1000), `m${type}`);
  console.log(type, allocationPerCall(n, (i) => (agent.process(us[i]!, out).breach ? 1 : 0)).bytesPerUpdate.toFixed(1));
}
