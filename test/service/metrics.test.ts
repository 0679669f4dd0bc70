import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('times every journal append and counts the ones that fail (the refused writes)', async () => {
    const t = await startServer();
    try {
      const fills = `${t.url}/v1/agents/default/symbols/J/fills`;
      const scrape = async () => (await request('GET', `${t.url}/metrics`)).body as string;
      const before = await scrape();
      const count0 = sample(before, 'mm_journal_append_duration_seconds_count') ?? 0;
      expect(sample(before, 'mm_journal_append_failures_total')).toBe(0);
      for (let i = 0; i < 3; i++) expect((await post(fills, { id: `j${i}`, side: 'buy', price: 10, quantity: 1 })).status).toBe(200);
      // market data is not journaled
      await post(`${t.url}/v1/agents/default/symbols/J/mid`, { mid: 10 });
      const ok = await scrape();
      expect(sample(ok, 'mm_journal_append_duration_seconds_count')).toBe(count0 + 3);
      expect(sample(ok, 'mm_journal_append_duration_seconds_bucket', { le: '+Inf' })).toBe(count0 + 3);
      expect(sample(ok, 'mm_journal_append_duration_seconds_sum')).toBeGreaterThan(0);
      t.app.quoting.journal!.append = () => {
        throw new Error('ENOSPC: no space left on device, write');
      };
      expect((await post(fills, { id: 'j9', side: 'buy', price: 10, quantity: 1 })).status).toBe(503);
      expect((await post(fills, { id: 'j10', side: 'buy', price: 10, quantity: 1 })).status).toBe(503);
      const failed = await scrape();
      expect(sample(failed, 'mm_journal_append_failures_total')).toBe(2);
      expect(sample(failed, 'mm_journal_append_duration_seconds_count')).toBe(count0 + 3);
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
