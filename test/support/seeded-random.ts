/**
 * A small seeded PRNG for simulations in tests: mulberry32 (32-bit state,
 * period 2^32), which is plenty for a few million draws and reproducible
 * across platforms. Not for anything cryptographic.
 */
export interface SeededRandom {
  /** uniform in [0, 1) */
  uniform(): number;
  /** standard normal (Box–Muller) */
  normal(): number;
  /** exponential with the given mean */
  exponential(mean: number): number;
}

export function seededRandom(seed: number): SeededRandom {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // 1 − u lies in (0, 1], so the logarithms below are finite
  return {
    uniform,
    normal: () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
    exponential: (mean) => -mean * Math.log(1 - uniform()),
  };
}
