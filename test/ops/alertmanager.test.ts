/**
 * The committed Alertmanager configuration: `amtool check-config` (Debian's
 * prometheus-alertmanager package) accepts it, and its route sends every alert
 * of deploy/prometheus/alerts.yml to the webhook receiver (`amtool config
 * routes test`). test/ops/prometheus.test.ts runs a real Alertmanager on it.
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { array, readYaml, record, repoPath, str } from '../support/ops.js';
import { describeWith } from '../support/system-programs.js';

const CONFIG = repoPath('deploy/alertmanager/alertmanager.yml');

function amtool(args: string[]): { status: number; output: string; stdout: string } {
  const r = spawnSync('amtool', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw new Error(`amtool not runnable (apt-get install prometheus-alertmanager): ${r.error.message}`);
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

const rules = array(record(readYaml('deploy/prometheus/alerts.yml'), 'alerts.yml').groups, 'groups')
  .flatMap((g) => array(record(g, 'group').rules, 'rules').map((r) => record(r, 'rule')));

describeWith(['amtool'], 'amtool on deploy/alertmanager/alertmanager.yml', () => {
  it('check-config accepts it: a route, the webhook receiver, the inhibit rule', () => {
    const r = amtool(['check-config', CONFIG]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.output).toMatch(/- route/);
    expect(r.output).toMatch(/- 1 receivers/);
  });

  it('routes every alert of alerts.yml, with its severity, to the webhook receiver', () => {
    expect(rules.length).toBe(9);
    for (const rule of rules) {
      const severity = str(record(rule.labels, 'labels').severity, 'severity');
      const r = amtool(['config', 'routes', 'test', `--config.file=${CONFIG}`, `alertname=${str(rule.alert, 'alert')}`, `severity=${severity}`, 'agent=a', 'symbol=X']);
      expect(r.status, `${String(rule.alert)}: ${r.output}`).toBe(0);
      expect(r.stdout.trim(), String(rule.alert)).toBe('webhook');
    }
  });

  it('the webhook receiver sends resolved alerts too, to a url the operator replaces (docs/operations.md)', () => {
    const cfg = record(readYaml('deploy/alertmanager/alertmanager.yml'), 'alertmanager.yml');
    const receivers = array(cfg.receivers, 'receivers').map((r) => record(r, 'receiver'));
    expect(receivers.map((r) => r.name)).toEqual(['webhook']);
    const hooks = array(receivers[0]!.webhook_configs, 'webhook_configs').map((h) => record(h, 'webhook_config'));
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.send_resolved).toBe(true);
    expect(new URL(str(hooks[0]!.url, 'url')).hostname).toMatch(/\.invalid$/);
  });
});
