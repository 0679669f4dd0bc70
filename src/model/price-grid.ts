/** Rounding to a tick grid: bids round down and asks up, so rounding never narrows the spread. */

export interface TickGrid {
  tick: number;
  /** 10^decimals of the tick, to strip binary noise (0.1 + 0.2) from rounded prices */
  scale: number;
}

export function tickGrid(tick: number): TickGrid {
  let decimals = 0;
  for (; decimals < 15; decimals++) {
    const x = tick * 10 ** decimals;
    const whole = Math.round(x);
    if (whole >= 1 && Math.abs(whole - x) <= 1e-9 * x) break;
  }
  return { tick, scale: 10 ** decimals };
}

// Tolerance in ticks: 100.00 / 0.01 is 9999.999999999998 in binary floating point.
const EPS = 1e-9;

export function roundDown(price: number, grid: TickGrid): number {
  return Math.round(Math.floor(price / grid.tick + EPS) * grid.tick * grid.scale) / grid.scale;
}

export function roundUp(price: number, grid: TickGrid): number {
  return Math.round(Math.ceil(price / grid.tick - EPS) * grid.tick * grid.scale) / grid.scale;
}
