import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceConfigSchema } from '../../src/service/config.js';
import {
  array, DASHBOARD, dashboardVariables, exportedSeriesNames, loadDashboard, metricNames, readYaml, record, str, type DashboardPanel,
} from '../support/ops.js';
import { post, request, startServer, type Running } from '../support/server.js';

let s: Running;
/** every series name the real app's /metrics can show */
let exported: Set<string>;

beforeAll(async () => {
  s = await startServer();
  // so that labelled series exist too (the names come from the # TYPE lines either way)
  await post(`${s.url}/v1/agents/default/symbols/D/volatility`, { sigma: 2 });
  await post(`${s.url}/v1/agents/default/symbols/D/mid`, { mid: 100 });
  exported = exportedSeriesNames((await request('GET', `${s.url}/metrics`)).body as string);
});
afterAll(() => s.close());

const { raw, panels } = loadDashboard();
const queries = panels.flatMap((p) => p.queries);
const panelNamed = (pattern: RegExp): DashboardPanel => {
  const found = panels.filter((p) => pattern.test(p.title));
  expect(found.map((p) => p.title), `one panel titled ${pattern}`).toHaveLength(1);
  return found[0]!;
};

describe('metricNames (PromQL scanner used below)', () => {
  it('finds the selected metrics and nothing else', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, agent) (rate(mm_process_duration_seconds_bucket{agent=~"a.*"}[1m])))'))
      .toEqual(['mm_process_duration_seconds_bucket']);
    expect(metricNames('mm_pnl_realised + on (agent, symbol) group_left mm_pnl_unrealised offset 5m > bool 1e-3'))
      .toEqual(['mm_pnl_realised', 'mm_pnl_unrealised']);
    expect(metricNames('sum without (instance) (rate(x_total[5m:1m]))')).toEqual(['x_total']);
    expect(metricNames('up{job="quoting", le="by (x)"} == 0')).toEqual(['up']);
  });
});

