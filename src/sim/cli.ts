/**
 * `npm run simulate`: reruns section 3 of Avellaneda & Stoikov (2008) and
 * prints the statistics per gamma and strategy. See simulate-args.ts for the flags.
 */
import { PAPER_MARKET, simulateGamma } from './avellaneda-stoikov-simulation.js';
import { parseCommandLine } from '../command-line.js';
import { parseSimulateArgs, USAGE } from './simulate-args.js';
import { buildReport, formatJson, formatTable } from './simulation-report.js';

function run(argv: readonly string[]): number {
  const options = parseCommandLine(() => parseSimulateArgs(argv), USAGE);
  if (typeof options === 'number') return options;
  const results = options.gammas.map((gamma) => simulateGamma(PAPER_MARKET, gamma, options.paths, options.seed, options.spread));
  const report = buildReport(PAPER_MARKET, options.paths, options.seed, options.spread, results);
  process.stdout.write(`${options.json ? formatJson(report) : formatTable(report)}\n`);
  return 0;
}

process.exitCode = run(process.argv.slice(2));
