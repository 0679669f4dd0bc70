/** The simulator's output: a fixed-width table for the terminal, or JSON. */
import { stepCount, STRATEGIES, type GammaResult, type MarketParams, type SpreadRule } from './avellaneda-stoikov-simulation.js';

export interface SimulationReport {
  paper: string;
  market: MarketParams;
  steps: number;
  paths: number;
  seed: number;
  /** how the two strategies' randomness relates, stated in the output so a reader need not guess */
  randomNumbers: string;
  spreadRule: SpreadRule;
  /** what the "avg spread" column is */
  spreadDefinition: string;
  results: GammaResult[];
}

const SPREAD_DEFINITION: Record<SpreadRule, { json: string; table: string }> = {
  full: {
    json: 'ask - bid = gamma*sigma^2*(T - t) + (2/gamma)*ln(1 + gamma/k), averaged over all steps and paths; spreadAtHorizon is the constant term alone',
    table: 'avg spread = ask − bid = γσ²(T − t) + (2/γ)ln(1 + γ/k), averaged over all steps and paths;',
  },
  constant: {
    json: 'ask - bid = (2/gamma)*ln(1 + gamma/k) at every step (--spread constant); the reservation price still uses T - t',
    table: 'avg spread = ask − bid = (2/γ)ln(1 + γ/k) at every step (--spread constant); r still uses T − t;',
  },
};

export function buildReport(
  market: MarketParams, paths: number, seed: number, spreadRule: SpreadRule, results: GammaResult[],
): SimulationReport {
  return {
    paper: 'Avellaneda & Stoikov (2008), High-frequency trading in a limit order book, Quantitative Finance 8(3):217-224, section 3',
    market: { ...market },
    steps: stepCount(market),
    paths,
    seed,
    randomNumbers: 'common: for each gamma both strategies face the same mid paths and fill draws; every gamma replays the same stream from the seed',
    spreadRule,
    spreadDefinition: SPREAD_DEFINITION[spreadRule].json,
    results,
  };
}

const COLUMNS = ['gamma', 'strategy', 'avg spread', 'mean profit', 'std profit', 'mean q', 'std q'] as const;

function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

export function formatTable(r: SimulationReport): string {
  const m = r.market;
  const rows: string[][] = [];
  for (const g of r.results) {
    for (const strategy of STRATEGIES) {
      const s = g[strategy];
      rows.push([String(g.gamma), strategy, fixed(s.averageSpread, 4), fixed(s.meanProfit, 2), fixed(s.stdProfit, 2),
        fixed(s.meanInventory, 3), fixed(s.stdInventory, 2)]);
    }
  }
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((row) => (row[i] ?? '').length)));
  // text columns left-aligned, numbers right-aligned so their decimal points line up
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  const horizon = r.results.map((g) => `gamma ${g.gamma}: ${fixed(g.spreadAtHorizon, 4)}`).join(', ');
  return [
    'Avellaneda & Stoikov (2008), section 3',
    `s0 = ${m.s0}, T = ${m.T}, sigma = ${m.sigma}, dt = ${m.dt} (${r.steps} steps), q0 = ${m.q0}, k = ${m.k}, A = ${m.A}; ${r.paths} paths per gamma, seed ${r.seed}`,
    'Both strategies of a gamma face the same mid paths and fill draws.',
    SPREAD_DEFINITION[r.spreadRule].table,
    `the constant term (2/γ)ln(1 + γ/k), the paper's "spread": ${horizon}.`,
    '',
    line(COLUMNS),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

export function formatJson(r: SimulationReport): string {
  return JSON.stringify(r, null, 2);
}
