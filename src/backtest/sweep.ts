/**
 * Runs a sweep's settings in worker threads (piscina), each a whole backtest
 * of the same file with its own configuration, and collects one frontier
 * point per setting: the mean net P&L per interval against its standard
 * deviation. The grid is at most MAX_SWEEP_SETTINGS settings and the pool at
 * most MAX_WORKERS threads; the settings wait in piscina's queue.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { BacktestOptions } from './runner.js';
import type { BacktestSummary } from './summary.js';
import type { SweepSetting } from './sweep-grid.js';
import { DataError } from './market-data.js';
import type { SweepOutcome, SweepTask } from './sweep-worker.js';
import type { FrontierPoint } from './plots.js';

export const MAX_WORKERS = 8;

export interface SweepResult { label: string; values: Record<string, number>; summary: BacktestSummary }

export function defaultWorkers(): number {
  return Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
}

/** The worker module beside this one: TypeScript under tsx (npm run backtest, tests), JavaScript once compiled. */
function workerModule(): { filename: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { filename: new URL('./sweep-worker.ts', import.meta.url).href, execArgv: ['--import', tsx] };
  }
  return { filename: new URL('./sweep-worker.js', import.meta.url).href, execArgv: [] };
}

export async function runSweep(
  path: string,
  base: Omit<BacktestOptions, 'config'>,
  settings: readonly SweepSetting[],
  workers: number,
  onDone?: (done: number) => void,
): Promise<SweepResult[]> {
  const threads = Math.max(1, Math.min(workers, MAX_WORKERS, settings.length));
  const pool = new Piscina<SweepTask, SweepOutcome>({ ...workerModule(), minThreads: threads, maxThreads: threads });
  let done = 0;
  try {
    return await Promise.all(settings.map(async (s) => {
      const outcome = await pool.run({ path, options: { ...base, config: s.config } });
      if (!outcome.ok) throw new DataError(outcome.file, outcome.line, outcome.field, outcome.problem);
      onDone?.(++done);
      return { label: s.label, values: s.values, summary: outcome.summary };
    }));
  } finally {
    await pool.destroy();
  }
}

/** Settings whose P&L statistics exist (at least two whole intervals). */
export function frontierPoints(results: readonly SweepResult[]): FrontierPoint[] {
  return results.flatMap((r) => {
    const { mean, std } = r.summary.pnlPerInterval;
    return mean === null || std === null ? [] : [{ label: r.label, mean, std }];
  });
}
