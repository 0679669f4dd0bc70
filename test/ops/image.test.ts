/**
 * The real image, built and run: a Docker daemon of the test's own
 * (Debian's docker.io, as root, a private socket, no bridge and no iptables
 * changes; storage driver overlay2, or vfs where overlay2 cannot start: vfs
 * copies the whole tree at every build step, 17 min against 3.5 min for a
 * build without cache on a loaded 2-core machine), a Node 24 base image assembled
 * without any image registry (scripts/image/base-image.sh: debootstrap from
 * the Debian archive, Node and npm from the npm registry), then
 * `docker build --network host --build-arg NODE_IMAGE=<that image> .` with
 * the project's own Dockerfile, and the container run with `--network host`
 * on a free loopback port (HOST=127.0.0.1 overrides the image's 0.0.0.0).
 *
 * Where the daemon cannot start (not root, no docker.io) the tests are
 * skipped with the reason in their title; under REQUIRE_SYSTEM_TESTS=1
 * (.ci/run, which installs docker.io and debootstrap) they fail instead.
 *
 * The debootstrap tree, the npm tarballs and the daemon's data (images and
 * build cache) stay in MM_IMAGE_CACHE (default /var/cache/mm-quoting-image),
 * so later runs skip the downloads and reuse unchanged build steps.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, repoPath, sleep, waitFor } from '../support/ops.js';
import { missingPrograms, systemTestsRequired } from '../support/system-programs.js';

const CACHE = process.env.MM_IMAGE_CACHE ?? '/var/cache/mm-quoting-image';
const BASE = 'mm-quoting-base:test';
const IMAGE = 'mm-quoting-service:test';
const MINUTE = 60_000;

let dockerd: ChildProcess | undefined;
let dockerdLog = '';
let execRoot: string | undefined;
const env: NodeJS.ProcessEnv = { ...process.env };
const containers: string[] = [];

function docker(args: string[], timeoutMs = MINUTE): { status: number; stdout: string; output: string } {
  const r = spawnSync('docker', args, { env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`docker ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status ?? -1, stdout: r.stdout.trim(), output: `${r.stdout}${r.stderr}` };
}

/** Starts dockerd on a private socket with the first storage driver that works; the reason it cannot, or null once it answers. */
async function startDockerd(): Promise<string | null> {
  const missing = missingPrograms(['dockerd', 'docker', 'debootstrap']);
  if (missing.length > 0) return `${missing.join(', ')} missing (apt-get install -y docker.io debootstrap)`;
  if (process.getuid?.() !== 0) return 'dockerd needs root';
  const drivers = process.env.MM_DOCKER_STORAGE_DRIVER ? [process.env.MM_DOCKER_STORAGE_DRIVER] : ['overlay2', 'vfs'];
  let why = '';
  for (const driver of drivers) {
    const failed = await startDockerdWith(driver);
    if (failed === null) return null;
    why += `${why ? '; ' : ''}${driver}: ${failed}`;
  }
  return `dockerd cannot start here (${why.slice(0, 600)})`;
}

