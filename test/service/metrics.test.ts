import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../src/service/metrics.js';
import { WARM_UP_ROUNDS, warmUp } from '../../src/service/warm-up.js';
import { MarketMakerConfigSchema } from '../../src/agent/config.js';
import { promtool } from '../support/promtool.js';
import { hasProgram } from '../support/system-programs.js';
import { post, request, startServer, type Running } from '../support/server.js';

let s: Running;
const sym = (symbol: string) => `${s.url}/v1/agents/default/symbols/${symbol}`;

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:0-9]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('/metrics', () => {
  it('counts the updates it processed in the process() histogram and shows p99 against the budget', async () => {
    const metricsText = async () => (await request('GET', `${s.url}/metrics`)).body as string;
    await post(`${sym('M')}/volatility`, { sigma: 2 });
    for (let i = 0; i < 20; i++) await post(`${sym('M')}/mid`, { mid: 100 + i / 10 });
    await post(`${sym('M')}/mid`, { mid: -1 }); // rejected by the schema before process()
    await post(`${sym('M')}/fills`, { id: 'm1', side: 'buy', price: 100, quantity: 2 });
    const text = await metricsText();
    expect(sample(text, 'mm_process_duration_seconds_count', { agent: 'default' })).toBe(22);
    expect(sample(text, 'mm_process_duration_seconds_bucket', { agent: 'default', le: '0.0003' })).toBeGreaterThan(0);
    expect(sample(text, 'mm_process_duration_seconds_bucket', { agent: 'default', le: '+Inf' })).toBe(22);
    expect(sample(text, 'mm_updates_total', { agent: 'default', type: 'mid' })).toBe(20);
    expect(sample(text, 'mm_updates_total', { agent: 'default', type: 'fill' })).toBe(1);
    expect(sample(text, 'mm_quotes_published_total', { agent: 'default' })).toBe(21);
    expect(sample(text, 'mm_process_budget_seconds')).toBe(0.0003);
    const p99 = sample(text, 'mm_process_duration_p99_seconds', { agent: 'default' })!;
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThan(1);
    expect(sample(text, 'mm_inventory', { agent: 'default', symbol: 'M' })).toBe(2);
    expect(sample(text, 'mm_spread_bps', { agent: 'default', symbol: 'M' })).toBeGreaterThan(0);
    expect(sample(text, 'mm_toxicity', { agent: 'default', symbol: 'M' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'mm_agent_status', { agent: 'default', status: 'idle' })).toBe(1);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('counts updates the agent rejects, by reason', async () => {
    const t = Date.now();
    await post(`${sym('R')}/position`, { quantity: 1, averageCost: 10, time: t });
    await post(`${sym('R')}/position`, { quantity: 2, averageCost: 10, time: t - 1 });
    const text = (await request('GET', `${s.url}/metrics`)).body as string;
    expect(sample(text, 'mm_updates_rejected_total', { agent: 'default', type: 'position', reason: 'STALE_UPDATE' })).toBe(1);
  });

  it('times process() alone and each ledger append apart: every call counted, the journal write in its own histogram', async () => {
    const text = async () => (await request('GET', `${s.url}/metrics`)).body as string;
    const a = { agent: 'default' };
    const before = await text();
    const processed0 = sample(before, 'mm_process_duration_seconds_count', a) ?? 0;
    const ledger0 = sample(before, 'mm_ledger_append_duration_seconds_count', a) ?? 0;
    const t = Date.now();
    await post(`${sym('L')}/volatility`, { sigma: 2, time: t });
    await post(`${sym('L')}/mid`, { mid: 100, time: t });
    await post(`${sym('L')}/position`, { quantity: 1, averageCost: 100, time: t + 1 }); // journaled
    await post(`${sym('L')}/fills`, { id: 'ledger-1', side: 'buy', price: 99, quantity: 1, time: t + 2 }); // journaled
    await post(`${sym('L')}/fills`, { id: 'ledger-1', side: 'buy', price: 99, quantity: 1, time: t + 3 }); // a duplicate: process() runs, nothing journaled
    await post(`${sym('L')}/position`, { quantity: 5, averageCost: 100, time: t - 1 }); // stale: refused before the journal and before process()
    const after = await text();
    // 5 process() calls: volatility, mid, position, fill, duplicate fill
    expect(sample(after, 'mm_process_duration_seconds_count', a)! - processed0).toBe(5);
    expect(sample(after, 'mm_ledger_append_duration_seconds_count', a)! - ledger0).toBe(2);
    expect(sample(after, 'mm_ledger_append_duration_seconds_bucket', { ...a, le: '+Inf' })! - ledger0).toBe(2);
    for (const cause of ['gc', 'ledger', 'other']) {
      expect(sample(after, 'mm_process_budget_exceeded_total', { ...a, cause })).toBeGreaterThanOrEqual(0);
    }
    // the over-budget counts by process() cause never exceed the calls the histogram puts over the budget
    const over = sample(after, 'mm_process_duration_seconds_count', a)! - sample(after, 'mm_process_duration_seconds_bucket', { ...a, le: '0.0003' })!;
    const byCause = sample(after, 'mm_process_budget_exceeded_total', { ...a, cause: 'gc' })! + sample(after, 'mm_process_budget_exceeded_total', { ...a, cause: 'other' })!;
    expect(byCause).toBeLessThanOrEqual(over);
    const p999 = sample(after, 'mm_process_duration_p999_seconds', a)!;
    expect(p999).toBeGreaterThanOrEqual(sample(after, 'mm_process_duration_p99_seconds', a)!);
  });

  it('exports each symbol\'s inventory limit (the agent\'s maxInventory) beside its inventory', async () => {
    const t = await startServer({ agents: { small: { maxInventory: 7 }, big: { maxInventory: 250 } } });
    try {
      await post(`${t.url}/v1/agents/small/symbols/A/position`, { quantity: -5, averageCost: 10 });
      await post(`${t.url}/v1/agents/small/symbols/B/fills`, { id: 'f1', side: 'buy', price: 10, quantity: 1 });
      await post(`${t.url}/v1/agents/big/symbols/A/position`, { quantity: 240, averageCost: 10 });
      const text = (await request('GET', `${t.url}/metrics`)).body as string;
      expect(sample(text, 'mm_inventory_limit', { agent: 'small', symbol: 'A' })).toBe(7);
      expect(sample(text, 'mm_inventory_limit', { agent: 'small', symbol: 'B' })).toBe(7);
      expect(sample(text, 'mm_inventory_limit', { agent: 'big', symbol: 'A' })).toBe(250);
      expect(sample(text, 'mm_inventory', { agent: 'small', symbol: 'A' })).toBe(-5);
      expect(sample(text, 'mm_inventory', { agent: 'big', symbol: 'A' })).toBe(240);
      // a reconfiguration shows at the next scrape
      const patched = await request('PATCH', `${t.url}/v1/agents/small/config`, { maxInventory: 9 });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      const after = (await request('GET', `${t.url}/metrics`)).body as string;
      expect(sample(after, 'mm_inventory_limit', { agent: 'small', symbol: 'A' })).toBe(9);
    } finally {
      await t.close();
    }
  });

  it.skipIf(!hasProgram('promtool'))('promtool check metrics accepts the output (needs promtool)', async () => {
    const text = (await request('GET', `${s.url}/metrics`)).body as string;
    const r = promtool(['check', 'metrics'], text);
    expect(r.output).not.toMatch(/error/i);
    expect(r.status, r.output).toBe(0);
  });
});

describe('start-up warm-up', () => {
  it('drives scratch agents before the service is ready and leaves no trace in the real agents, journal or metrics', async () => {
    const fresh = await startServer({ agents: { default: {}, glft: { model: 'glft' } } });
    try {
      expect((await request('GET', `${fresh.url}/readyz`)).body).toEqual({ status: 'ready', halted: false });
      for (const id of ['default', 'glft']) {
        const agent = fresh.app.quoting.registry.get(id);
        expect(agent.symbolCount).toBe(0);
        expect(agent.stats.updates).toBe(0);
        expect(agent.stats.fills).toBe(0);
      }
      const text = (await request('GET', `${fresh.url}/metrics`)).body as string;
      expect(text).not.toMatch(/^mm_updates_total\{/m);
      expect(text).not.toMatch(/^mm_process_duration_seconds_count\{/m);
      // nothing of the warm-up reached the ledger: no entry, and no symbol in the snapshot the service starts from
      const ledger = fresh.app.quoting.ledger!;
      expect(ledger.lastSequence).toBe(0);
      expect(JSON.stringify(ledger.replay().state ?? {})).not.toContain('WARM');
    } finally {
      await fresh.close();
    }
  });
});

describe('warmUp()', () => {
  it('takes every update type through process() for the default and each distinct configuration, none refused', () => {
    const metrics = new ServiceMetrics(0.0003, 1_000, { agents: () => [], wsClients: () => 0, wsSubscriptions: () => 0 });
    try {
      const scratch = metrics.scratch();
      const glft = MarketMakerConfigSchema.parse({ model: 'glft' });
      // the default twice and GLFT: two distinct configurations
      const r = warmUp([MarketMakerConfigSchema.parse({}), glft], scratch);
      expect(r.agents).toBe(2);
      // per configuration: rounds × 4 symbols × 5 updates (volatility, mid, fill, position, mid)
      expect(r.updates).toBe(2 * WARM_UP_ROUNDS * 4 * 5);
      expect(r.refused).toBe(0);
      expect([...scratch.updates]).toEqual([2, 1, 1, 1].map((k) => k * 2 * WARM_UP_ROUNDS * 4));
      expect(scratch.duration.count).toBe(r.updates);
    } finally {
      metrics.close();
    }
  });
});

