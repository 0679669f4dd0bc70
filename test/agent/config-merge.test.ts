import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../../src/agent/config-merge.js';
import { parseConfig } from '../../src/agent/config.js';

describe('mergeConfig', () => {
  const current = parseConfig({ intensity: { source: 'configured', minFills: 10 }, toxicity: { low: 0.2 }, levelStep: { unit: 'bps', value: 7 }, horizon: { mode: 'rolling', length: 2 } });

  it('merges every nested object one level deep, keeping the fields the patch does not name', () => {
    const merged = parseConfig(mergeConfig(current, { intensity: { source: 'estimated' }, toxicity: { high: 0.9 }, levelStep: { unit: 'half-spread' }, gamma: 0.3 }));
    expect(merged.intensity).toMatchObject({ source: 'estimated', minFills: 10 });
    expect(merged.toxicity).toMatchObject({ low: 0.2, high: 0.9 });
    expect(merged.levelStep).toEqual({ unit: 'half-spread', value: 7 });
    expect(merged.gamma).toBe(0.3);
  });

  it('replaces the horizon whole, since its fields depend on its mode', () => {
    expect(parseConfig(mergeConfig(current, { horizon: { mode: 'infinite' } })).horizon).toEqual({ mode: 'infinite', tau: 1 });
  });
});
