/**
 * One change, measured alone: the service of two checkouts (this one and
 * another, e.g. `git worktree add ../base HEAD~1`) under the same load (benchmark 2's mids or summary batches),
 * each in its own `bench/support/server-child.ts app` process, slices taken
 * in turn (A, B, B, A, …) so that a change of the VM's speed hits both alike.
 * Reports each side's server CPU per request or per update (user+system, all threads) as
 * the median of the slices, and the median of the paired ratios B/A, one per
 * round.
 *
 *   npm run bench:ab -- <other checkout> [rounds] [seconds per slice] [mid|summary]
 *
 * A is the other checkout (before), B this one (after). Not part of `npm run bench`:
 * a tool for bench/README.md's change-by-change figures.
 */
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { BATCH, batchRequests, countArg, median, midRequests, seed } from './support/ingest-load.js';
import { startServer, type ServerChild } from './support/servers.js';

async function main(): Promise<void> {
  const other = process.argv[2];
  if (other === undefined) throw new Error('usage: npm run bench:ab -- <other checkout> [rounds] [seconds] [mid|summary]');
  const rounds = countArg(process.argv[3], 10, 'rounds');
  const seconds = countArg(process.argv[4], 1, 'seconds per slice');
  const scenario = process.argv[5] ?? 'mid';
  if (scenario !== 'mid' && scenario !== 'summary') throw new Error(`scenario: mid or summary, not ${scenario}`);
  const requests = scenario === 'mid' ? midRequests() : batchRequests('?reply=summary');
  const perRequest = scenario === 'mid' ? 1 : BATCH;
  const [a, b] = await Promise.all([startServer('app', 'ab-other', { root: resolve(other) }), startServer('app', 'ab-this')]);
  await Promise.all([seed(a.url), seed(b.url)]);
  const slice = async (side: ServerChild, s: number) => {
    const before = await side.stats();
    const r = await autocannon({ url: side.url, connections: 10, pipelining: 1, duration: s, requests });
    const after = await side.stats();
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${side === a ? 'A' : 'B'}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    // all threads' CPU time (server-child.ts answers with process.cpuUsage())
    return (after.cpuUs - before.cpuUs) / (r['2xx'] * perRequest);
  };
  try {
    await slice(a, 2);
    await slice(b, 2);
    const fa: number[] = [];
    const fb: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const [x, y] = r % 2 === 0 ? [a, b] : [b, a];
      const first = await slice(x, seconds);
      const second = await slice(y, seconds);
      const [ca, cb] = x === a ? [first, second] : [second, first];
      fa.push(ca);
      fb.push(cb);
      ratios.push(cb / ca);
    }
    const unit = scenario === 'mid' ? 'per request' : 'per update';
    console.log(`${scenario}: server CPU µs ${unit}, median of ${rounds} slices of ${seconds} s: A ${median(fa).toFixed(2)}, B ${median(fb).toFixed(2)}; B/A paired median ${median(ratios).toFixed(3)} [${ratios.map((x) => x.toFixed(2)).join(' ')}]`);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
