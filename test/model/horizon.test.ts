import { describe, expect, it } from 'vitest';
import { timeToHorizon, TIME_UNIT_MS } from '../../src/model/horizon.js';

const day = TIME_UNIT_MS.day;
// 2026-11-24T12:00:00Z
const noon = Date.UTC(2026, 10, 24, 12, 0, 0);

describe('time to horizon', () => {
  it('session: T − t shrinks to zero at the session end, then a new 24 h session starts', () => {
    const end = 16 * 3_600_000; // 16:00 UTC
    // noon → 4 h left = 4/24 day, = 14,400 s
    expect(timeToHorizon({ mode: 'session', endMsOfDay: end }, noon, day)).toBeCloseTo(4 / 24, 12);
    expect(timeToHorizon({ mode: 'session', endMsOfDay: end }, noon, TIME_UNIT_MS.second)).toBe(14_400);
    // exactly at the end: zero
    expect(timeToHorizon({ mode: 'session', endMsOfDay: end }, noon + 4 * 3_600_000, day)).toBe(0);
    // one second later: almost a full day to the next end
    expect(timeToHorizon({ mode: 'session', endMsOfDay: end }, noon + 4 * 3_600_000 + 1_000, TIME_UNIT_MS.second)).toBe(86_399);
  });

  it('rolling: windows of fixed length from the epoch', () => {
    const hour = TIME_UNIT_MS.hour;
    // noon is a whole number of hours since the epoch, so a 1 h window has just started
    expect(timeToHorizon({ mode: 'rolling', lengthMs: hour }, noon, hour)).toBe(1);
    expect(timeToHorizon({ mode: 'rolling', lengthMs: hour }, noon + 15 * 60_000, hour)).toBe(0.75);
    expect(timeToHorizon({ mode: 'rolling', lengthMs: hour }, noon + hour - 1, TIME_UNIT_MS.second)).toBeCloseTo(0.001, 12);
  });

  it('infinite: the configured constant', () => {
    expect(timeToHorizon({ mode: 'infinite', tau: 0.25 }, noon, day)).toBe(0.25);
  });
});
