import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  avellanedaStoikovQuote,
  intensityHalfSpread,
  optimalSpread,
  reservationPrice,
} from '../../src/model/avellaneda-stoikov.js';

// The paper's section 3 parameters: s = 100, sigma = 2, T − t = 1, gamma = 0.1, k = 1.5.
// By hand: ln(1 + 0.1/1.5) = ln(16/15) = 0.0645385211375712 (30-digit decimal, Python),
//   spread = 0.1·2²·1 + (2/0.1)·0.0645385211375712 = 0.4 + 1.290770422751423 = 1.690770422751423.
const PAPER_SPREAD = 1.690770422751423;

describe('Avellaneda–Stoikov formulas against hand-computed values', () => {
  it('reservation price r = s − qγσ²(T−t)', () => {
    expect(reservationPrice(100, 0, 0.1, 2, 1)).toBe(100);
    // q = 3: 100 − 3·0.1·4·1 = 98.8
    expect(reservationPrice(100, 3, 0.1, 2, 1)).toBeCloseTo(98.8, 12);
    // q = −2, tau = 0.5: 100 + 2·0.1·4·0.5 = 100.4
    expect(reservationPrice(100, -2, 0.1, 2, 0.5)).toBeCloseTo(100.4, 12);
    // at the horizon the inventory no longer moves it
    expect(reservationPrice(100, 50, 0.1, 2, 0)).toBe(100);
  });

  it('optimal spread is the full bid–ask distance', () => {
    expect(optimalSpread(0.1, 2, 1, 1.5)).toBeCloseTo(PAPER_SPREAD, 12);
    // gamma = 0.5, sigma = 2, tau = 0.25, k = 1.5: 0.5·4·0.25 + 4·ln(4/3) = 0.5 + 1.1507282898071236
    expect(optimalSpread(0.5, 2, 0.25, 1.5)).toBeCloseTo(1.6507282898071236, 12);
  });

  it('quote at the paper parameters with inventory 3', () => {
    const q = avellanedaStoikovQuote({ mid: 100, inventory: 3, gamma: 0.1, sigma: 2, tau: 1, k: 1.5 });
    expect(q.reservation).toBeCloseTo(98.8, 12);
    expect(q.spread).toBeCloseTo(PAPER_SPREAD, 12);
    expect(q.bid).toBeCloseTo(98.8 - PAPER_SPREAD / 2, 12); // 97.95461478862429
    expect(q.ask).toBeCloseTo(98.8 + PAPER_SPREAD / 2, 12); // 99.64538521137571
  });

  it('gamma → 0 tends to 2/k without dividing by zero', () => {
    expect(optimalSpread(0, 2, 1, 1.5)).toBeCloseTo(2 / 1.5, 12);
    expect(intensityHalfSpread(0, 4)).toBe(0.25);
    expect(optimalSpread(1e-14, 2, 1, 1.5)).toBeCloseTo(2 / 1.5, 10);
    // continuity across the cut-off used for tiny gamma/k
    expect(intensityHalfSpread(1.5e-12 * 0.999, 1.5)).toBeCloseTo(intensityHalfSpread(1.5e-12 * 1.001, 1.5), 12);
    expect(reservationPrice(100, 5, 0, 2, 1)).toBe(100);
  });
});

const gamma = fc.double({ min: 1e-6, max: 10, noNaN: true });
const sigma = fc.double({ min: 1e-6, max: 100, noNaN: true });
const tau = fc.double({ min: 0, max: 10, noNaN: true });
const k = fc.double({ min: 1e-3, max: 100, noNaN: true });
const mid = fc.double({ min: 1e-2, max: 1e6, noNaN: true });
const inventory = fc.double({ min: -1e3, max: 1e3, noNaN: true });

describe('Avellaneda–Stoikov properties', () => {
  it('bid < r < ask, and the quote is symmetric around r', () => {
    fc.assert(fc.property(mid, inventory, gamma, sigma, tau, k, (s, q, g, sg, t, kk) => {
      const quote = avellanedaStoikovQuote({ mid: s, inventory: q, gamma: g, sigma: sg, tau: t, k: kk });
      expect(quote.bid).toBeLessThan(quote.reservation);
      expect(quote.reservation).toBeLessThan(quote.ask);
      expect(quote.ask - quote.bid).toBeCloseTo(quote.spread, 6);
    }));
  });

  it('the reservation price moves against inventory', () => {
    fc.assert(fc.property(mid, gamma, sigma, fc.double({ min: 1e-3, max: 10, noNaN: true }), fc.double({ min: 1e-3, max: 100, noNaN: true }),
      (s, g, sg, t, q) => {
        // strictness needs the shift to be representable next to the mid in double precision
        fc.pre(q * g * sg * sg * t > s * 1e-12);
        expect(reservationPrice(s, q, g, sg, t)).toBeLessThan(s);
        expect(reservationPrice(s, -q, g, sg, t)).toBeGreaterThan(s);
        expect(reservationPrice(s, 2 * q, g, sg, t)).toBeLessThan(reservationPrice(s, q, g, sg, t));
      }));
  });

  it('the spread grows with sigma and with tau', () => {
    fc.assert(fc.property(gamma, sigma, tau, k, fc.double({ min: 1.01, max: 10, noNaN: true }), (g, sg, t, kk, f) => {
      fc.pre(g * sg * sg * (t + 1e-3) > optimalSpread(g, sg, t + 1e-3, kk) * 1e-12);
      expect(optimalSpread(g, sg * f, t + 1e-3, kk)).toBeGreaterThan(optimalSpread(g, sg, t + 1e-3, kk));
      expect(optimalSpread(g, sg, (t + 1e-3) * f, kk)).toBeGreaterThan(optimalSpread(g, sg, t + 1e-3, kk));
    }));
  });

  it('the spread is never below the intensity term 2·(1/γ)ln(1+γ/k), which lies in (0, 2/k]', () => {
    fc.assert(fc.property(gamma, sigma, tau, k, (g, sg, t, kk) => {
      const floor = 2 * intensityHalfSpread(g, kk);
      expect(floor).toBeGreaterThan(0);
      expect(floor).toBeLessThanOrEqual(2 / kk + 1e-12);
      expect(optimalSpread(g, sg, t, kk)).toBeGreaterThanOrEqual(floor);
    }));
  });
});
