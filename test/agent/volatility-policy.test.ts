import { describe, expect, it } from 'vitest';
import { volatilitySource } from '../../src/agent/volatility-policy.js';

describe('volatility policy', () => {
  // [policy, pushed, estimate (NaN while warming up), default] → source
  const cases: [Parameters<typeof volatilitySource>[0], number, number, number | null, ReturnType<typeof volatilitySource>][] = [
    ['pushed', 2, 3, 1, 'pushed'],
    ['pushed', NaN, 3, 1, 'default'],
    ['pushed', NaN, 3, null, null],
    ['estimated', 2, 3, 1, 'estimated'],
    ['estimated', 2, NaN, 1, 'pushed'],
    ['estimated', NaN, NaN, 1, 'default'],
    ['estimated', NaN, NaN, null, null],
    ['estimated', NaN, 0, null, null], // a flat mid estimates 0: no sigma to quote with
    ['pushed-else-estimated', 2, 3, 1, 'pushed'],
    ['pushed-else-estimated', NaN, 3, 1, 'estimated'],
    ['pushed-else-estimated', NaN, NaN, 1, 'default'],
    ['pushed-else-estimated', NaN, NaN, null, null],
  ];
  it.each(cases)('%s, pushed %s, estimate %s, default %s → %s', (policy, pushed, estimate, fallback, source) => {
    expect(volatilitySource(policy, pushed, estimate, fallback)).toBe(source);
  });
});
