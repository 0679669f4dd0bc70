/**
 * Reply serialisation, per reply: Fastify's compiled serializer of the route's response schema
 * (src/service/replies.ts through z.toJSONSchema, as the routes use it) against JSON.stringify of
 * the same reply, in the same run, on replies of real agents (one level and three levels).
 *   npm run bench:replies            (QUICK=1 for a shorter run)
 * The serializer is the one Fastify compiles for a route (reply.compileSerializationSchema).
 */
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { MarketMakerAgent, type ProcessResult } from '../src/agent/index.js';
import { BatchReply, UpdateReply } from '../src/service/replies.js';
import { jsonSchema } from '../src/service/route-schemas.js';
import { updateReply } from '../src/service/routes/updates.js';

type Serialise = (v: unknown) => string;

async function compiled(): Promise<{ update: Serialise; batch: Serialise }> {
  const app = Fastify();
  let out: { update: Serialise; batch: Serialise } | undefined;
  app.get('/', async (_req, reply) => {
    out = {
      update: reply.compileSerializationSchema(jsonSchema(UpdateReply, 'output')) as Serialise,
      batch: reply.compileSerializationSchema(jsonSchema(BatchReply, 'output')) as Serialise,
    };
    return {};
  });
  await app.inject('/');
  await app.close();
  return out!;
}

function replies(levels: number): ProcessResult[] {
  const agent = new MarketMakerAgent('a', { levels, volatility: { default: 1 } });
  const out: ProcessResult[] = [];
  for (let i = 0; i < 1_000; i++) out.push(agent.process({ type: 'mid', symbol: `S${i % 50}`, mid: 100 + (i % 17) * 0.01, time: 1_700_000_000_000 + i }));
  return out;
}

/** ns per call of f over the replies, the best of `rounds` rounds (the machine is shared: best is the least disturbed) */
function time(f: (r: ProcessResult) => string, rs: ProcessResult[], calls: number, rounds: number): number {
  let best = Infinity;
  let sink = 0;
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) sink += f(rs[i % rs.length]!).length;
    best = Math.min(best, ((performance.now() - t0) * 1e6) / calls);
  }
  if (sink === 0) throw new Error('nothing serialised');
  return best;
}

const quick = process.env.QUICK === '1';
const calls = quick ? 50_000 : 300_000;
const rounds = quick ? 3 : 7;
const s = await compiled();
console.log(`reply serialisation, ns per reply (best of ${rounds} rounds of ${calls.toLocaleString()}; a shared machine: upper bounds, compare the ratios)`);
for (const levels of [1, 3]) {
  const rs = replies(levels);
  const stringify = time((r) => JSON.stringify(updateReply(r)), rs, calls, rounds);
  const schema = time((r) => s.update(r), rs, calls, rounds);
  console.log(`update reply, ${levels} level(s): JSON.stringify(updateReply(r)) ${stringify.toFixed(0)} ns, compiled UpdateReply ${schema.toFixed(0)} ns (×${(stringify / schema).toFixed(2)})`);
  const batch = (r: ProcessResult) => ({ results: Array.from({ length: 10 }, (_, i) => ({ index: i, ok: true as const, ...updateReply(r) })) });
  const summary = (r: ProcessResult) => ({ results: Array.from({ length: 10 }, (_, i) => ({ index: i, ok: true as const, outcome: r.outcome, seq: r.quote?.seq ?? null })) });
  const bs = time((r) => JSON.stringify(batch(r)), rs, calls / 10, rounds);
  const bc = time((r) => s.batch(batch(r)), rs, calls / 10, rounds);
  const ss = time((r) => JSON.stringify(summary(r)), rs, calls / 10, rounds);
  const sc = time((r) => s.batch(summary(r)), rs, calls / 10, rounds);
  console.log(`batch of 10, ${levels} level(s): JSON.stringify ${bs.toFixed(0)} ns, compiled BatchReply ${bc.toFixed(0)} ns (×${(bs / bc).toFixed(2)}); ?reply=summary: ${ss.toFixed(0)} ns vs ${sc.toFixed(0)} ns (×${(ss / sc).toFixed(2)})`);
}
