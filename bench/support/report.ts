/**
 * What every benchmark hands back (rows for the table, raw figures for the
 * JSON file), the table itself, the machine description, and the `main` that
 * lets each benchmark file run alone or under `bench/run.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type Unit = 'ns' | 'µs' | 'ms' | 's' | 'req/s' | 'upd/s' | 'B' | 'B/upd' | 'count' | '%';

/** One figure: its value, what it is compared with, and whether it meets its target (null: no target). */
export interface Row {
  bench: string;
  /** what was measured, e.g. "process() p99" */
  figure: string;
  value: number;
  unit: Unit;
  /** the baseline measured in the same run, and its name */
  baseline?: { name: string; value: number } | undefined;
  /** value ÷ baseline value, when there is a baseline */
  ratio?: number | undefined;
  /** the target in words, e.g. "≤ 2 µs" or "≤ 5× floor" */
  target?: string | undefined;
  /** PASS/MISS against the target, null when the figure is informational */
  pass: boolean | null;
}

export interface BenchResult {
  name: string;
  title: string;
  quick: boolean;
  /** wall time of the benchmark, seconds */
  seconds: number;
  rows: Row[];
  /** anything worth reading beside the table: run parameters, caveats */
  notes: string[];
  /** the raw figures, for bench/results/*.json */
  data: Record<string, unknown>;
}

export interface BenchOptions {
  quick: boolean;
}

export interface Machine {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
  };
}

export function machineLine(m: Machine = machine()): string {
  return `Node ${m.node} (V8 ${m.v8}), ${m.platform}/${m.arch}, ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, kernel ${m.kernel}`;
}

/** A row with the ratio worked out and the verdict applied. */
export function row(
  bench: string,
  figure: string,
  value: number,
  unit: Unit,
  opts: { baseline?: { name: string; value: number }; target?: string; pass?: boolean | null } = {},
): Row {
  const ratio = opts.baseline !== undefined && opts.baseline.value !== 0 ? value / opts.baseline.value : undefined;
  return { bench, figure, value, unit, baseline: opts.baseline, ratio, target: opts.target, pass: opts.pass ?? null };
}

const group = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'ns':
      return `${group(value)} ns`;
    case 'µs':
      return `${group(value, value < 10 ? 2 : 1)} µs`;
    case 'ms':
      return `${group(value, value < 10 ? 3 : value < 100 ? 2 : 1)} ms`;
    case 's':
      return `${group(value, 2)} s`;
    case 'req/s':
    case 'upd/s':
      return `${group(value)} ${unit}`;
    case 'B':
      return value >= 10 * 1_048_576 ? `${group(value / 1_048_576, 1)} MiB` : value >= 10_240 ? `${group(value / 1_024, 1)} KiB` : `${group(value)} B`;
    case 'B/upd':
      return `${group(value, 1)} B/upd`;
    case 'count':
      return group(value);
    case '%':
      return `${group(value, 1)} %`;
  }
}

function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '—';
  return `${r < 10 ? r.toFixed(2) : r.toFixed(1)}×`;
}

/** The one table: benchmark | figure | value | baseline | ratio | target | result. */
export function table(rows: readonly Row[]): string {
  const header = ['benchmark', 'figure', 'value', 'baseline (same run)', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [
    r.bench,
    r.figure,
    formatValue(r.value, r.unit),
    r.baseline ? `${r.baseline.name} ${formatValue(r.baseline.value, r.unit)}` : '—',
    formatRatio(r.ratio),
    r.target ?? '—',
    r.pass === null ? 'info' : r.pass ? 'PASS' : 'MISS',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const right = new Set([2, 4]);
  const line = (c: readonly string[]) =>
    c.map((x, i) => (right.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let last = '';
  for (let i = 0; i < cells.length; i++) {
    const bench = rows[i]!.bench;
    const c = cells[i]!;
    out.push(line(bench === last ? ['', ...c.slice(1)] : c));
    last = bench;
  }
  return out.join('\n');
}

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = resolve(BENCH_DIR, 'results');
export const REPO_ROOT = resolve(BENCH_DIR, '..');

export function writeJson(file: string, value: unknown): string {
  const path = resolve(RESULTS_DIR, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

export function printResult(r: BenchResult): void {
  process.stdout.write(`\n${r.title}${r.quick ? ' (quick)' : ''}: ${r.seconds.toFixed(1)} s\n`);
  process.stdout.write(`${table(r.rows)}\n`);
  for (const n of r.notes) process.stdout.write(`  · ${n}\n`);
}

export function isQuick(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--quick');
}

/**
 * Runs a benchmark when its file is the entry point. Under `bench/run.ts` (an
 * IPC channel is open) the result goes back over IPC; alone, it is printed
 * and written to bench/results/<name>.json.
 */
export function mainIf(metaUrl: string, name: string, run: (o: BenchOptions) => Promise<BenchResult>): void {
  const entry = process.argv[1];
  if (entry === undefined || pathToFileURL(resolve(entry)).href !== metaUrl) return;
  const quick = isQuick();
  run({ quick }).then(
    (result) => {
      if (process.send !== undefined) {
        process.send({ type: 'result', result }, () => process.exit(0));
        return;
      }
      process.stdout.write(`${machineLine()}\n`);
      printResult(result);
      const path = writeJson(`${name}.json`, { machine: machine(), finishedAt: new Date().toISOString(), result });
      process.stdout.write(`\nfigures written to ${path}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
