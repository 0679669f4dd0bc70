/**
 * A real Prometheus (Debian's /usr/bin/prometheus, or PROMETHEUS_BIN) on
 * loopback scrapes the real service every second, with the committed
 * deploy/prometheus/prometheus.yml (only the scrape target changed) and its
 * alert rules; then every PromQL expression of the committed Grafana
 * dashboard is run through Prometheus's HTTP API and must return the series
 * the feed below implies, with plausible values.
 *
 * The service runs with a process() budget of 1 ns, so that the p99 alert
 * must go pending (its `for: 1m` keeps it from firing within the test).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import {
  array, freePort, isRecord, loadDashboard, readYaml, record, repoPath, sleep, str, waitFor, type DashboardQuery,
} from '../support/ops.js';
import { post, startServer, StreamClient, type Running } from '../support/server.js';
import { describeWith, hasProgram } from '../support/system-programs.js';

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? 'prometheus';
const BUDGET = 1e-9;
const COMMITTED = 'deploy/prometheus/prometheus.yml';

interface Series { metric: Record<string, string>; value: number }

let s: Running;
let ws: StreamClient;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let promOutput = '';
let tmp: string;
let feeding = true;
let feed: Promise<void> = Promise.resolve();
const feedErrors: string[] = [];

const killPrometheus = () => {
  if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) prometheus.kill('SIGKILL');
};
// if the worker dies mid-test, Prometheus must not outlive it
process.once('exit', killPrometheus);

/** The committed configuration, with the scrape target replaced by the test server and rule files made absolute. */
function derivedConfig(target: string): Record<string, unknown> {
  const cfg = record(readYaml(COMMITTED), COMMITTED);
  const global = record(cfg.global, 'global');
  expect(global.scrape_interval, 'the committed scrape interval').toBe('1s');
  cfg.rule_files = array(cfg.rule_files, 'rule_files').map((f) => repoPath('deploy/prometheus', str(f, 'rule file')));
  const jobs = array(cfg.scrape_configs, 'scrape_configs').map((j) => record(j, 'scrape config'));
  expect(jobs.map((j) => j.job_name)).toEqual(['quoting']);
  jobs[0]!.static_configs = [{ targets: [target] }];
  return cfg;
}

async function promGet(path: string): Promise<unknown> {
  const res = await fetch(`${promUrl}${path}`, { signal: AbortSignal.timeout(5_000) });
  const body = record(await res.json(), path);
  if (body.status !== 'success') throw new Error(`${path}: ${String(body.errorType)} ${String(body.error)}`);
  return body.data;
}

async function query(expr: string): Promise<Series[]> {
  const data = record(await promGet(`/api/v1/query?query=${encodeURIComponent(expr)}`), expr);
  expect(data.resultType, expr).toBe('vector');
  return array(data.result, expr).map((r) => {
    const item = record(r, expr);
    const metric = record(item.metric, 'metric') as Record<string, string>;
    return { metric, value: Number(array(item.value, 'value')[1]) };
  });
}

/** The one series whose labels include `labels`. */
function one(series: Series[], labels: Record<string, string>): number {
  const found = series.filter((x) => Object.entries(labels).every(([k, v]) => x.metric[k] === v));
  expect(found, `one series with ${JSON.stringify(labels)} in ${JSON.stringify(series)}`).toHaveLength(1);
  return found[0]!.value;
}

