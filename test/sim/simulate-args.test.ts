import { describe, expect, it } from 'vitest';
import { DEFAULT_PATHS, DEFAULT_SEED, parseSimulateArgs, UsageError } from '../../src/sim/simulate-args.js';

describe('npm run simulate arguments', () => {
  it('defaults to the paper: 1,000 paths, γ = 0.1, 0.01, 0.5, the full spread, a table', () => {
    expect(parseSimulateArgs([])).toEqual({
      paths: 1000, seed: 2008, gammas: [0.1, 0.01, 0.5], spread: 'full', json: false, plot: null, help: false,
    });
    expect([DEFAULT_PATHS, DEFAULT_SEED]).toEqual([1000, 2008]);
  });

  it('reads --paths, --seed, --spread and --json', () => {
    const o = parseSimulateArgs(['--paths', '250', '--seed=4294967295', '--spread', 'constant', '--json']);
    expect(o).toMatchObject({ paths: 250, seed: 4294967295, spread: 'constant', json: true });
  });

  it('--gamma may repeat or be a comma list; order is kept, repeats dropped', () => {
    expect(parseSimulateArgs(['--gamma', '0.5', '--gamma', '0.1,0.01,0.5']).gammas).toEqual([0.5, 0.1, 0.01]);
    expect(parseSimulateArgs(['--gamma=0']).gammas).toEqual([0]);
  });

  it('--plot names the folder for the profit histograms', () => {
    expect(parseSimulateArgs(['--plot', 'out/plots']).plot).toBe('out/plots');
    expect(() => parseSimulateArgs(['--plot', ''])).toThrow(UsageError);
  });

  it.each([
    [['--paths', '1']],
    [['--paths', '0']],
    [['--paths', '1.5']],
    [['--paths', '']],
    [['--paths', '1e3']],
    [['--seed', '-1']],
    [['--seed', '4294967296']],
    [['--gamma', '-0.1']],
    [['--gamma', 'abc']],
    [['--gamma', '0.1,']],
    [['--gamma', 'Infinity']],
    [['--spread', 'half']],
    [['--bogus']],
    [['positional']],
  ])('rejects %j with a UsageError', (argv) => {
    expect(() => parseSimulateArgs(argv)).toThrow(UsageError);
  });
});
