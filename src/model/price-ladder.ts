/**
 * Prices of the deeper levels of a quote: level i sits i·step beyond level 0
 * (bids lower, asks higher), rounded away from the mid, and at least one tick
 * beyond level i − 1, so a step below a tick cannot stack two levels on one price.
 */
import { roundDown, roundUp, type TickGrid } from './price-grid.js';

export function ladderBid(level0: number, previous: number, level: number, step: number, grid: TickGrid): number {
  const stepped = roundDown(level0 - level * step, grid);
  const belowPrevious = roundDown(previous - grid.tick, grid);
  return stepped < belowPrevious ? stepped : belowPrevious;
}

export function ladderAsk(level0: number, previous: number, level: number, step: number, grid: TickGrid): number {
  const stepped = roundUp(level0 + level * step, grid);
  const abovePrevious = roundUp(previous + grid.tick, grid);
  return stepped > abovePrevious ? stepped : abovePrevious;
}