/** The feed: two quoted symbols with a fixed inventory, round-trip fills, and a rejected update, ten times a second. */
async function runFeed(): Promise<void> {
  const agent = `${s.url}/v1/agents/default`;
  const batch = async (updates: unknown[]) => {
    const r = await post(`${agent}/updates`, { updates });
    const failed = r.status !== 200 ? [r.body] : (r.body.results as { ok: boolean }[]).filter((x) => !x.ok);
    if (failed.length) feedErrors.push(JSON.stringify(failed).slice(0, 300));
  };
  await batch([
    { type: 'volatility', symbol: 'X', sigma: 2 }, { type: 'volatility', symbol: 'Y', sigma: 1 },
    { type: 'mid', symbol: 'X', mid: 100 }, { type: 'mid', symbol: 'Y', mid: 50 },
    { type: 'fill', symbol: 'X', id: 'init-x', side: 'buy', price: 100, quantity: 3 },
    { type: 'fill', symbol: 'Y', id: 'init-y', side: 'sell', price: 50, quantity: 2 },
  ]);
  const t = Date.now();
  await post(`${agent}/symbols/R/position`, { quantity: 5, averageCost: 10, time: t });
  for (let i = 0; feeding && i < 1_000; i++) {
    const x = 100 + (i % 10) / 100;
    const y = 50 - (i % 7) / 100;
    // one batch is applied within one request, so a scrape sees the inventory before or after it, never halfway
    await batch([
      { type: 'mid', symbol: 'X', mid: x }, { type: 'mid', symbol: 'Y', mid: y },
      { type: 'volatility', symbol: 'X', sigma: 2 + (i % 3) / 10 },
      { type: 'fill', symbol: 'X', id: `x-b-${i}`, side: 'buy', price: x, quantity: 1 },
      { type: 'fill', symbol: 'X', id: `x-s-${i}`, side: 'sell', price: x, quantity: 1 },
      { type: 'fill', symbol: 'Y', id: `y-s-${i}`, side: 'sell', price: y, quantity: 1 },
      { type: 'fill', symbol: 'Y', id: `y-b-${i}`, side: 'buy', price: y, quantity: 1 },
    ]);
    // older than the snapshot applied above: the agent rejects it (STALE_UPDATE, 409) and R keeps 5
    const stale = await post(`${agent}/symbols/R/position`, { quantity: 7, averageCost: 10, time: t - 1 });
    if (stale.status === 200) feedErrors.push('a stale position was accepted');
    await sleep(100);
  }
}

/**
 * Set when the set-up failed. Each test rethrows it, so that a missing
 * Prometheus shows as failed tests with the reason (vitest would report the
 * tests as skipped if beforeAll threw).
 */
let setupError: Error | undefined;
const setUp = () => {
  if (setupError) throw setupError;
};

beforeAll(async () => {
  if (!hasProgram('prometheus')) return; // skipped (see describeWith below)
  try {
    await start();
  } catch (err) {
    setupError = err instanceof Error ? err : new Error(String(err));
  }
}, 30_000);

