/**
 * `npm run bench [-- --quick] [-- --only process,fanout]`: runs every
 * benchmark, each in a fresh child process (its own heap, JIT state and
 * file descriptors; one at a time), prints one table and writes
 * bench/results/latest.json with the machine it ran on.
 *
 * --quick runs short versions (under 60 s in all) that prove the benchmarks
 * still work; it asserts nothing about speed. The exit status is non-zero
 * only when a benchmark fails to run, never for a MISS.
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isQuick, machine, machineLine, REPO_ROOT, table, writeJson, type BenchResult } from './support/report.js';

export const BENCHMARKS = ['process', 'memory', 'journal', 'http-ingest', 'fanout', 'live-feed', 'scrape'] as const;
type Name = (typeof BENCHMARKS)[number];

function selected(argv: readonly string[]): Name[] {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return [...BENCHMARKS];
  const arg = argv[i]!;
  const list = (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = list.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
  if (unknown.length > 0 || list.length === 0) throw new Error(`--only takes some of ${BENCHMARKS.join(', ')}; got "${list.join(',')}"`);
  return list as Name[];
}

function runOne(name: Name, quick: boolean): Promise<BenchResult> {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  return new Promise((ok, fail) => {
    const child = fork(file, quick ? ['--quick'] : [], {
      cwd: REPO_ROOT,
      execArgv: ['--expose-gc', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: BenchResult | null = null;
    child.on('message', (m: { type: string; result: BenchResult }) => {
      if (m.type === 'result') result = m.result;
    });
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code === 0 && result !== null) ok(result);
      else fail(new Error(`benchmark ${name} exited with ${code}${result === null ? ' without a result' : ''}`));
    });
  });
}

async function main(): Promise<void> {
  const quick = isQuick();
  const names = selected(process.argv.slice(2));
  const m = machine();
  const startedAt = new Date();
  const t0 = performance.now();
  process.stdout.write(`${machineLine(m)}\n${quick ? 'quick run: short versions, nothing asserted about speed' : 'full run'}: ${names.join(', ')}\n`);

  const results: BenchResult[] = [];
  const failures: string[] = [];
  for (const name of names) {
    const t = performance.now();
    process.stdout.write(`\n▸ ${name} …`);
    try {
      const r = await runOne(name, quick);
      results.push(r);
      process.stdout.write(` ${((performance.now() - t) / 1_000).toFixed(1)} s\n`);
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      process.stdout.write(` FAILED\n`);
    }
  }
  const seconds = (performance.now() - t0) / 1_000;

  process.stdout.write(`\n${table(results.flatMap((r) => r.rows))}\n`);
  for (const r of results) {
    process.stdout.write(`\n${r.title}${r.quick ? ' (quick)' : ''}: ${r.seconds.toFixed(1)} s\n`);
    for (const n of r.notes) process.stdout.write(`  · ${n}\n`);
  }
  const rows = results.flatMap((r) => r.rows);
  const misses = rows.filter((r) => r.pass === false);
  const passes = rows.filter((r) => r.pass === true);
  process.stdout.write(`\n${passes.length} PASS, ${misses.length} MISS${misses.length ? `: ${misses.map((r) => `${r.bench} ${r.figure}`).join('; ')}` : ''}\n`);
  process.stdout.write(`total ${seconds.toFixed(1)} s${quick ? ' (quick)' : ''}\n`);

  const path = writeJson('latest.json', {
    machine: m,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick,
    seconds,
    benchmarks: Object.fromEntries(results.map((r) => [r.name, r])),
    failures,
  });
  process.stdout.write(`figures written to ${path}\n`);
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.join('\n')}\n`);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
