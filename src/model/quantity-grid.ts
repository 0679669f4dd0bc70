/**
 * Exact quantities on a quantity step (1e-8 for a crypto lot, 1 for shares).
 * A quantity is held as a double, but every sum of quantities is taken in
 * whole steps (integers, exact below 2^53), so buying 0.1 and 0.2 and
 * selling 0.3 leaves exactly 0, not 5.55e-17.
 *
 * The step is a decimal of at most 12 places: with scale = 10^d
 * and stepUnits = step·scale an integer, n steps are n·stepUnits / scale,
 * the correctly rounded double of the decimal, and the same decimal always
 * gives the same double.
 */
export interface QuantityGrid {
  step: number;
  /** 10^decimals of the step */
  scale: number;
  /** step · scale, an integer */
  stepUnits: number;
}

const MAX_DECIMALS = 12;

/** The fewest decimals d ≤ 12 for which step·10^d is a whole number (to within the double's rounding), or −1. */
function decimalsOf(step: number): number {
  for (let d = 0; d <= MAX_DECIMALS; d++) {
    const x = step * 10 ** d;
    if (x >= 0.5 && Math.abs(x - Math.round(x)) <= 1e-6) return d;
  }
  return -1;
}

/** The grid of a step; one that is not a decimal of at most 12 places gets 12 (config validation refuses it first). */
export function quantityGrid(step: number): QuantityGrid {
  const d = decimalsOf(step);
  const scale = 10 ** (d < 0 ? MAX_DECIMALS : d);
  return { step, scale, stepUnits: Math.max(1, Math.round(step * scale)) };
}

/** Whether the step is a decimal of at most 12 places, so that sums of steps are exact. */
export function isDecimalStep(step: number): boolean {
  return decimalsOf(step) >= 0;
}

/**
 * The whole number of steps in `quantity`, or NaN when it is not a multiple of
 * the step. A quantity within the double's own rounding of a multiple counts
 * as that multiple (0.1 is 0.1000000000000000055…).
 */
export function toSteps(quantity: number, g: QuantityGrid): number {
  const x = quantity * g.scale;
  const units = Math.round(x);
  if (Math.abs(x - units) > 1e-6 + Math.abs(x) * 4 * Number.EPSILON) return NaN;
  const steps = units / g.stepUnits;
  return Number.isInteger(steps) ? steps : NaN;
}

/** n steps as a quantity: the correctly rounded double of the decimal n·step. */
export function fromSteps(steps: number, g: QuantityGrid): number {
  // + 0 turns −0 (a short closed to flat) into 0
  return (steps * g.stepUnits) / g.scale + 0;
}
