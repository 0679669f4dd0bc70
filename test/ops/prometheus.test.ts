/**
 * A real Prometheus (Debian's /usr/bin/prometheus, or PROMETHEUS_BIN) on
 * loopback scrapes the real service every second, with the committed
 * deploy/prometheus/prometheus.yml (only the scrape target changed) and its
 * alert rules; then every PromQL expression of the committed Grafana
 * dashboard is run through Prometheus's HTTP API and must return the series
 * the feed below implies, with plausible values, with the dashboard's
 * `$agent` and `$symbol` variables on "All" and on one agent and symbol.
 *
 * The service runs with a process() budget of 1 ns, so that the p99 alert
 * must go pending (its `for: 1m` keeps it from firing within the test), and
 * with a second agent "tight" whose position is 90 % of its limit, so that
 * QuotingInventoryNearLimit fires. A real Alertmanager (Debian's
 * prometheus-alertmanager) runs the committed deploy/alertmanager/alertmanager.yml
 * with only the webhook url changed to a loopback server of the test, which
 * must receive that alert.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import {
  array, dashboardVariables, freePort, interpolate, isRecord, loadDashboard, readYaml, record, repoPath, sleep, str, waitFor,
  type DashboardQuery,
} from '../support/ops.js';
import { post, startServer, StreamClient, type Running } from '../support/server.js';
import { describeWith, hasProgram } from '../support/system-programs.js';

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? 'prometheus';
const ALERTMANAGER = process.env.ALERTMANAGER_BIN ?? 'prometheus-alertmanager';
const BUDGET = 1e-9;
const COMMITTED = 'deploy/prometheus/prometheus.yml';
const COMMITTED_AM = 'deploy/alertmanager/alertmanager.yml';
/** agent "tight": maxInventory 10, position 9 in T → 90 % of its limit */
const TIGHT_LIMIT = 10;
const TIGHT_POSITION = 9;
/** the default agent's risk limits: far from anything the feed reaches, so that the risk panels have series and no alert fires */
const RISK = { maxLoss: 1e6, maxDrawdown: 1e6, maxGrossNotional: 1e6, maxNetNotional: 1e6 };

interface Series { metric: Record<string, string>; value: number }

let s: Running;
let ws: StreamClient;
let prometheus: ChildProcess | undefined;
let alertmanager: ChildProcess | undefined;
let promUrl: string;
let promOutput = '';
let amOutput = '';
let amUrl: string | undefined;
/** the loopback webhook Alertmanager notifies, and what it received */
let webhook: Server | undefined;
const notifications: Record<string, unknown>[] = [];
let tmp: string;
let feeding = true;
let feed: Promise<void> = Promise.resolve();
const feedErrors: string[] = [];

const killPrometheus = () => {
  for (const p of [prometheus, alertmanager]) if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
};
// if the worker dies mid-test, Prometheus must not outlive it
process.once('exit', killPrometheus);

/**
 * The committed configuration, with the scrape target replaced by the test server, rule files made absolute,
 * and the Alertmanager target replaced by the test's (or dropped where there is none).
 */
function derivedConfig(target: string, alertmanagerHost: string | undefined): Record<string, unknown> {
  const cfg = record(readYaml(COMMITTED), COMMITTED);
  const global = record(cfg.global, 'global');
  expect(global.scrape_interval, 'the committed scrape interval').toBe('1s');
  cfg.rule_files = array(cfg.rule_files, 'rule_files').map((f) => repoPath('deploy/prometheus', str(f, 'rule file')));
  const jobs = array(cfg.scrape_configs, 'scrape_configs').map((j) => record(j, 'scrape config'));
  expect(jobs.map((j) => j.job_name)).toEqual(['quoting']);
  jobs[0]!.static_configs = [{ targets: [target] }];
  const managers = array(record(cfg.alerting, 'alerting').alertmanagers, 'alerting.alertmanagers').map((m) => record(m, 'alertmanager'));
  expect(managers.flatMap((m) => array(m.static_configs, 'static_configs').flatMap((c) => array(record(c, 'static_config').targets, 'targets'))))
    .toEqual(['alertmanager:9093']);
  if (alertmanagerHost === undefined) delete cfg.alerting;
  else managers[0]!.static_configs = [{ targets: [alertmanagerHost] }];
  return cfg;
}