async function start(): Promise<void> {
  const version = spawnSync(PROMETHEUS, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(`${PROMETHEUS} is not runnable (${version.error?.message ?? version.stderr}): this test needs a real Prometheus; ` +
      'install Debian\'s prometheus package (apt-get install -y prometheus, as .ci/run does) or set PROMETHEUS_BIN');
  }
  s = await startServer({ processBudgetSeconds: BUDGET });
  ws = await StreamClient.connect(s.wsUrl);
  ws.send({ op: 'subscribe', agent: 'default', symbols: ['X', 'Y'] });
  await ws.until((m) => m.some((x: { type: string }) => x.type === 'subscribed'));
  feed = runFeed();

  tmp = mkdtempSync(join(tmpdir(), 'mm-prometheus-'));
  const target = new URL(s.url).host;
  writeFileSync(join(tmp, 'prometheus.yml'), toYaml(derivedConfig(target)));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(PROMETHEUS, [
    `--config.file=${join(tmp, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(tmp, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d: Buffer) => (promOutput = (promOutput + d.toString()).slice(-4_000));
  prometheus.stdout!.on('data', keep);
  prometheus.stderr!.on('data', keep);
  await waitFor('Prometheus to be ready', async () => {
    if (prometheus!.exitCode !== null) throw new Error(`prometheus exited with ${prometheus!.exitCode}: ${promOutput}`);
    const r = await fetch(`${promUrl}/-/ready`).catch(() => null);
    return r?.ok ? true : undefined;
  }, 15_000, 100);
}

afterAll(async () => {
  feeding = false;
  await feed.catch(() => undefined);
  ws?.close();
  if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000)]);
    killPrometheus();
  }
  await s?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 20_000);

const { panels } = loadDashboard();
const queries = panels.flatMap((p) => p.queries);
const find = (panel: RegExp, refId: string): DashboardQuery => {
  const q = queries.filter((x) => panel.test(x.panel) && x.refId === refId);
  expect(q, `${panel} ${refId}`).toHaveLength(1);
  return q[0]!;
};

/** What each dashboard expression must return for the feed above. */
const expectations: [RegExp, string, (r: Series[]) => void][] = [
  [/p99 \/ p50/, 'A', (r) => {
    const p99 = one(r, { agent: 'default' });
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThan(1);
  }],
  [/p99 \/ p50/, 'B', (r) => {
    const p50 = one(r, { agent: 'default' });
    expect(p50).toBeGreaterThan(0);
    expect(p50).toBeLessThan(1);
  }],
  [/p99 \/ p50/, 'C', (r) => expect(r.map((x) => x.value)).toEqual([BUDGET])],
  [/gauge/, 'A', (r) => {
    const p99 = one(r, { agent: 'default' });
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThan(1);
  }],
  [/gauge/, 'B', (r) => expect(r.map((x) => x.value)).toEqual([BUDGET])],
  [/^Updates per second/, 'A', (r) => {
    for (const type of ['mid', 'volatility', 'fill']) expect(one(r, { agent: 'default', type }), type).toBeGreaterThan(0);
    // ten batches a second, two mids each: about 20/s (a range, for a loaded machine)
    expect(one(r, { agent: 'default', type: 'mid' })).toBeLessThan(100);
  }],
  [/^Rejected/, 'A', (r) => expect(one(r, { agent: 'default', reason: 'STALE_UPDATE' })).toBeGreaterThan(0)],
  [/^Quotes published/, 'A', (r) => expect(one(r, { agent: 'default' })).toBeGreaterThan(0)],
  [/^WebSocket clients/, 'A', (r) => expect(r.map((x) => x.value)).toEqual([1])],
  [/^WebSocket clients/, 'B', (r) => expect(r.map((x) => x.value)).toEqual([2])],
  [/conflation/, 'A', (r) => expect(r.map((x) => x.value)).toEqual([0])],
  [/over budget/, 'A', (r) => {
    // with a budget of 1 ns every call is over it: the process() calls as gc or other, the journaled fills and positions as ledger
    expect(one(r, { agent: 'default', cause: 'other' }) + one(r, { agent: 'default', cause: 'gc' })).toBeGreaterThan(0);
    expect(one(r, { agent: 'default', cause: 'ledger' })).toBeGreaterThan(0);
  }],
  [/^Spread/, 'A', (r) => {
    expect(r.map((x) => x.metric.symbol).sort()).toEqual(['X', 'Y']);
    for (const x of r) expect(x.value).toBeGreaterThan(0);
    for (const x of r) expect(x.value).toBeLessThanOrEqual(500);
  }],
  [/^Inventory/, 'A', (r) => {
    expect(one(r, { agent: 'default', symbol: 'X' })).toBe(3);
    expect(one(r, { agent: 'default', symbol: 'Y' })).toBe(-2);
    expect(one(r, { agent: 'default', symbol: 'R' })).toBe(5);
  }],
  [/^Toxicity/, 'A', (r) => {
    for (const symbol of ['X', 'Y']) {
      expect(one(r, { agent: 'default', symbol })).toBeGreaterThanOrEqual(0);
      expect(one(r, { agent: 'default', symbol })).toBeLessThanOrEqual(1);
    }
  }],
  [/^P&L/, 'A', (r) => expect(r.map((x) => x.metric.symbol).sort()).toEqual(['R', 'X', 'Y'])],
  [/^P&L/, 'B', (r) => expect(r.map((x) => x.metric.symbol).sort()).toEqual(['R', 'X', 'Y'])],
  [/^Agents by status/, 'A', (r) => {
    expect(one(r, { status: 'idle' })).toBe(1);
    expect(one(r, { status: 'error' })).toBe(0);
  }],
];

describeWith(['prometheus'], 'Prometheus scraping the service with the committed configuration', () => {
  it('scrapes the service every second and loads the committed alert rules', async () => {
    setUp();
    const targets = await waitFor('the target to be up', async () => {
      const data = record(await promGet('/api/v1/targets'), 'targets');
      const active = array(data.activeTargets, 'activeTargets').map((t) => record(t, 'target'));
      return active.length === 1 && active[0]!.health === 'up' ? active : undefined;
    }, 15_000);
    expect(targets[0]!.scrapeUrl).toBe(`${s.url}/metrics`);
    expect(record(targets[0]!.labels, 'labels').job).toBe('quoting');
    if ('scrapeInterval' in targets[0]!) expect(targets[0]!.scrapeInterval).toBe('1s');

    // health is "unknown" until a rule's first evaluation, every second
    const rules = await waitFor('the rules to be evaluated', async () => {
      const groups = array(record(await promGet('/api/v1/rules'), 'rules').groups, 'groups').map((g) => record(g, 'group'));
      const all = groups.flatMap((g) => array(g.rules, 'rules').map((r): Record<string, unknown> => ({ ...record(r, 'rule'), file: g.file })));
      return all.length > 0 && all.every((r) => r.health === 'ok') ? all : undefined;
    }, 15_000);
    expect(rules.map((r) => r.name).sort()).toEqual(['QuotingAgentError', 'QuotingProcessP99OverBudget', 'QuotingServiceDown']);
    for (const r of rules) {
      expect(r.file).toBe(repoPath('deploy/prometheus/alerts.yml'));
      expect(r.type).toBe('alerting');
      expect(r.lastError ?? '').toBe('');
    }
  }, 30_000);

  it('answers every dashboard expression with the series the feed implies', async () => {
    setUp();
    // each expression is read from the dashboard JSON, never retyped here
    const checked = expectations.map(([panel, refId, check]) => ({ q: find(panel, refId), check }));
    expect(new Set(checked.map((c) => c.q)).size, 'every dashboard query has its check').toBe(queries.length);
    // rates need two scrapes after the first updates: poll until everything holds, or report the last failure
    await waitFor('every dashboard query to hold', async () => {
      for (const { q, check } of checked) {
        const r = await query(q.expr);
        try {
          expect(r.length, 'at least one series').toBeGreaterThan(0);
          for (const x of r) expect(Number.isFinite(x.value), JSON.stringify(x)).toBe(true);
          check(r);
        } catch (err) {
          throw new Error(`${q.panel} ${q.refId} (${q.expr}): ${(err as Error).message}`);
        }
      }
      return true;
    }, 40_000, 500);
    expect(feedErrors).toEqual([]);
  }, 60_000);

  it('puts the p99 alert in pending when p99 is over the budget, and no agent-error alert', async () => {
    setUp();
    const alerts = await waitFor('the p99 alert to be pending', async () => {
      const list = array(record(await promGet('/api/v1/alerts'), 'alerts').alerts, 'alerts').filter(isRecord);
      return list.some((a) => record(a.labels, 'labels').alertname === 'QuotingProcessP99OverBudget') ? list : undefined;
    }, 15_000);
    const p99 = alerts.filter((a) => record(a.labels, 'labels').alertname === 'QuotingProcessP99OverBudget');
    expect(p99.map((a) => [record(a.labels, 'labels').agent, a.state])).toEqual([['default', 'pending']]);
    expect(alerts.filter((a) => record(a.labels, 'labels').alertname !== 'QuotingProcessP99OverBudget')).toEqual([]);
  }, 30_000);
});
