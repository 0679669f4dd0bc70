/** Command-line options of `npm run simulate`, parsed without side effects so they can be tested. */
import { UsageError } from '../command-line.js';
import { parseArgs } from 'node:util';
import { PAPER_GAMMAS, SPREAD_RULES, type SpreadRule } from './avellaneda-stoikov-simulation.js';

export interface SimulateOptions {
  paths: number;
  seed: number;
  gammas: number[];
  spread: SpreadRule;
  json: boolean;
  /** folder for the profit histograms (one SVG per gamma), or null */
  plot: string | null;
  help: boolean;
}

export const DEFAULT_PATHS = 1_000;
/** Arbitrary (the paper's year); fixed before the first run and not tuned. */
export const DEFAULT_SEED = 2008;

export const USAGE = `usage: npm run simulate -- [--paths N] [--seed S] [--gamma G[,G…]]… [--spread full|constant] [--json] [--plot DIR]

Reruns section 3 of Avellaneda & Stoikov (2008): the inventory and symmetric
strategies, ${DEFAULT_PATHS} paths per gamma by default, gammas ${PAPER_GAMMAS.join(', ')}.

  --paths N   paths per gamma, an integer ≥ 2 (default ${DEFAULT_PATHS})
  --seed S    PRNG seed, an integer in [0, 2^32) (default ${DEFAULT_SEED})
  --gamma G   risk aversion ≥ 0; repeat it or give a comma list to run a subset
  --spread R  full (default): δ = γσ²(T − t) + (2/γ)ln(1 + γ/k), the model's;
              constant: δ = (2/γ)ln(1 + γ/k) throughout, the value the paper's tables quote
  --json      print JSON instead of a table (use npm run -s to drop npm's banner)
  --plot DIR  also draw the paper's profit histograms, both strategies, one SVG per gamma
  --help      this text`;

export { UsageError };

const DIGITS = /^\d+$/;

function integerOption(name: string, text: string, min: number, maxExclusive: number): number {
  const value = Number(text);
  if (!DIGITS.test(text) || !(value >= min && value < maxExclusive)) {
    throw new UsageError(`--${name}: expected an integer in [${min}, ${maxExclusive}), got "${text}"`);
  }
  return value;
}

function isSpreadRule(text: string): text is SpreadRule {
  return (SPREAD_RULES as readonly string[]).includes(text);
}

function spreadOption(text: string): SpreadRule {
  if (!isSpreadRule(text)) throw new UsageError(`--spread: expected ${SPREAD_RULES.join(' or ')}, got "${text}"`);
  return text;
}

function gammaOption(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`--gamma: expected a finite number ≥ 0, got "${text}"`);
  }
  return value;
}

function plotOption(text: string): string {
  if (text.trim() === '') throw new UsageError('--plot: expected a folder');
  return text;
}

export function parseSimulateArgs(argv: readonly string[]): SimulateOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        paths: { type: 'string' },
        seed: { type: 'string' },
        gamma: { type: 'string', multiple: true },
        spread: { type: 'string' },
        json: { type: 'boolean', default: false },
        plot: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  const gammas = v.gamma === undefined
    ? [...PAPER_GAMMAS]
    : [...new Set(v.gamma.flatMap((g) => g.split(',')).map(gammaOption))];
  return {
    paths: v.paths === undefined ? DEFAULT_PATHS : integerOption('paths', v.paths, 2, 1e9),
    seed: v.seed === undefined ? DEFAULT_SEED : integerOption('seed', v.seed, 0, 2 ** 32),
    gammas,
    spread: v.spread === undefined ? 'full' : spreadOption(v.spread),
    json: v.json ?? false,
    plot: v.plot === undefined ? null : plotOption(v.plot),
    help: v.help ?? false,
  };
}
