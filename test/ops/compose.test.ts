import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { array, readText, readYaml, record, repoPath, str } from '../support/ops.js';

const compose = record(readYaml('docker-compose.yml'), 'docker-compose.yml');
const services = record(compose.services, 'services');
const service = (name: string) => record(services[name], `services.${name}`);

/** `'127.0.0.1:8080:8080'` → { host: 8080, container: 8080 } */
function ports(name: string): { host: number; container: number }[] {
  return array(service(name).ports ?? [], `${name}.ports`).map((p) => {
    const parts = str(p, `${name}.ports[]`).split(':');
    return { host: Number(parts.at(-2)), container: Number(parts.at(-1)) };
  });
}

/** bind mounts `./source:/target[:ro]` of a service */
function binds(name: string): { source: string; target: string }[] {
  return array(service(name).volumes ?? [], `${name}.volumes`)
    .map((v) => str(v, `${name}.volumes[]`).split(':'))
    .filter(([source]) => source!.startsWith('.'))
    .map(([source, target]) => ({ source: source!, target: target! }));
}

/** where a file of the repository appears inside a service's container, through its bind mounts */
function containerPath(name: string, repoFile: string): string | undefined {
  for (const { source, target } of binds(name)) {
    const src = source.replace(/^\.\//, '').replace(/\/$/, '');
    if (repoFile === src) return target;
    if (repoFile.startsWith(`${src}/`)) return `${target}/${repoFile.slice(src.length + 1)}`;
  }
  return undefined;
}

const dockerfile = readText('Dockerfile');
/** the instructions of the Dockerfile, continuation lines joined, comments dropped */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages = instructions.filter((l) => /^FROM /i.test(l));
const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));

