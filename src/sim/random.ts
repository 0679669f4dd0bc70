/**
 * A seeded pseudo-random generator, so that a simulation run with the same seed
 * replays exactly, on any machine: xoshiro128** (Blackman & Vigna 2018,
 * https://prng.di.unimi.it/xoshiro128starstar.c), seeded through splitmix32.
 *
 * Why this one: a few lines of 32-bit integer arithmetic (Math.imul, shifts),
 * which JavaScript performs exactly, so the stream does not depend on the
 * engine; a period of 2^128 − 1, far beyond the ~10^6 draws of a run; and good
 * statistical quality for Monte Carlo. Not for anything cryptographic.
 */

/** A source of uniform numbers in [0, 1). */
export type Uniform = () => number;

export type Xoshiro128State = readonly [number, number, number, number];

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The raw generator: unsigned 32-bit outputs from an explicit state (not all zero). */
export function xoshiro128StarStar(state: Xoshiro128State): () => number {
  let [s0, s1, s2, s3] = state;
  s0 |= 0; s1 |= 0; s2 |= 0; s3 |= 0;
  if ((s0 | s1 | s2 | s3) === 0) throw new RangeError('xoshiro128** state must not be all zero');
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
}

/**
 * splitmix32: a Weyl sequence through the murmur3 finaliser. It spreads one
 * 32-bit seed over the 128-bit state, so neighbouring seeds (1, 2, 3…) start
 * unrelated streams. Its outputs are a bijection of distinct Weyl steps, so
 * four in a row are distinct and never make the forbidden all-zero state.
 */
export function splitmix32(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const TWO_POW_32 = 4_294_967_296;

/** Uniforms in [0, 1) with 32 bits of resolution from an integer seed (taken modulo 2^32). */
export function seededUniform(seed: number): Uniform {
  const mix = splitmix32(seed);
  const next = xoshiro128StarStar([mix(), mix(), mix(), mix()]);
  return () => next() / TWO_POW_32;
}