describe(`the Grafana dashboard ${DASHBOARD}`, () => {
  it('is a dashboard with a stable uid and panels that each query the provisioned Prometheus data source', () => {
    expect(raw.uid).toBe('mm-quoting');
    expect(typeof raw.title).toBe('string');
    const ds = record(array(record(readYaml('deploy/grafana/provisioning/datasources/prometheus.yml'), 'datasources file').datasources, 'datasources')[0], 'datasource');
    expect(panels.length).toBeGreaterThanOrEqual(10);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.queries.length, p.title).toBeGreaterThan(0);
      expect(record(p.raw.datasource, `${p.title}.datasource`)).toMatchObject({ type: ds.type, uid: ds.uid });
      const pos = record(p.raw.gridPos, `${p.title}.gridPos`);
      expect(Number(pos.x) + Number(pos.w), p.title).toBeLessThanOrEqual(24);
      expect(new Set(p.queries.map((q) => q.refId)).size, p.title).toBe(p.queries.length);
    }
  });

  it('every expression names only metrics the running service exports (histograms with _bucket/_sum/_count)', () => {
    expect(exported.has('mm_process_duration_seconds_bucket')).toBe(true);
    for (const q of queries) {
      const names = metricNames(q.expr);
      expect(names.length, `${q.panel} ${q.refId}: ${q.expr}`).toBeGreaterThan(0);
      for (const n of names) expect(exported.has(n), `${q.panel} ${q.refId}: ${n} is not exported`).toBe(true);
    }
  });

  it('covers the metrics the operators watch', () => {
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
    for (const m of [
      'mm_process_duration_seconds_bucket', 'mm_process_duration_p99_seconds', 'mm_process_budget_seconds', 'mm_updates_total',
      'mm_updates_rejected_total', 'mm_quotes_published_total', 'mm_ws_clients', 'mm_ws_conflated_total', 'mm_spread_bps',
      'mm_inventory', 'mm_toxicity', 'mm_agent_status', 'mm_inventory_limit', 'mm_pnl_realised', 'mm_pnl_unrealised',
      'mm_ledger_append_duration_seconds_bucket', 'nodejs_eventloop_lag_p99_seconds',
    ]) expect(used.has(m), m).toBe(true);
  });

  it('has $agent and $symbol variables (multi-value, with All) that every per-agent and per-symbol query filters on', () => {
    const vars = dashboardVariables(raw);
    expect(vars.map((v) => v.name)).toEqual(['agent', 'symbol']);
    for (const v of vars) expect([v.multi, v.includeAll, v.allValue], v.name).toEqual([true, true, '.*']);
    // the symbol list follows the agent selection
    expect(vars[1]!.query).toContain('agent=~"$agent"');
    const perSymbol = new Set(['mm_inventory', 'mm_inventory_limit', 'mm_spread_bps', 'mm_toxicity', 'mm_pnl_realised', 'mm_pnl_unrealised']);
    const perAgent = new Set(['mm_process_duration_p99_seconds', 'mm_process_budget_exceeded_total', 'mm_updates_total', 'mm_updates_rejected_total',
      'mm_quotes_published_total', 'mm_agent_status']);
    for (const q of queries) {
      // every selector of a labelled metric carries the matching filter (the histogram p99/p50 panel shows all agents against one budget)
      for (const m of q.expr.matchAll(/\b(mm_[a-z_]+)(\{[^}]*\})?/g)) {
        const [, name, matchers = ''] = m as unknown as [string, string, string | undefined];
        if (perSymbol.has(name)) expect(matchers, `${q.panel} ${q.refId}: ${name}`).toBe('{agent=~"$agent", symbol=~"$symbol"}');
        // ledger refusals are the service's health, shown whatever agents are selected
        if (perAgent.has(name) && matchers !== '{reason="LEDGER_UNAVAILABLE"}') expect(matchers, `${q.panel} ${q.refId}: ${name}`).toBe('{agent=~"$agent"}');
      }
    }
    for (const v of vars) expect(record(array(record(raw.templating, 'templating').list, 'list').find((x) => record(x, 'var').name === v.name), v.name).datasource).toMatchObject({ uid: 'prometheus' });
  });

  it('draws inventory against its limit with the 80 % alert threshold, and the event-loop delay with the alert threshold', () => {
    const rules = array(record(readYaml('deploy/prometheus/alerts.yml'), 'alerts.yml').groups, 'groups')
      .flatMap((g) => array(record(g, 'group').rules, 'rules').map((r) => record(r, 'rule')));
    const threshold = (alert: string) => Number(/([\d.]+)\s*$/.exec(str(rules.find((r) => r.alert === alert)!.expr, 'expr').trim())![1]);
    const steps = (p: DashboardPanel) =>
      array(record(record(record(p.raw.fieldConfig, 'fieldConfig').defaults, 'defaults').thresholds, 'thresholds').steps, 'steps').map((x) => record(x, 'step').value);
    expect(threshold('QuotingInventoryNearLimit')).toBe(0.8);
    for (const p of [panelNamed(/^Inventory, share of its limit/), panelNamed(/^Largest inventory/)]) expect(steps(p), p.title).toEqual([null, 0.8, 1]);
    expect(threshold('QuotingEventLoopLag')).toBe(0.05);
    for (const p of [panelNamed(/^Event-loop delay \(/), panelNamed(/^Event-loop delay p99/)]) expect(steps(p), p.title).toContain(0.05);
  });

  it('draws p99 and p50 of process() from the histogram with the budget as a threshold line and as a series', () => {
    const p = panelNamed(/p99 \/ p50/);
    const exprs = p.queries.map((q) => q.expr);
    expect(exprs).toContain('histogram_quantile(0.99, sum by (le, agent) (rate(mm_process_duration_seconds_bucket[1m])))');
    expect(exprs).toContain('histogram_quantile(0.5, sum by (le, agent) (rate(mm_process_duration_seconds_bucket[1m])))');
    expect(exprs.some((e) => metricNames(e).includes('mm_process_budget_seconds'))).toBe(true);
    const budget = ServiceConfigSchema.parse({}).processBudgetSeconds;
    expect(budget).toBe(0.0003);
    for (const panel of [p, panelNamed(/gauge/)]) {
      const defaults = record(record(panel.raw.fieldConfig, 'fieldConfig').defaults, 'defaults');
      expect(defaults.unit, panel.title).toBe('s');
      const steps = array(record(defaults.thresholds, 'thresholds').steps, 'steps').map((x) => record(x, 'step'));
      expect(steps.map((x) => x.value), panel.title).toContain(budget);
      expect(str(record(record(defaults.custom, 'custom').thresholdsStyle, 'thresholdsStyle').mode, 'mode'), panel.title).toMatch(/line/);
    }
    expect(panelNamed(/gauge/).queries.map((q) => q.expr)).toContain('mm_process_duration_p99_seconds{agent=~"$agent"}');
  });
});

describe('the alert rules deploy/prometheus/alerts.yml', () => {
  const groups = array(record(readYaml('deploy/prometheus/alerts.yml'), 'alerts.yml').groups, 'groups');
  const rules = groups.flatMap((g) => array(record(g, 'group').rules, 'rules').map((r) => record(r, 'rule')));

  it('select only metrics the service exports, besides Prometheus\'s own `up`', () => {
    for (const r of rules) {
      for (const n of metricNames(str(r.expr, 'expr'))) expect(n === 'up' || exported.has(n), `${String(r.alert)}: ${n}`).toBe(true);
    }
  });

  it('alert on p99 over the budget for a minute and on an agent in error', () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    const p99 = byName.get('QuotingProcessP99OverBudget')!;
    expect(str(p99.expr, 'expr')).toMatch(/histogram_quantile\(0\.99,[^]*mm_process_duration_seconds_bucket[^]*>[^]*mm_process_budget_seconds/);
    expect(p99.for).toBe('1m');
    expect(byName.get('QuotingAgentError')?.expr).toBe('mm_agent_status{status="error"} == 1');
  });
});
