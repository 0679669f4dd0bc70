/** One setting of a sweep, in a worker thread (see sweep.ts): a whole backtest, returning its summary. */
import { DataError } from './market-data.js';
import { runBacktest, type BacktestOptions } from './runner.js';
import type { BacktestSummary } from './summary.js';

export interface SweepTask { path: string; options: BacktestOptions }

/** A DataError does not survive the trip between threads as itself (only its message), so it is sent back as data. */
export type SweepOutcome =
  | { ok: true; summary: BacktestSummary }
  | { ok: false; file: string; line: number; field: string; problem: string };

export default async function runSetting(task: SweepTask): Promise<SweepOutcome> {
  try {
    return { ok: true, summary: (await runBacktest(task.path, task.options)).summary };
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    return { ok: false, file: e.file, line: e.line, field: e.field, problem: e.problem };
  }
}
