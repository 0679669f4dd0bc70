/**
 * The paper's profit histograms (Avellaneda & Stoikov 2008, section 3): for
 * one gamma, the distribution of final profit over the paths for the
 * inventory strategy and the symmetric one, overlaid on common bins.
 */
import { BASE, type TopLevelSpec } from '../plot/render-svg.js';
import { STRATEGIES } from './avellaneda-stoikov-simulation.js';
import type { ProfitSamples } from './profit-samples.js';

export function profitHistogramSpec(gamma: number, samples: ProfitSamples, paths: number, seed: number): TopLevelSpec {
  const values = STRATEGIES.flatMap((strategy) => Array.from(samples[strategy], (profit) => ({ strategy, profit })));
  return {
    ...BASE,
    title: { text: `Profit over ${paths} paths, γ = ${gamma}`, subtitle: `Avellaneda & Stoikov (2008), section 3; seed ${seed}` },
    width: 620, height: 320,
    data: { values },
    mark: { type: 'bar', opacity: 0.55, binSpacing: 0 },
    encoding: {
      x: { field: 'profit', type: 'quantitative', bin: { maxbins: 50 }, title: 'profit (final cash + q·s_T)' },
      y: { aggregate: 'count', type: 'quantitative', stack: null, title: 'paths' },
      color: { field: 'strategy', type: 'nominal', title: 'strategy', scale: { domain: [...STRATEGIES], range: ['#1f77b4', '#ff7f0e'] } },
    },
  };
}
