/**
 * `npm run simulate`: reruns section 3 of Avellaneda & Stoikov (2008) and
 * prints the statistics per gamma and strategy; with --plot DIR, also the
 * profit histograms. See simulate-args.ts for the flags.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAPER_MARKET, simulateGamma, type SpreadRule } from './avellaneda-stoikov-simulation.js';
import { parseCommandLine } from '../command-line.js';
import { parseSimulateArgs, USAGE } from './simulate-args.js';
import { buildReport, formatJson, formatTable } from './simulation-report.js';

/** One histogram per gamma, named profit-gamma-<γ>.svg; the plotting libraries load only for --plot. */
async function plot(dir: string, gammas: readonly number[], paths: number, seed: number, spread: SpreadRule): Promise<string[]> {
  const [{ renderSvg }, { profitHistogramSpec }, { profitSamples }] = await Promise.all([
    import('../plot/render-svg.js'), import('./profit-plot.js'), import('./profit-samples.js'),
  ]);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const gamma of gammas) {
    const file = join(dir, `profit-gamma-${gamma}.svg`);
    writeFileSync(file, await renderSvg(profitHistogramSpec(gamma, profitSamples(PAPER_MARKET, gamma, paths, seed, spread), paths, seed)));
    files.push(file);
  }
  return files;
}

async function run(argv: readonly string[]): Promise<number> {
  const options = parseCommandLine(() => parseSimulateArgs(argv), USAGE);
  if (typeof options === 'number') return options;
  const results = options.gammas.map((gamma) => simulateGamma(PAPER_MARKET, gamma, options.paths, options.seed, options.spread));
  const report = buildReport(PAPER_MARKET, options.paths, options.seed, options.spread, results);
  process.stdout.write(`${options.json ? formatJson(report) : formatTable(report)}\n`);
  if (options.plot !== null) {
    const files = await plot(options.plot, options.gammas, options.paths, options.seed, options.spread);
    // stderr, so that --json output stays one JSON document
    process.stderr.write(`wrote ${files.join(', ')}\n`);
  }
  return 0;
}

process.exitCode = await run(process.argv.slice(2));
