/**
 * T − t, the time left to the model's horizon, in the agent's time unit.
 *
 * - `session`: T is the next occurrence of a UTC time of day; T − t shrinks to
 *   zero there and the next session (24 h long) starts at once.
 * - `rolling`: windows of fixed length laid end to end from the Unix epoch;
 *   T − t shrinks to zero at the end of each window.
 * - `infinite`: no end. Avellaneda–Stoikov uses the constant `tau`; GLFT ignores it.
 */
export type HorizonSpec =
  | { mode: 'session'; endMsOfDay: number }
  | { mode: 'rolling'; lengthMs: number }
  | { mode: 'infinite'; tau: number };

export type HorizonMode = HorizonSpec['mode'];

export const MS_PER_DAY = 86_400_000;

export const TIME_UNIT_MS = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: MS_PER_DAY,
} as const;

export type TimeUnit = keyof typeof TIME_UNIT_MS;

/** Time left to the horizon at `nowMs` (Unix ms), in units of `unitMs` milliseconds. */
export function timeToHorizon(spec: HorizonSpec, nowMs: number, unitMs: number): number {
  switch (spec.mode) {
    case 'infinite':
      return spec.tau;
    case 'session': {
      const msOfDay = ((nowMs % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
      return (((spec.endMsOfDay - msOfDay) % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY / unitMs;
    }
    case 'rolling': {
      const into = ((nowMs % spec.lengthMs) + spec.lengthMs) % spec.lengthMs;
      return (spec.lengthMs - into) / unitMs;
    }
  }
}
