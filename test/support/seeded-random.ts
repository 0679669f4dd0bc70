/**
 * Seeded draws for simulations in tests: the project's own generator
 * (xoshiro128** in src/sim/random.ts), with the normal and exponential
 * variates the calibration tests need. Not for anything cryptographic.
 */
import { seededUniform } from '../../src/sim/random.js';

export interface SeededRandom {
  /** uniform in [0, 1) */
  uniform(): number;
  /** standard normal (Box–Muller) */
  normal(): number;
  /** exponential with the given mean */
  exponential(mean: number): number;
}

export function seededRandom(seed: number): SeededRandom {
  const uniform = seededUniform(seed);
  // 1 − u lies in (0, 1], so the logarithms below are finite
  return {
    uniform,
    normal: () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
    exponential: (mean) => -mean * Math.log(1 - uniform()),
  };
}
