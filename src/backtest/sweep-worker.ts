/** One setting of a sweep, in a worker thread (see sweep.ts): a whole backtest, returning its summary. */
import { runBacktest, type BacktestOptions } from './runner.js';
import type { BacktestSummary } from './summary.js';

export interface SweepTask { path: string; options: BacktestOptions }

export default async function runSetting(task: SweepTask): Promise<BacktestSummary> {
  return (await runBacktest(task.path, task.options)).summary;
}
