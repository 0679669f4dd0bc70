/**
 * What the container does at run time, without a container engine: the
 * server runs as PID 1 of a PID namespace of its own (unshare, as root), the
 * way `CMD ["node", "dist/src/server.js"]` runs in the image, with the
 * Dockerfile's HEALTHCHECK command run against it and SIGTERM sent from
 * outside the namespace, as `docker stop` does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, readText, repoPath, sleep, waitFor } from '../support/ops.js';

const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(-c.pid, 'SIGKILL');
});

/** the HEALTHCHECK's exec-form command from the Dockerfile */
function healthcheck(): string[] {
  const joined = readText('Dockerfile').replace(/\\\n/g, ' ');
  const m = /^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(joined);
  if (!m) throw new Error('no exec-form HEALTHCHECK in the Dockerfile');
  return JSON.parse(m[1]!) as string[];
}

/** runs the healthcheck as Docker would inside the container, with the container's PORT */
function runHealthcheck(port: number): number {
  const [cmd, ...args] = healthcheck();
  expect(cmd).toBe('node');
  const r = spawnSync(process.execPath, args, { env: { ...process.env, PORT: String(port) }, timeout: 5_000 });
  return r.status ?? -1;
}

/** `unshare --pid --fork CMD…`: CMD runs as PID 1 of a new PID namespace. Returns unshare and its exit. */
function asPid1(cmd: string[], env: NodeJS.ProcessEnv) {
  const child = spawn('unshare', ['--pid', '--fork', '--', ...cmd], { cwd: repoPath(), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot run unshare (util-linux, run as root): ${err.message}`)));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  /** the namespaced process, seen from outside: unshare's only child */
  const pid1 = () => waitFor('the process unshare forks', async () => {
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    return children ? Number(children.split(' ')[0]) : undefined;
  }, 5_000, 20);
  return { child, exited, pid1, output: () => output };
}

/** the PID of `pid` inside its innermost PID namespace (last field of NSpid) */
function innerPid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('NSpid:'))!;
  return Number(line.trim().split(/\s+/).at(-1));
}

describe('the service as PID 1, as in the container', () => {
  it('passes the Dockerfile HEALTHCHECK while up, stops on SIGTERM with exit 0, then fails the HEALTHCHECK', async () => {
    const port = await freePort();
    // the image's environment, but on loopback: tests bind 127.0.0.1 only
    const env = { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info' };
    // tsx in place of the compiled dist/src/server.js: the same entry point, without a build in the test
    const server = asPid1([process.execPath, '--import', 'tsx', 'src/server.ts'], env);
    const pid = await server.pid1();
    expect(innerPid(pid)).toBe(1);
    await waitFor(`the healthcheck to pass (server output: ${server.output().slice(0, 500)})`,
      async () => (runHealthcheck(port) === 0 ? true : undefined), 20_000, 200);

    const t0 = Date.now();
    process.kill(pid, 'SIGTERM');
    const exit = await Promise.race([server.exited, sleep(10_000).then(() => ({ code: null, signal: 'timeout' }))]);
    expect(exit, server.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5_000);
    const log = server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string; signal?: string });
    expect(log.find((l) => l.msg === 'shutting down')?.signal).toBe('SIGTERM');
    expect(log.some((l) => l.msg === 'stopped')).toBe(true);
    expect(runHealthcheck(port)).toBe(1);
  });

  it('(why the handlers matter) a PID 1 without a SIGTERM handler ignores SIGTERM', async () => {
    const idle = asPid1([process.execPath, '-e', 'setInterval(() => {}, 1000)'], process.env);
    const pid = await idle.pid1();
    expect(innerPid(pid)).toBe(1);
    await sleep(200);
    process.kill(pid, 'SIGTERM');
    const exit = await Promise.race([idle.exited, sleep(500).then(() => 'still running')]);
    expect(exit).toBe('still running');
    // what `docker stop` does after its grace period
    process.kill(pid, 'SIGKILL');
    const killed = await Promise.race([idle.exited, sleep(5_000).then(() => null)]);
    expect(killed, 'SIGKILL ends it').not.toBeNull();
    expect(killed).not.toEqual({ code: 0, signal: null });
  });
});
