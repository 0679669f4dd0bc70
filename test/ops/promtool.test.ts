import { expect, it } from 'vitest';
import { promtool } from '../support/promtool.js';
import { repoPath } from '../support/ops.js';
import { describeWith } from '../support/system-programs.js';

// promtool comes with Debian's prometheus package: skipped where it is missing, required under REQUIRE_SYSTEM_TESTS=1 (.ci/run)
describeWith(['promtool'], 'promtool on the committed Prometheus files', () => {
  // prometheus-cluster.yml: the cluster profile's (docs/scaling.md)
  it.each(['prometheus.yml', 'prometheus-cluster.yml'])('check config accepts deploy/prometheus/%s, rule files included (resolved beside it)', (file) => {
    const r = promtool(['check', 'config', repoPath('deploy/prometheus', file)]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS: 1 rule files found/);
    expect(r.output).toMatch(/is valid prometheus config file/);
  });

  it('check rules accepts deploy/prometheus/alerts.yml', () => {
    const r = promtool(['check', 'rules', repoPath('deploy/prometheus/alerts.yml')]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS: 9 rules found/);
  });

  it('test rules: the alerts fire when they should and not before (deploy/prometheus/alerts.test.yml)', () => {
    const r = promtool(['test', 'rules', repoPath('deploy/prometheus/alerts.test.yml')]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS/);
  });
});