/** The committed Alertmanager configuration with every webhook url replaced by `url`. */
function derivedAlertmanagerConfig(url: string): Record<string, unknown> {
  const cfg = record(readYaml(COMMITTED_AM), COMMITTED_AM);
  const receivers = array(cfg.receivers, 'receivers').map((r) => record(r, 'receiver'));
  let hooks = 0;
  for (const r of receivers) {
    for (const h of array(r.webhook_configs ?? [], 'webhook_configs')) {
      record(h, 'webhook_config').url = url;
      hooks++;
    }
  }
  expect(hooks, 'the committed configuration has a webhook receiver').toBeGreaterThan(0);
  return cfg;
}

async function promGet(path: string): Promise<unknown> {
  const res = await fetch(`${promUrl}${path}`, { signal: AbortSignal.timeout(5_000) });
  const body = record(await res.json(), path);
  if (body.status !== 'success') throw new Error(`${path}: ${String(body.errorType)} ${String(body.error)}`);
  return body.data;
}

/** An instant query, at `time` (seconds since the epoch) when given, so that several queries see the same data. */
async function query(expr: string, time?: number): Promise<Series[]> {
  const at = time === undefined ? '' : `&time=${time}`;
  const data = record(await promGet(`/api/v1/query?query=${encodeURIComponent(expr)}${at}`), expr);
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
  const tight = await post(`${s.url}/v1/agents/tight/symbols/T/position`, { quantity: TIGHT_POSITION, averageCost: 20, time: t });
  if (tight.status !== 200) feedErrors.push(`tight position: ${JSON.stringify(tight.body)}`);
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
    // the tight agent gets market data too (no volatility: it quotes nothing), so its process() rates exist
    const tightMid = await post(`${s.url}/v1/agents/tight/symbols/T/mid`, { mid: 20 + (i % 5) / 100 });
    if (tightMid.status !== 200) feedErrors.push(`tight mid: ${JSON.stringify(tightMid.body)}`);
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
  s = await startServer({ processBudgetSeconds: BUDGET, agents: { default: { risk: RISK }, tight: { maxInventory: TIGHT_LIMIT } } });
  ws = await StreamClient.connect(s.wsUrl);
  ws.send({ op: 'subscribe', agent: 'default', symbols: ['X', 'Y'] });
  await ws.until((m) => m.some((x: { type: string }) => x.type === 'subscribed'));
  feed = runFeed();

  tmp = mkdtempSync(join(tmpdir(), 'mm-prometheus-'));
  if (hasProgram('alertmanager')) await startAlertmanager();
  const target = new URL(s.url).host;
  writeFileSync(join(tmp, 'prometheus.yml'), toYaml(derivedConfig(target, amUrl === undefined ? undefined : new URL(amUrl).host)));
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

/** Alertmanager on loopback (clustering off), notifying a webhook server of the test. */
async function startAlertmanager(): Promise<void> {
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      // bounded: Alertmanager sends a handful of messages in this test
      if (notifications.length < 1_000) notifications.push(record(JSON.parse(body), 'webhook body'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => webhook!.listen(0, '127.0.0.1', resolve));
  const hookPort = (webhook.address() as { port: number }).port;
  writeFileSync(join(tmp, 'alertmanager.yml'), toYaml(derivedAlertmanagerConfig(`http://127.0.0.1:${hookPort}/alerts`)));
  const port = await freePort();
  amUrl = `http://127.0.0.1:${port}`;
  alertmanager = spawn(ALERTMANAGER, [
    `--config.file=${join(tmp, 'alertmanager.yml')}`,
    `--storage.path=${join(tmp, 'alertmanager-data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // no gossip port: a single Alertmanager, nothing listening beyond loopback
    '--cluster.listen-address=',
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d: Buffer) => (amOutput = (amOutput + d.toString()).slice(-4_000));
  alertmanager.stdout!.on('data', keep);
  alertmanager.stderr!.on('data', keep);
  await waitFor('Alertmanager to be ready', async () => {
    if (alertmanager!.exitCode !== null) throw new Error(`alertmanager exited with ${alertmanager!.exitCode}: ${amOutput}`);
    const r = await fetch(`${amUrl}/-/ready`).catch(() => null);
    return r?.ok ? true : undefined;
  }, 15_000, 100);
}

async function stop(p: ChildProcess | undefined): Promise<void> {
  if (p && p.exitCode === null && p.signalCode === null) {
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000)]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
}

afterAll(async () => {
  feeding = false;
  await feed.catch(() => undefined);
  ws?.close();
  await stop(prometheus);
  await stop(alertmanager);
  await new Promise((r) => (webhook ? webhook.close(r) : r(undefined)));
  await s?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 20_000);

const { raw: dashboard, panels } = loadDashboard();
const variables = dashboardVariables(dashboard);
const queries = panels.flatMap((p) => p.queries);
const find = (panel: RegExp, refId: string): DashboardQuery => {
  const q = queries.filter((x) => panel.test(x.panel) && x.refId === refId);
  expect(q, `${panel} ${refId}`).toHaveLength(1);
  return q[0]!;
};
const ALL = { agent: 'all', symbol: 'all' } as const;
const expr = (q: DashboardQuery, selected: Record<string, readonly string[] | 'all'> = ALL) => interpolate(q.expr, variables, selected);
const close = (a: number, b: number) => expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(b)));
const symbolsOf = (r: Series[]) => r.map((x) => `${x.metric.agent}/${x.metric.symbol}`).sort();

/** What each dashboard expression must return for the feed above, with every variable on "All". */
const expectations: [RegExp, string, (r: Series[]) => void][] = [
  [/^Total P&L \(/, 'A', (r) => expect(r).toHaveLength(1)],
  // 9 of 10 (agent tight, symbol T) is the largest; the others are 3, 2 and 5 of 100
  [/^Largest inventory/, 'A', (r) => expect(r.map((x) => x.value)).toEqual([TIGHT_POSITION / TIGHT_LIMIT])],
  [/^Event-loop delay p99/, 'A', (r) => {
    expect(r).toHaveLength(1);
    expect(r[0]!.value).toBeGreaterThan(0);
    expect(r[0]!.value).toBeLessThan(5);
  }],
  [/^Ledger write failures \(1h\)/, 'A', (r) => expect(r.map((x) => x.value)).toEqual([0])],
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
  [/^Event-loop delay \(prom-client\)/, 'A', (r) => {
    expect(r).toHaveLength(1);
    expect(r[0]!.value).toBeGreaterThan(0);
    expect(r[0]!.value).toBeLessThan(5);
  }],
  [/^Event-loop delay \(prom-client\)/, 'B', (r) => {
    expect(r).toHaveLength(1);
    expect(r[0]!.value).toBeGreaterThan(0);
    expect(r[0]!.value).toBeLessThan(5);
  }],
  [/^Updates per second/, 'A', (r) => {
    for (const type of ['mid', 'volatility', 'fill']) expect(one(r, { agent: 'default', type }), type).toBeGreaterThan(0);
    // ten batches a second, two mids each: about 20/s (a range, for a loaded machine)
    expect(one(r, { agent: 'default', type: 'mid' })).toBeLessThan(100);
  }],
  [/^Rejected/, 'A', (r) => expect(one(r, { agent: 'default', reason: 'STALE_UPDATE' })).toBeGreaterThan(0)],
  [/^Quotes published/, 'A', (r) => expect(one(r, { agent: 'default' })).toBeGreaterThan(0)],
  // four fills a second are written to the ledger (SQLite in a temporary folder)
  [/^Ledger append latency/, 'A', (r) => {
    expect(r).toHaveLength(1);
    expect(r[0]!.value).toBeGreaterThan(0);
    expect(r[0]!.value).toBeLessThanOrEqual(0.5);
  }],
  [/^Ledger append latency/, 'B', (r) => {
    expect(r).toHaveLength(1);
    expect(r[0]!.value).toBeGreaterThan(0);
    expect(r[0]!.value).toBeLessThanOrEqual(0.5);
  }],
  [/^Ledger appends and refused/, 'A', (r) => {
    expect(r).toHaveLength(1);
    expect(r[0]!.value).toBeGreaterThan(0);
    expect(r[0]!.value).toBeLessThan(400);
  }],
  [/^Ledger appends and refused/, 'B', (r) => expect(r.map((x) => x.value)).toEqual([0])],
  [/^WebSocket clients/, 'A', (r) => expect(r.map((x) => x.value)).toEqual([1])],
  [/^WebSocket clients/, 'B', (r) => expect(r.map((x) => x.value)).toEqual([2])],
  [/conflation/, 'A', (r) => expect(r.map((x) => x.value)).toEqual([0])],
  [/over budget/, 'A', (r) => {
    // with a budget of 1 ns every call is over it: the process() calls as gc or other, the journaled fills and positions as ledger
    expect(one(r, { agent: 'default', cause: 'other' }) + one(r, { agent: 'default', cause: 'gc' })).toBeGreaterThan(0);
    expect(one(r, { agent: 'default', cause: 'ledger' })).toBeGreaterThan(0);
  }],
  [/^Spread/, 'A', (r) => {
    expect(symbolsOf(r)).toEqual(['default/X', 'default/Y']);
    for (const x of r) expect(x.value).toBeGreaterThan(0);
    for (const x of r) expect(x.value).toBeLessThanOrEqual(500);
  }],
  [/^Inventory per symbol/, 'A', (r) => {
    expect(r).toHaveLength(4);
    expect(one(r, { agent: 'default', symbol: 'X' })).toBe(3);
    expect(one(r, { agent: 'default', symbol: 'Y' })).toBe(-2);
    expect(one(r, { agent: 'default', symbol: 'R' })).toBe(5);
    expect(one(r, { agent: 'tight', symbol: 'T' })).toBe(TIGHT_POSITION);
  }],
  // |position| / maxInventory, computed by hand: the default agent's limit is 100
  [/^Inventory, share of its limit/, 'A', (r) => {
    expect(r).toHaveLength(4);
    expect(one(r, { agent: 'default', symbol: 'X' })).toBe(0.03);
    expect(one(r, { agent: 'default', symbol: 'Y' })).toBe(0.02);
    expect(one(r, { agent: 'default', symbol: 'R' })).toBe(0.05);
    expect(one(r, { agent: 'tight', symbol: 'T' })).toBe(0.9);
  }],
  [/^Toxicity/, 'A', (r) => {
    for (const symbol of ['X', 'Y']) {
      expect(one(r, { agent: 'default', symbol })).toBeGreaterThanOrEqual(0);
      expect(one(r, { agent: 'default', symbol })).toBeLessThanOrEqual(1);
    }
  }],
  [/^P&L per symbol/, 'A', (r) => expect(symbolsOf(r)).toEqual(['default/R', 'default/X', 'default/Y', 'tight/T'])],
  [/^P&L per symbol/, 'B', (r) => expect(symbolsOf(r)).toEqual(['default/R', 'default/X', 'default/Y', 'tight/T'])],
  [/^Total P&L per agent/, 'A', (r) => expect(r.map((x) => x.metric.agent).sort()).toEqual(['default', 'tight'])],
  [/^Kill switch/, 'A', (r) => expect(r.map((x) => x.value)).toEqual([0])],
  // the period's P&L: the default agent's fills trade at the mid, the tight agent only holds a snapshot
  [/^P&L of the risk period/, 'A', (r) => expect(r.map((x) => x.metric.agent).sort()).toEqual(['default', 'tight'])],
  [/^P&L of the risk period/, 'B', (r) => expect(r.map((x) => [x.metric.agent, x.value])).toEqual([['default', -RISK.maxLoss]])],
  [/^P&L of the risk period/, 'C', (r) => {
    expect(r.map((x) => x.metric.agent).sort()).toEqual(['default', 'tight']);
    for (const x of r) expect(x.value).toBeGreaterThanOrEqual(0);
  }],
  // only the default agent has limits: each of its four kinds, well under 1; gross notional is its positions × marks
  [/^Risk limits, share in use/, 'A', (r) => {
    expect(r.map((x) => x.metric.kind).sort()).toEqual(['drawdown', 'gross-notional', 'loss', 'net-notional']);
    for (const x of r) {
      expect(x.metric.agent).toBe('default');
      expect(x.value).toBeGreaterThanOrEqual(0);
      expect(x.value).toBeLessThan(0.01);
    }
    expect(one(r, { kind: 'gross-notional' })).toBeGreaterThan(0);
  }],
  [/^Risk limits, share in use/, 'B', (r) => {
    expect(r).toHaveLength(4); // two agents × two reasons, none stopped
    for (const x of r) expect(x.value).toBe(0);
  }],
  [/^Inventory against its limit/, 'A', (r) => {
    expect(one(r, { agent: 'default', symbol: 'R' })).toBe(5);
    expect(one(r, { agent: 'tight', symbol: 'T' })).toBe(TIGHT_POSITION);
  }],
  [/^Inventory against its limit/, 'B', (r) => {
    expect(one(r, { agent: 'default', symbol: 'X' })).toBe(100);
    expect(one(r, { agent: 'tight', symbol: 'T' })).toBe(TIGHT_LIMIT);
  }],
  [/^Inventory against its limit/, 'C', (r) => expect(one(r, { agent: 'tight', symbol: 'T' })).toBe(-TIGHT_LIMIT)],
  // the feed's mids move every batch, so few quotes are held back; the counter's series exists per agent
  [/^Requotes held back/, 'A', (r) => {
    expect(r.map((x) => x.metric.agent)).toContain('default');
    for (const x of r) expect(x.value).toBeGreaterThanOrEqual(0);
  }],
  [/^Requotes held back/, 'B', (r) => expect(one(r, { agent: 'default' })).toBeGreaterThan(0)],
  [/^Agents by status/, 'A', (r) => {
    expect(one(r, { status: 'idle' })).toBe(2);
    expect(one(r, { status: 'error' })).toBe(0);
  }],
];

/** label_values(metric{…}, label) as Grafana runs it: the label's values over the series the selector matches */
async function labelValues(variableQuery: string): Promise<string[]> {
  const m = /^label_values\((.+),\s*(\w+)\)$/.exec(variableQuery);
  expect(m, variableQuery).not.toBeNull();
  return array(await promGet(`/api/v1/label/${m![2]}/values?match[]=${encodeURIComponent(m![1]!)}`), variableQuery).map((v) => str(v, 'value')).sort();
}

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
    if ('scrapeInterval' in targets[0]!) expect(targets[0].scrapeInterval).toBe('1s');

    // health is "unknown" until a rule's first evaluation, every second
    const rules = await waitFor('the rules to be evaluated', async () => {
      const groups = array(record(await promGet('/api/v1/rules'), 'rules').groups, 'groups').map((g) => record(g, 'group'));
      const all = groups.flatMap((g) => array(g.rules, 'rules').map((r): Record<string, unknown> => ({ ...record(r, 'rule'), file: g.file })));
      return all.length > 0 && all.every((r) => r.health === 'ok') ? all : undefined;
    }, 15_000);
    expect(rules.map((r) => r.name).sort()).toEqual([
      'QuotingAgentError', 'QuotingEventLoopLag', 'QuotingHalted', 'QuotingInventoryNearLimit', 'QuotingLedgerFailing',
      'QuotingProcessP99OverBudget', 'QuotingRiskLimitHit', 'QuotingRiskLimitNear', 'QuotingServiceDown',
    ]);
    for (const r of rules) {
      expect(r.file).toBe(repoPath('deploy/prometheus/alerts.yml'));
      expect(r.type).toBe('alerting');
      expect(r.lastError ?? '').toBe('');
    }
  }, 30_000);

  it('answers every dashboard expression, with $agent and $symbol on All, with the series the feed implies', async () => {
    setUp();
    // each expression is read from the dashboard JSON, never retyped here
    const checked = expectations.map(([panel, refId, check]) => ({ q: find(panel, refId), check }));
    expect(new Set(checked.map((c) => c.q)).size, 'every dashboard query has its check').toBe(queries.length);
    // rates need two scrapes after the first updates: poll until everything holds, or report the last failure
    await waitFor('every dashboard query to hold', async () => {
      for (const { q, check } of checked) {
        const r = await query(expr(q));
        try {
          expect(r.length, 'at least one series').toBeGreaterThan(0);
          for (const x of r) expect(Number.isFinite(x.value), JSON.stringify(x)).toBe(true);
          check(r);
        } catch (err) {
          throw new Error(`${q.panel} ${q.refId} (${expr(q)}): ${(err as Error).message}`, { cause: err });
        }
      }
      return true;
    }, 40_000, 500);
    expect(feedErrors).toEqual([]);
  }, 60_000);

  it('the variables list the agents and symbols, and narrow every per-agent and per-symbol panel to the selection', async () => {
    setUp();
    expect(variables.map((v) => v.name)).toEqual(['agent', 'symbol']);
    for (const v of variables) expect([v.multi, v.includeAll, v.allValue], v.name).toEqual([true, true, '.*']);
    const [agentVar, symbolVar] = variables as [typeof variables[0], typeof variables[0]];
    await waitFor('the tight agent to be scraped', async () => ((await query('mm_inventory{agent="tight"}')).length === 1 ? true : undefined), 15_000);
    expect(await labelValues(interpolate(agentVar.query, variables, ALL))).toEqual(['default', 'tight']);
    expect(await labelValues(interpolate(symbolVar.query, variables, ALL))).toEqual(['R', 'T', 'X', 'Y']);
    expect(await labelValues(interpolate(symbolVar.query, variables, { agent: ['default'] }))).toEqual(['R', 'X', 'Y']);
    expect(await labelValues(interpolate(symbolVar.query, variables, { agent: ['tight'] }))).toEqual(['T']);

    const one1 = { agent: ['default'], symbol: ['X'] };
    const two = { agent: ['default', 'tight'], symbol: ['X', 'T'] };
    const inventory = find(/^Inventory per symbol/, 'A');
    expect(symbolsOf(await query(expr(inventory, one1)))).toEqual(['default/X']);
    expect(symbolsOf(await query(expr(inventory, two)))).toEqual(['default/X', 'tight/T']);
    expect(symbolsOf(await query(expr(find(/^Inventory, share of its limit/, 'A'), one1)))).toEqual(['default/X']);
    expect((await query(expr(find(/^Largest inventory/, 'A'), one1))).map((x) => x.value)).toEqual([0.03]);
    for (const [panel, refId] of [[/^Spread/, 'A'], [/^Toxicity/, 'A'], [/^P&L per symbol/, 'A'], [/^P&L per symbol/, 'B']] as const) {
      expect(symbolsOf(await query(expr(find(panel, refId), one1))), `${panel}`).toEqual(['default/X']);
    }
    expect((await query(expr(find(/^Updates per second/, 'A'), { agent: ['tight'] }))).map((x) => x.metric.agent))
      .toEqual(expect.arrayContaining(['tight']));
    expect(new Set((await query(expr(find(/^Updates per second/, 'A'), { agent: ['default'] }))).map((x) => x.metric.agent))).toEqual(new Set(['default']));
    expect((await query(expr(find(/^Agents by status/, 'A'), { agent: ['tight'] }))).find((x) => x.metric.status === 'idle')?.value).toBe(1);

    // the totals, a second way: the sum of the per-symbol realised and unrealised P&L, all at one instant
    const at = Date.now() / 1_000;
    for (const selected of [ALL, one1, two]) {
      const [total, perAgent, realised, unrealised] = await Promise.all([
        query(expr(find(/^Total P&L \(/, 'A'), selected), at), query(expr(find(/^Total P&L per agent/, 'A'), selected), at),
        query(expr(find(/^P&L per symbol/, 'A'), selected), at), query(expr(find(/^P&L per symbol/, 'B'), selected), at),
      ]);
      const bySymbol = [...realised, ...unrealised].reduce((a, x) => a + x.value, 0);
      expect(total).toHaveLength(1);
      close(total[0]!.value, bySymbol);
      close(perAgent.reduce((a, x) => a + x.value, 0), bySymbol);
    }
  }, 30_000);

  it('fires the inventory alert for the agent at 90 % of its limit, puts the p99 alert in pending, and nothing else', async () => {
    setUp();
    const alerts = await waitFor('the p99 alert to be pending and the inventory alert to fire', async () => {
      const list = array(record(await promGet('/api/v1/alerts'), 'alerts').alerts, 'alerts').filter(isRecord);
      const names = new Set(list.map((a) => record(a.labels, 'labels').alertname));
      return names.has('QuotingProcessP99OverBudget') && names.has('QuotingInventoryNearLimit') ? list : undefined;
    }, 15_000);
    const named = (name: string) => alerts.filter((a) => record(a.labels, 'labels').alertname === name);
    const p99 = named('QuotingProcessP99OverBudget');
    expect(p99.map((a) => record(a.labels, 'labels').agent)).toContain('default');
    expect(new Set(p99.map((a) => a.state))).toEqual(new Set(['pending']));
    const inventory = named('QuotingInventoryNearLimit');
    expect(inventory.map((a) => [record(a.labels, 'labels').agent, record(a.labels, 'labels').symbol, a.state, Number(a.value)]))
      .toEqual([['tight', 'T', 'firing', 0.9]]);
    // on a loaded machine the event loop can lag for a moment: that alert may be pending, never anything else
    const others = alerts.filter((a) => !['QuotingProcessP99OverBudget', 'QuotingInventoryNearLimit', 'QuotingEventLoopLag'].includes(String(record(a.labels, 'labels').alertname)));
    expect(others).toEqual([]);
  }, 30_000);
});

describeWith(['prometheus', 'alertmanager'], 'Alertmanager with the committed configuration', () => {
  it('receives the firing inventory alert from Prometheus and posts it to the webhook receiver', async () => {
    setUp();
    // the committed route waits group_wait (10 s) before the first notification of a group
    const message = await waitFor('the webhook to receive the inventory alert', async () =>
      notifications.find((n) => array(n.alerts, 'alerts').some((a) => record(record(a, 'alert').labels, 'labels').alertname === 'QuotingInventoryNearLimit')),
    40_000, 250);
    expect(message.receiver).toBe('webhook');
    expect(message.status).toBe('firing');
    const alert = record(array(message.alerts, 'alerts')[0], 'alert');
    expect(record(alert.labels, 'labels')).toMatchObject({ alertname: 'QuotingInventoryNearLimit', agent: 'tight', symbol: 'T', severity: 'warning' });
    expect(str(record(alert.annotations, 'annotations').description, 'description')).toContain('90%');
    // grouped by alertname, instance, agent and symbol
    expect(record(message.groupLabels, 'groupLabels')).toMatchObject({ alertname: 'QuotingInventoryNearLimit', agent: 'tight', symbol: 'T' });
    // Alertmanager's own view: the alert is active, not silenced or inhibited
    const active = array(await (await fetch(`${amUrl}/api/v2/alerts`)).json(), 'alerts').map((a) => record(a, 'alert'));
    const held = active.find((a) => record(a.labels, 'labels').alertname === 'QuotingInventoryNearLimit');
    expect(record(held?.status, 'status').state).toBe('active');
  }, 60_000);
});