async function startDockerdWith(driver: string): Promise<string | null> {
  // one data root per driver: images and build cache of one are unreadable to the other
  const dataRoot = join(CACHE, `docker-${driver}`);
  mkdirSync(dataRoot, { recursive: true });
  // a short path: containerd's sockets live under the exec root
  execRoot = mkdtempSync(join(tmpdir(), 'mm-dockerd-'));
  const socket = join(execRoot, 'docker.sock');
  env.DOCKER_HOST = `unix://${socket}`;
  dockerdLog = '';
  dockerd = spawn('dockerd', [
    `--storage-driver=${driver}`, `--data-root=${dataRoot}`, `--exec-root=${join(execRoot, 'exec')}`,
    `--pidfile=${join(execRoot, 'dockerd.pid')}`, '-H', env.DOCKER_HOST,
    // host networking only: no bridge, no NAT, no iptables rules on this machine
    '--bridge=none', '--iptables=false', '--ip-masq=false',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d: Buffer) => (dockerdLog = (dockerdLog + d.toString()).slice(-8_000));
  dockerd.stdout!.on('data', keep);
  dockerd.stderr!.on('data', keep);
  try {
    await waitFor('dockerd to answer', async () => {
      if (dockerd!.exitCode !== null) throw new Error(`dockerd exited with ${dockerd!.exitCode}: ${dockerdLog.slice(-1_000)}`);
      return docker(['version', '--format', '{{.Server.Version}}'], 10_000).status === 0 ? true : undefined;
    }, 60_000, 250);
  } catch (err) {
    await stopDockerd();
    return (err as Error).message.slice(0, 300);
  }
  // dockerd checks at start that the driver works on the data root's filesystem (overlay2 refuses overlayfs, for one)
  return null;
}

async function stopDockerd(): Promise<void> {
  if (dockerd && dockerd.exitCode === null && dockerd.signalCode === null) {
    const exited = new Promise((r) => dockerd!.once('exit', r));
    dockerd.kill('SIGTERM');
    await Promise.race([exited, sleep(20_000)]);
    if (dockerd.exitCode === null && dockerd.signalCode === null) dockerd.kill('SIGKILL');
  }
  if (execRoot) {
    // dockerd leaves its default network namespace mounted under the exec root (nsfs): unmount what is left, deepest first
    const root = execRoot;
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${root}/`));
    for (const m of mounts.sort().reverse()) spawnSync('umount', [m], { timeout: 10_000 });
    rmSync(root, { recursive: true, force: true });
  }
}
process.once('exit', () => {
  if (dockerd && dockerd.exitCode === null && dockerd.signalCode === null) dockerd.kill('SIGKILL');
});

const whyNot = await startDockerd();
if (whyNot !== null) {
  if (systemTestsRequired()) throw new Error(`REQUIRE_SYSTEM_TESTS=1 but the image test cannot run: ${whyNot}`);
  console.log(`Skipped: the image build and run test (test/ops/image.test.ts): ${whyNot}.`);
}

afterAll(async () => {
  for (const c of containers) docker(['rm', '-f', '-v', c]);
  // layers of earlier builds that no tag names any more; the tagged images and the build cache stay for the next run
  if (dockerd) docker(['image', 'prune', '-f'], 5 * MINUTE);
  await stopDockerd();
}, 5 * MINUTE);

describe.skipIf(whyNot !== null)(`the image, built with the project's Dockerfile and run${whyNot ? ` [skipped: ${whyNot}]` : ''}`, () => {
  it('assembles a Node 24 base image from the Debian archive and the npm registry, with a node user of uid 1000', () => {
    const r = spawnSync(repoPath('scripts/image/base-image.sh'), [BASE, CACHE], { env, encoding: 'utf8', timeout: 15 * MINUTE });
    expect(r.status, `${r.stdout}${r.stderr}${r.error?.message ?? ''}`).toBe(0);
    const run = docker(['run', '--rm', '--network', 'host', '--user', 'node', BASE, 'sh', '-c', 'node --version; id -u; npm --version']);
    expect(run.status, run.output).toBe(0);
    const [node, uid, npm] = run.stdout.split('\n');
    expect(node).toMatch(/^v24\./);
    expect(uid).toBe('1000');
    expect(npm).toMatch(/^\d+\.\d+\.\d+$/);
  }, 16 * MINUTE);

  it('builds the Dockerfile on it (docker build --network host --build-arg NODE_IMAGE=…)', () => {
    const t0 = Date.now();
    const r = docker(['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${BASE}`, '-t', IMAGE, repoPath()], 20 * MINUTE);
    expect(r.status, r.output.slice(-4_000)).toBe(0);
    console.log(`image test: docker build took ${((Date.now() - t0) / 1_000).toFixed(0)} s`);
    const config = JSON.parse(docker(['image', 'inspect', IMAGE, '--format', '{{json .Config}}']).stdout) as {
      User: string; Cmd: string[]; Healthcheck?: { Test: string[] }; StopSignal?: string;
    };
    expect(config.User).toBe('node');
    expect(config.Cmd).toEqual(['node', 'dist/src/server.js']);
    expect(config.Healthcheck?.Test[0]).toBe('CMD');
    expect(config.StopSignal).toBe('SIGTERM');
  }, 21 * MINUTE);

  it('runs: /readyz answers on loopback, the process is uid 1000, the healthcheck turns healthy, docker stop exits 0 at once', async () => {
    const port = await freePort();
    const token = 'image-test-write-token-0001';
    const name = `mm-quoting-image-test-${process.pid}`;
    containers.push(name);
    const run = docker(['run', '-d', '--name', name, '--network', 'host',
      '-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1', '-e', `API_TOKENS=${token}`, IMAGE]);
    expect(run.status, run.output).toBe(0);
    const logs = () => docker(['logs', name]).output.slice(-2_000);

    const url = `http://127.0.0.1:${port}`;
    await waitFor('/readyz to answer 200', async () => ((await fetch(`${url}/readyz`).catch(() => null))?.status === 200 ? true : undefined), MINUTE, 250)
      .catch((err: Error) => { throw new Error(`${err.message}\n${logs()}`); });

    // the server is PID 1 of the container and runs as uid 1000
    const pid = Number(docker(['inspect', name, '--format', '{{.State.Pid}}']).stdout);
    const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    expect([uids?.[1], uids?.[2]]).toEqual(['1000', '1000']);
    expect(docker(['exec', name, 'id', '-u']).stdout).toBe('1000');
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)).toEqual(['node', 'dist/src/server.js']);

    // a fill is committed to the ledger in /app/data (writable by the node user) before it is acknowledged
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const fill = await fetch(`${url}/v1/agents/default/symbols/IMG/fills`, {
      method: 'POST', headers: auth, body: JSON.stringify({ id: 'img-1', side: 'buy', price: 100, quantity: 2 }),
    });
    expect(fill.status, await fill.clone().text()).toBe(200);
    const ledger = docker(['exec', name, 'sh', '-c', 'stat -c %U:%s /app/data/quoting.db']);
    expect(ledger.status, ledger.output).toBe(0);
    expect(ledger.stdout).toMatch(/^node:[1-9]\d*$/);

    // the Dockerfile's HEALTHCHECK: every 10 s after a 10 s start period
    await waitFor('the container to be healthy', async () =>
      (docker(['inspect', name, '--format', '{{.State.Health.Status}}']).stdout === 'healthy' ? true : undefined), 2 * MINUTE, 500);

    const t0 = Date.now();
    const stop = docker(['stop', '--time', '10', name], 30_000);
    const stopSeconds = (Date.now() - t0) / 1_000;
    expect(stop.status, stop.output).toBe(0);
    const state = JSON.parse(docker(['inspect', name, '--format', '{{json .State}}']).stdout) as { ExitCode: number; OOMKilled: boolean };
    expect(state.ExitCode, logs()).toBe(0);
    // SIGTERM handled by the server as PID 1, well before the 10 s after which docker would SIGKILL
    expect(stopSeconds).toBeLessThan(5);
    console.log(`image test: docker stop took ${stopSeconds.toFixed(2)} s`);
    const lines = docker(['logs', name]).output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string });
    expect(lines.some((l) => l.msg === 'stopped')).toBe(true);
  }, 5 * MINUTE);
});
