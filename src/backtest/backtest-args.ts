/** Command-line options of `npm run backtest`, parsed and checked before anything runs. */
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseConfig, type MarketMakerConfig } from '../agent/index.js';
import { UsageError } from '../command-line.js';
import type { FillModelSpec } from './fill-models.js';
import { parseTime } from './market-data.js';
import { DEFAULT_OPTIONS, type BacktestOptions } from './runner.js';
import { parseSweepAxis, sweepSettings, type SweepSetting } from './sweep-grid.js';
import { defaultWorkers, MAX_WORKERS } from './sweep.js';

export interface BacktestCommand {
  data: string;
  out: string;
  options: BacktestOptions;
  /** empty: one backtest with plots; else one run per setting and the frontier */
  sweep: SweepSetting[];
  workers: number;
  json: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run backtest -- --data FILE [--config agent.json] [--out DIR] [options]

Replays recorded market data through a MarketMakerAgent and writes summary.json
and plots (pnl-inventory.svg, quotes.svg, markouts.svg) to DIR. See docs/backtest.md.

  --data FILE          CSV with a header line (time,mid[,sigma][,price,quantity,side])
                       or JSON lines of the same fields; time as epoch ms or ISO 8601
  --config FILE        the agent's configuration, JSON, as the service takes it (default: all defaults)
  --out DIR            output folder (default backtest-out)
  --fill MODEL         trade-through (default): recorded trades at or through our price fill us;
                       intensity: each step fills an order with probability 1 − e^(−A·e^(−kδ)·dt)
  --queue-ahead Q      trade-through: units ahead of a new order at its price (default ${DEFAULT_OPTIONS.queueAhead})
  --fill-A A           intensity: arrival rate at distance 0, per timeUnit (default: the config's A)
  --fill-k K           intensity: decay per price unit (default: the config's k)
  --seed S             intensity: seed, an integer in [0, 2^32) (default ${DEFAULT_OPTIONS.seed})
  --latency MS         from a quote to its effect on the exchange (default ${DEFAULT_OPTIONS.latencyMs})
  --fee-bps F          fee per fill in bps of its notional, negative for a rebate (default ${DEFAULT_OPTIONS.feeBps})
  --interval MS        interval of the P&L statistics and Sharpe ratio, ≥ 1000 (default ${DEFAULT_OPTIONS.intervalMs})
  --markout MS         mark-out horizon (default ${DEFAULT_OPTIONS.markoutMs})
  --zoom-start TIME    start of the quotes plot (default: when our first order is live)
  --zoom MS            length of the quotes plot (default ${DEFAULT_OPTIONS.zoomMs})
  --sweep NAME=V,V…    run a grid over numeric configuration fields (repeat, or list
                       more NAME=V,V… after it); writes sweep.json and frontier.svg
  --workers N          sweep threads, 1 to ${MAX_WORKERS} (default: the cores, at most ${MAX_WORKERS})
  --json               print the summary (or the sweep) as JSON on stdout
  --help               this text`;

function numberOption(name: string, text: string | undefined, fallback: number, check: (x: number) => boolean, expected: string): number {
  if (text === undefined) return fallback;
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name}: expected ${expected}, got "${text}"`);
  return x;
}

function loadConfig(path: string | undefined): MarketMakerConfig {
  if (path === undefined) return parseConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--config ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return parseConfig(raw);
  } catch (e) {
    throw new UsageError(`--config ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function parseBacktestArgs(argv: readonly string[]): BacktestCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        config: { type: 'string' },
        out: { type: 'string' },
        fill: { type: 'string' },
        'queue-ahead': { type: 'string' },
        'fill-A': { type: 'string' },
        'fill-k': { type: 'string' },
        seed: { type: 'string' },
        latency: { type: 'string' },
        'fee-bps': { type: 'string' },
        interval: { type: 'string' },
        markout: { type: 'string' },
        'zoom-start': { type: 'string' },
        zoom: { type: 'string' },
        sweep: { type: 'string', multiple: true },
        workers: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  const help = v.help ?? false;
  const empty: BacktestCommand = { data: '', out: '', options: { ...DEFAULT_OPTIONS, config: parseConfig({}), fill: { kind: 'trade-through', queueAhead: 0 } }, sweep: [], workers: 1, json: false, help };
  if (help) return empty;
  if (v.data === undefined) throw new UsageError('--data: required (a CSV or JSON lines file of market data)');
  try {
    if (!statSync(v.data).isFile()) throw new Error('not a file');
  } catch (e) {
    throw new UsageError(`--data ${v.data}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // positionals continue --sweep: `--sweep gamma=0.01,0.1 k=1,2`
  if (parsed.positionals.length > 0 && v.sweep === undefined) throw new UsageError(`unexpected argument "${parsed.positionals[0]}" (NAME=V,V… axes follow --sweep)`);
  const config = loadConfig(v.config);

  const positive = (x: number): boolean => x > 0;
  const nonNegative = (x: number): boolean => x >= 0;
  const fillName = v.fill ?? 'trade-through';
  let fill: FillModelSpec;
  if (fillName === 'trade-through') {
    fill = { kind: 'trade-through', queueAhead: numberOption('queue-ahead', v['queue-ahead'], DEFAULT_OPTIONS.queueAhead, nonNegative, 'a number ≥ 0') };
  } else if (fillName === 'intensity') {
    fill = {
      kind: 'intensity',
      A: numberOption('fill-A', v['fill-A'], config.A, positive, 'a number > 0'),
      k: numberOption('fill-k', v['fill-k'], config.k, positive, 'a number > 0'),
      seed: numberOption('seed', v.seed, DEFAULT_OPTIONS.seed, (x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32, 'an integer in [0, 2^32)'),
    };
  } else {
    throw new UsageError(`--fill: expected trade-through or intensity, got "${fillName}"`);
  }
  for (const [flag, model] of [['queue-ahead', 'trade-through'], ['fill-A', 'intensity'], ['fill-k', 'intensity'], ['seed', 'intensity']] as const) {
    if (v[flag] !== undefined && fill.kind !== model) throw new UsageError(`--${flag}: applies to --fill ${model} only`);
  }
  let zoomStart: number | undefined;
  if (v['zoom-start'] !== undefined) {
    const t = parseTime(v['zoom-start']);
    if (typeof t === 'string') throw new UsageError(`--zoom-start: ${t}`);
    zoomStart = t;
  }
  const options: BacktestOptions = {
    config,
    fill,
    latencyMs: numberOption('latency', v.latency, DEFAULT_OPTIONS.latencyMs, nonNegative, 'milliseconds ≥ 0'),
    feeBps: numberOption('fee-bps', v['fee-bps'], DEFAULT_OPTIONS.feeBps, (x) => Math.abs(x) <= 1e4, 'bps in [-10000, 10000]'),
    intervalMs: numberOption('interval', v.interval, DEFAULT_OPTIONS.intervalMs, (x) => x >= 1000, 'milliseconds ≥ 1000'),
    markoutMs: numberOption('markout', v.markout, DEFAULT_OPTIONS.markoutMs, positive, 'milliseconds > 0'),
    zoomStart,
    zoomMs: numberOption('zoom', v.zoom, DEFAULT_OPTIONS.zoomMs, positive, 'milliseconds > 0'),
  };
  const axes = [...(v.sweep ?? []), ...parsed.positionals].map(parseSweepAxis);
  return {
    data: v.data,
    out: v.out ?? 'backtest-out',
    options,
    sweep: axes.length === 0 ? [] : sweepSettings(config, axes),
    workers: numberOption('workers', v.workers, defaultWorkers(), (x) => Number.isInteger(x) && x >= 1 && x <= MAX_WORKERS, `an integer in [1, ${MAX_WORKERS}]`),
    json: v.json ?? false,
    help,
  };
}
