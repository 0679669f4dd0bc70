/**
 * `npm run simulate`: reruns section 3 of Avellaneda & Stoikov (2008) and
 * prints the statistics per gamma and strategy. See simulate-args.ts for the flags.
 */
import { PAPER_MARKET, simulateGamma } from './avellaneda-stoikov-simulation.js';
import { parseSimulateArgs, USAGE, UsageError, type SimulateOptions } from './simulate-args.js';
import { buildReport, formatJson, formatTable } from './simulation-report.js';

function run(argv: readonly string[]): number {
  let options: SimulateOptions;
  try {
    options = parseSimulateArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const results = options.gammas.map((gamma) => simulateGamma(PAPER_MARKET, gamma, options.paths, options.seed, options.spread));
  const report = buildReport(PAPER_MARKET, options.paths, options.seed, options.spread, results);
  process.stdout.write(`${options.json ? formatJson(report) : formatTable(report)}\n`);
  return 0;
}

process.exitCode = run(process.argv.slice(2));
