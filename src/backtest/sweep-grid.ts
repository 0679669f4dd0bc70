/**
 * A sweep's grid: `name=v1,v2,…` axes over numeric fields of the agent's
 * configuration (dotted paths reach nested ones, e.g. toxicity.maxMultiplier),
 * crossed into one configuration per setting, each checked by the agent's
 * own schema.
 */
import { parseConfig, type MarketMakerConfig } from '../agent/index.js';
import { UsageError } from '../command-line.js';

export interface SweepAxis { path: string; values: number[] }
export interface SweepSetting { label: string; values: Record<string, number>; config: MarketMakerConfig }

/** Most settings one sweep may run (docs/backtest.md, "Bounds"). */
export const MAX_SWEEP_SETTINGS = 1_000;

const PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

export function parseSweepAxis(text: string): SweepAxis {
  const eq = text.indexOf('=');
  const path = eq < 0 ? '' : text.slice(0, eq).trim();
  if (!PATH.test(path)) throw new UsageError(`--sweep: expected name=v1,v2,… (e.g. gamma=0.01,0.05,0.1), got "${text}"`);
  const values = text.slice(eq + 1).split(',').map((v) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--sweep ${path}: expected finite numbers separated by commas, got "${v}"`);
    return x;
  });
  return { path, values: [...new Set(values)] };
}

function setPath(target: Record<string, unknown>, path: string, value: number): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = node[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
  }
  node[keys[keys.length - 1]!] = value;
}

/** Every combination of the axes' values, the first axis slowest; throws a UsageError naming a setting the schema refuses. */
export function sweepSettings(base: MarketMakerConfig, axes: readonly SweepAxis[]): SweepSetting[] {
  const paths = axes.map((a) => a.path);
  if (new Set(paths).size !== paths.length) throw new UsageError(`--sweep: an axis is given twice (${paths.join(', ')})`);
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_SWEEP_SETTINGS) throw new UsageError(`--sweep: ${total} settings; at most ${MAX_SWEEP_SETTINGS}`);
  let combos: Record<string, number>[] = [{}];
  for (const a of axes) combos = combos.flatMap((c) => a.values.map((v) => ({ ...c, [a.path]: v })));
  return combos.map((values) => {
    const raw = structuredClone(base) as unknown as Record<string, unknown>;
    for (const [p, v] of Object.entries(values)) {
      const current = p.split('.').reduce<unknown>((n, k) => (typeof n === 'object' && n !== null ? (n as Record<string, unknown>)[k] : undefined), base);
      if (typeof current !== 'number') throw new UsageError(`--sweep ${p}: not a numeric field of the agent's configuration`);
      setPath(raw, p, v);
    }
    const label = Object.entries(values).map(([p, v]) => `${p}=${v}`).join(' ');
    try {
      return { label, values, config: parseConfig(raw) };
    } catch (e) {
      throw new UsageError(`--sweep ${label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}
