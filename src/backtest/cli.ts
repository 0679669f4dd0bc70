/**
 * `npm run backtest`: one backtest of a recorded file (summary.json and
 * three plots), or with --sweep a grid of settings run in worker threads
 * (sweep.json and frontier.svg). See backtest-args.ts for the flags.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine } from '../command-line.js';
import { parseBacktestArgs, USAGE, type BacktestCommand } from './backtest-args.js';
import { DataError } from './market-data.js';
import { progressBar } from './progress.js';
import { runBacktest } from './runner.js';
import type { BacktestSummary } from './summary.js';
import { frontierPoints, runSweep } from './sweep.js';

const fmt = (x: number | null, digits = 4): string => (x === null ? 'n/a' : x.toFixed(digits));

function describe(s: BacktestSummary): string {
  return [
    `${s.data.file}: ${s.data.rows} rows (${s.data.mids} mids, ${s.data.trades} trades) from ${s.data.start} to ${s.data.end}`,
    `fill model ${s.fillModel.kind}, latency ${s.latencyMs} ms, fee ${s.feeBps} bps`,
    `net P&L ${fmt(s.pnl.net)} (gross ${fmt(s.pnl.gross)}, fees ${fmt(s.pnl.fees)}), max drawdown ${fmt(s.maxDrawdown)}, Sharpe per day ${fmt(s.sharpePerDay, 2)}`,
    `fills ${s.fills.count} (${s.fills.buys} buys, ${s.fills.sells} sells, ${s.fills.partial} partial), inventory final ${s.inventory.final}, min ${s.inventory.min}, max ${s.inventory.max}, mean ${fmt(s.inventory.mean)}`,
    `quote uptime ${fmt(s.quoteUptime.both)} (both sides), time in breach ${fmt(s.timeInBreach.fraction)}, mark-out ${fmt(s.markouts.meanBps, 2)} bps after ${s.markouts.horizonMs} ms`,
  ].join('\n');
}

async function single(c: BacktestCommand): Promise<void> {
  const bar = progressBar('replay', 100);
  let result;
  try {
    result = await runBacktest(c.data, c.options, (read, size) => bar.update(size > 0 ? Math.floor((read / size) * 100) : 100));
  } finally {
    bar.stop();
  }
  mkdirSync(c.out, { recursive: true });
  writeFileSync(join(c.out, 'summary.json'), `${JSON.stringify(result.summary, null, 2)}\n`);
  // the plotting libraries load only when there is something to plot
  const { renderBacktestPlots } = await import('./plots.js');
  const plots = await renderBacktestPlots(result.series, result.summary.data.file, c.options.markoutMs);
  for (const [name, svg] of Object.entries(plots) as [string, string][]) writeFileSync(join(c.out, name), svg);
  process.stdout.write(c.json ? `${JSON.stringify(result.summary, null, 2)}\n` : `${describe(result.summary)}\nwrote ${['summary.json', ...Object.keys(plots)].map((f) => join(c.out, f)).join(', ')}\n`);
}

async function sweep(c: BacktestCommand): Promise<void> {
  const bar = progressBar('sweep', c.sweep.length);
  let results;
  try {
    results = await runSweep(c.data, c.options, c.sweep, c.workers, (done) => bar.update(done));
  } finally {
    bar.stop();
  }
  mkdirSync(c.out, { recursive: true });
  const out = results.map((r) => ({ setting: r.values, label: r.label, summary: r.summary }));
  writeFileSync(join(c.out, 'sweep.json'), `${JSON.stringify(out, null, 2)}\n`);
  const [{ renderSvg }, { frontierSpec }] = await Promise.all([import('../plot/render-svg.js'), import('./plots.js')]);
  const svg = await renderSvg(frontierSpec(frontierPoints(results), c.options.intervalMs, `Sweep over ${c.data.split(/[\\/]/).pop()}: mean net P&L against its standard deviation`));
  writeFileSync(join(c.out, 'frontier.svg'), svg);
  const lines = results.map((r) => `${r.label}: net P&L ${fmt(r.summary.pnl.net)}, per interval mean ${fmt(r.summary.pnlPerInterval.mean)} std ${fmt(r.summary.pnlPerInterval.std)}, fills ${r.summary.fills.count}`);
  process.stdout.write(c.json ? `${JSON.stringify(out, null, 2)}\n` : `${lines.join('\n')}\nwrote ${join(c.out, 'sweep.json')}, ${join(c.out, 'frontier.svg')}\n`);
}

async function run(argv: readonly string[]): Promise<number> {
  const c = parseCommandLine(() => parseBacktestArgs(argv), USAGE);
  if (typeof c === 'number') return c;
  try {
    await (c.sweep.length > 0 ? sweep(c) : single(c));
    return 0;
  } catch (e) {
    // bad data is the user's to fix: the message names the line and field; anything else is a defect and keeps its stack
    if (e instanceof DataError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = await run(process.argv.slice(2));