describe('docker-compose.yml', () => {
  it('is YAML with the service, Prometheus, Alertmanager and Grafana on their documented ports', () => {
    // the services of `docker compose up`; those of the cluster profile (docs/scaling.md) start only with `--profile cluster`
    const byDefault = Object.keys(services).filter((n) => service(n).profiles === undefined);
    expect(byDefault.sort()).toEqual(['alertmanager', 'grafana', 'prometheus', 'quoting']);
    expect(Object.keys(services).filter((n) => !byDefault.includes(n)).sort())
      .toEqual(['gateway-1', 'gateway-2', 'nats-1', 'nats-2', 'nats-3', 'prometheus-cluster', 'quoting-a', 'quoting-b']);
    expect(ports('quoting')).toEqual([{ host: 8080, container: 8080 }]);
    expect(ports('prometheus')).toEqual([{ host: 9090, container: 9090 }]);
    expect(ports('alertmanager')).toEqual([{ host: 9093, container: 9093 }]);
    expect(ports('grafana')).toEqual([{ host: 3000, container: 3000 }]);
    // published on loopback only
    for (const name of Object.keys(services)) {
      for (const p of array(service(name).ports ?? [], 'ports')) expect(str(p, 'port'), name).toMatch(/^127\.0\.0\.1:/);
    }
    const readme = readText('docs/operations.md');
    const start = readme.indexOf('\n# Running the whole stack\n');
    expect(start, 'docs/operations.md has a section "Running the whole stack"').toBeGreaterThan(-1);
    const next = readme.indexOf('\n# ', start + 1);
    const section = readme.slice(start, next === -1 ? undefined : next);
    for (const port of ['8080', '9090', '9093', '3000']) expect(section).toContain(port);
    expect(section).toMatch(/admin/);
    expect(section).toMatch(/Compose v2/);
    expect(section).toContain('API_TOKENS=');
  });

  it('needs API_TOKENS from the environment: no token known to everyone who reads this file', () => {
    const env = record(service('quoting').environment, 'quoting.environment');
    // ${VAR:?message}: compose refuses to start when it is unset or empty
    expect(str(env.API_TOKENS, 'API_TOKENS')).toMatch(/^\$\{API_TOKENS:\?[^}]+\}$/);
    expect(readText('docker-compose.yml')).not.toMatch(/API_TOKENS:-/);
  });

  it('Prometheus sends its alerts to the alertmanager service, which reads the committed configuration', () => {
    const config = record(readYaml('deploy/prometheus/prometheus.yml'), 'prometheus.yml');
    const managers = array(record(config.alerting, 'alerting').alertmanagers, 'alertmanagers').map((m) => record(m, 'alertmanager'));
    const targets = managers.flatMap((m) => array(m.static_configs, 'static_configs').flatMap((c) => array(record(c, 'static_config').targets, 'targets')));
    expect(targets).toEqual([`alertmanager:${ports('alertmanager')[0]!.container}`]);
    const command = array(service('alertmanager').command, 'alertmanager.command').map((c) => str(c, 'command'));
    const configFile = command.find((c) => c.startsWith('--config.file='))?.slice('--config.file='.length);
    expect(configFile).toBe(containerPath('alertmanager', 'deploy/alertmanager/alertmanager.yml'));
    expect(command).toContain(`--web.listen-address=0.0.0.0:${ports('alertmanager')[0]!.container}`);
    expect(array(service('prometheus').depends_on, 'depends_on')).toContain('alertmanager');
  });

  it('every bind-mounted file or folder exists in the repository, and the build context has the Dockerfile', () => {
    for (const name of Object.keys(services)) {
      for (const { source } of binds(name)) expect(existsSync(repoPath(source)), `${name}: ${source}`).toBe(true);
    }
    const build = service('quoting').build;
    const context = typeof build === 'string' ? build : str(record(build, 'build').context, 'build.context');
    expect(statSync(repoPath(context, 'Dockerfile')).isFile()).toBe(true);
    expect(existsSync(repoPath(context, '.dockerignore'))).toBe(true);
  });

  it('Prometheus reads the committed configuration and scrapes the quoting service by its compose name and container port', () => {
    const command = array(service('prometheus').command, 'prometheus.command').map((c) => str(c, 'command'));
    const configFlag = command.find((c) => c.startsWith('--config.file='));
    const configInContainer = configFlag?.slice('--config.file='.length);
    expect(configInContainer).toBe(containerPath('prometheus', 'deploy/prometheus/prometheus.yml'));
    const config = record(readYaml('deploy/prometheus/prometheus.yml'), 'prometheus.yml');
    // the rule files sit beside the configuration, in the same mounted folder
    for (const f of array(config.rule_files, 'rule_files')) expect(existsSync(repoPath('deploy/prometheus', str(f, 'rule file')))).toBe(true);
    const jobs = array(config.scrape_configs, 'scrape_configs').map((j) => record(j, 'job'));
    const targets = jobs.flatMap((j) => array(j.static_configs, 'static_configs').flatMap((c) => array(record(c, 'static_config').targets, 'targets')));
    const container = ports('quoting')[0]!.container;
    expect(targets).toEqual([`quoting:${container}`]);
    expect(record(config.global, 'global').scrape_interval).toBe('1s');
  });

  it('Grafana gets the provisioned data source pointing at the prometheus service, and the dashboards folder the provider reads', () => {
    expect(containerPath('grafana', 'deploy/grafana/provisioning/datasources/prometheus.yml'))
      .toBe('/etc/grafana/provisioning/datasources/prometheus.yml');
    expect(containerPath('grafana', 'deploy/grafana/provisioning/dashboards/quoting.yml'))
      .toBe('/etc/grafana/provisioning/dashboards/quoting.yml');
    const ds = record(array(record(readYaml('deploy/grafana/provisioning/datasources/prometheus.yml'), 'ds').datasources, 'datasources')[0], 'datasource');
    expect(ds.url).toBe(`http://prometheus:${ports('prometheus')[0]!.container}`);
    const provider = record(array(record(readYaml('deploy/grafana/provisioning/dashboards/quoting.yml'), 'dashboards').providers, 'providers')[0], 'provider');
    const path = str(record(provider.options, 'options').path, 'options.path');
    expect(containerPath('grafana', 'deploy/grafana/dashboards/quoting.json')).toBe(`${path}/quoting.json`);
    const env = record(service('grafana').environment, 'grafana.environment');
    expect(env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${path}/quoting.json`);
    expect(str(env.GF_SECURITY_ADMIN_USER, 'admin user')).toBe('admin');
  });

  it('images are pinned to a version, not latest', () => {
    for (const name of ['prometheus', 'alertmanager', 'grafana']) expect(str(service(name).image, `${name}.image`)).toMatch(/:v?\d+\.\d+\.\d+$/);
    // Prometheus 3 and Grafana 12 or later: the releases maintained today (the dashboard and rules use nothing older ones lack)
    expect(Number(/:v(\d+)\./.exec(str(service('prometheus').image, 'image'))![1])).toBeGreaterThanOrEqual(3);
    expect(Number(/:(\d+)\./.exec(str(service('grafana').image, 'image'))![1])).toBeGreaterThanOrEqual(12);
  });
});

describe('Dockerfile', () => {
  it('builds in a stage with dev dependencies and runs a Node LTS slim image with production dependencies only', () => {
    expect(stages).toHaveLength(2);
    const arg = instructions.find((l) => l.startsWith('ARG NODE_IMAGE='));
    expect(arg).toMatch(/^ARG NODE_IMAGE=node:\d+-bookworm-slim$/);
    expect(stages[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/);
    expect(stages[1]).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/);
    const build = instructions.slice(0, instructions.indexOf(stages[1]!));
    expect(build).toContain('RUN npm ci --no-audit --no-fund');
    expect(build).toContain('RUN npm run build');
    expect(runtime.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
    const copies = runtime.filter((l) => l.startsWith('COPY'));
    expect(copies).toEqual(['COPY package.json package-lock.json ./', 'COPY --from=build /app/dist ./dist']);
  });

  it('runs the same Node major version as package.json engines and the node dev dependency that runs the tests', () => {
    const pkg = record(JSON.parse(readText('package.json')), 'package.json');
    const imageMajor = /node:(\d+)-/.exec(instructions.find((l) => l.startsWith('ARG NODE_IMAGE='))!)![1];
    const engines = str(record(pkg.engines, 'engines').node, 'engines.node');
    const devNode = str(record(pkg.devDependencies, 'devDependencies').node, 'devDependencies.node');
    expect(engines).toBe(`>=${imageMajor} <${Number(imageMajor) + 1}`);
    expect(devNode).toMatch(new RegExp(`^\\^${imageMajor}\\.`));
    // and the tests run under it: npm scripts put node_modules/.bin (the node package's binary) first on PATH
    expect(process.versions.node.split('.')[0]).toBe(imageMajor);
  });

  it('runs as node, listens on 0.0.0.0:8080, checks /readyz and starts what `npm start` starts', () => {
    expect(runtime).toContain('USER node');
    expect(runtime).toContain('EXPOSE 8080');
    const env = runtime.find((l) => l.startsWith('ENV '))!;
    expect(env).toMatch(/\bHOST=0\.0\.0\.0\b/);
    expect(env).toMatch(/\bPORT=8080\b/);
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/CMD \["node", "-e", ".*\/readyz/);
    const cmd = JSON.parse(runtime.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
    expect(cmd).toEqual(['node', 'dist/src/server.js']);
    // `npm start` runs the same file, which `npm run build` (tsconfig.build.json: rootDir ".", outDir "dist") writes for src/server.ts
    const pkg = JSON.parse(readText('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(cmd.join(' '));
    // then the browser builds (the client bundle and the quote board, into dist/)
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json && tsx scripts/build-browser.ts');
    const tsconfig = JSON.parse(readText('tsconfig.json')) as { compilerOptions: Record<string, unknown> };
    expect([tsconfig.compilerOptions.rootDir, tsconfig.compilerOptions.outDir]).toEqual(['.', 'dist']);
    expect(existsSync(repoPath('src/server.ts'))).toBe(true);
  });

  it('.dockerignore lets in only what the Dockerfile copies', () => {
    const lines = readText('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('*');
    const allowed = lines.slice(1).map((l) => l.replace(/^!/, '').replace(/\/$/, ''));
    expect(allowed.sort()).toEqual(['package-lock.json', 'package.json', 'scripts/build-browser.ts', 'src', 'tsconfig.build.json', 'tsconfig.json', 'ui']);
    for (const f of allowed) expect(existsSync(repoPath(f)), f).toBe(true);
    const build = instructions.slice(0, instructions.indexOf(stages[1]!));
    const copied = build.filter((l) => l.startsWith('COPY ')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(copied.sort()).toEqual(allowed.sort());
  });
});
