/** Helpers for the tests of the deployment files under deploy/ (test/ops/). */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const repoPath = (...parts: string[]): string => join(ROOT, ...parts);

export const readText = (rel: string): string => readFileSync(repoPath(rel), 'utf8');
export const readYaml = (rel: string): unknown => parseYaml(readText(rel));

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `x[key]` as a record, or an error naming the path. */
export function record(x: unknown, what: string): Record<string, unknown> {
  if (!isRecord(x)) throw new Error(`${what}: expected an object, got ${JSON.stringify(x)}`);
  return x;
}

export function array(x: unknown, what: string): unknown[] {
  if (!Array.isArray(x)) throw new Error(`${what}: expected an array, got ${JSON.stringify(x)}`);
  return x;
}

export function str(x: unknown, what: string): string {
  if (typeof x !== 'string') throw new Error(`${what}: expected a string, got ${JSON.stringify(x)}`);
  return x;
}

export const DASHBOARD = 'deploy/grafana/dashboards/quoting.json';

export interface DashboardQuery {
  panel: string;
  refId: string;
  expr: string;
  legendFormat: string;
}

export interface DashboardPanel {
  id: number;
  title: string;
  raw: Record<string, unknown>;
  queries: DashboardQuery[];
}

/** The committed dashboard's panels (rows flattened) and their PromQL, as Grafana would read them. */
export function loadDashboard(rel = DASHBOARD): { raw: Record<string, unknown>; panels: DashboardPanel[] } {
  const raw = record(JSON.parse(readText(rel)), rel);
  const panels: DashboardPanel[] = [];
  const visit = (list: unknown[]) => {
    for (const [i, p] of list.entries()) {
      const panel = record(p, `panels[${i}]`);
      if (panel.type === 'row') {
        visit(Array.isArray(panel.panels) ? panel.panels : []);
        continue;
      }
      const title = str(panel.title, `panels[${i}].title`);
      const queries = array(panel.targets ?? [], `${title}.targets`).map((t, j) => {
        const target = record(t, `${title}.targets[${j}]`);
        return {
          panel: title,
          refId: str(target.refId, `${title}.targets[${j}].refId`),
          expr: str(target.expr, `${title}.targets[${j}].expr`),
          legendFormat: typeof target.legendFormat === 'string' ? target.legendFormat : '',
        };
      });
      panels.push({ id: Number(panel.id), title, raw: panel, queries });
    }
  };
  visit(array(raw.panels, 'panels'));
  return { raw, panels };
}

export interface DashboardVariable {
  name: string;
  /** the query Grafana runs for the values, e.g. `label_values(mm_inventory{agent=~"$agent"}, symbol)` */
  query: string;
  multi: boolean;
  includeAll: boolean;
  allValue: string | null;
}

/** The dashboard's template variables (`$agent`, `$symbol`). */
export function dashboardVariables(raw: Record<string, unknown>): DashboardVariable[] {
  const list = array(record(raw.templating, 'templating').list, 'templating.list');
  return list.map((v, i) => {
    const x = record(v, `templating.list[${i}]`);
    const q = x.query;
    return {
      name: str(x.name, `templating.list[${i}].name`),
      query: typeof q === 'string' ? q : str(record(q, `templating.list[${i}].query`).query, `templating.list[${i}].query.query`),
      multi: x.multi === true,
      includeAll: x.includeAll === true,
      allValue: typeof x.allValue === 'string' ? x.allValue : null,
    };
  });
}

const escapeRegex = (s: string): string => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

/**
 * `expr` with its `$name` variables replaced as Grafana's Prometheus data source
 * does inside a regex matcher: "All" is the variable's allValue, one value is
 * itself (regex-escaped), several are `(a|b)`.
 */
export function interpolate(expr: string, variables: readonly DashboardVariable[], selected: Record<string, readonly string[] | 'all'>): string {
  return expr.replace(/\$(\w+)/g, (whole, name: string) => {
    const v = variables.find((x) => x.name === name);
    const sel = selected[name];
    if (v === undefined || sel === undefined) return whole;
    if (sel === 'all') return v.allValue ?? whole;
    const values = sel.map(escapeRegex);
    return values.length === 1 ? values[0]! : `(${values.join('|')})`;
  });
}

const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan',
]);

/**
 * The metric names a PromQL expression selects. A small scanner, enough for
 * the dashboard's and the alert rules' expressions: strings, label matchers
 * `{…}`, ranges `[…]` and grouping label lists `by (…)` are dropped; what is
 * left is numbers (with duration units), keywords, function names (followed
 * by `(`) and metric names.
 */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  const token = /(\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|s|m|h|d|w|y)?)|([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g;
  for (const m of s.matchAll(token)) {
    const name = m[2];
    if (name === undefined || m[3] !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/**
 * Every series name a /metrics exposition can hold: from its `# TYPE` lines,
 * with a histogram's _bucket/_sum/_count and a summary's _sum/_count.
 */
export function exportedSeriesNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

/** A TCP port free on 127.0.0.1 a moment ago (the OS's choice for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(address.port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns a value other than undefined; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(everyMs);
  }
}
