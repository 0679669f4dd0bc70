/** Starts `server-child.ts` in a child process and talks to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { AllocationReport, FromChild, ServerKind, ToChild } from './server-child.js';
import { REPO_ROOT, RESULTS_DIR } from './report.js';

const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export interface ServerStats {
  /** CPU time of the child, µs */
  cpuUs: number;
  elu: EventLoopUtilization;
}

export interface ServerChild {
  kind: ServerKind;
  pid: number;
  port: number;
  url: string;
  wsUrl: string;
  stats(): Promise<ServerStats>;
  setTemplate(prefix: string, suffix: string): Promise<void>;
  /** starts counting the bytes the server allocates on its V8 heap */
  allocationStart(): Promise<void>;
  allocationStop(): Promise<AllocationReport>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** more node flags for the child (e.g. --trace-gc) */
  execArgv?: string[];
  /** more environment variables for the child */
  env?: Record<string, string>;
  /** where the child's stdout goes (a file descriptor, e.g. for --trace-gc lines); inherited by default */
  stdout?: number;
  /** another checkout whose server-child.ts (and so whose service) to run; this one by default */
  root?: string;
}

/**
 * Forks a server. With BENCH_CPU_PROF=1 the child writes a V8 CPU profile to
 * bench/results/profiles/server-<label>/ when it stops (for naming a miss by its top frames).
 */
export async function startServer(kind: ServerKind, label: string = kind, options: ServerOptions = {}): Promise<ServerChild> {
  const profile = process.env.BENCH_CPU_PROF === '1'
    // one directory per server: the tsx loader thread writes a profile too (the main thread's is CPU.*.0.001.cpuprofile)
    ? ['--cpu-prof', `--cpu-prof-dir=${resolve(RESULTS_DIR, 'profiles', `server-${label}`)}`]
    : [];
  const child = fork(options.root === undefined ? CHILD : resolve(options.root, 'bench/support/server-child.ts'), [kind], {
    cwd: options.root ?? REPO_ROOT,
    execArgv: ['--import', 'tsx', ...profile, ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.stdout ?? 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${kind} server did not start in 20 s`)), 20_000);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${kind} server exited with ${code} before listening`)));
    child.on('message', function onMessage(m: FromChild) {
      if (m.type !== 'listening') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      ok(m.port);
    });
  });
  child.removeAllListeners('exit');
  return {
    kind,
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/stream`,
    stats: async () => {
      const m = await ask(child, { type: 'stats' }, 'stats');
      if (m.type !== 'stats') throw new Error('unexpected reply');
      return { cpuUs: m.cpu.user + m.cpu.system, elu: m.elu };
    },
    setTemplate: async (prefix, suffix) => {
      await ask(child, { type: 'template', prefix, suffix }, 'template-set');
    },
    allocationStart: async () => {
      await ask(child, { type: 'alloc-start' }, 'alloc-started');
    },
    allocationStop: async () => {
      const m = await ask(child, { type: 'alloc-stop' }, 'alloc');
      if (m.type !== 'alloc') throw new Error('unexpected reply');
      return m.report;
    },
    stop: () => stop(child),
  };
}

function ask(child: ChildProcess, msg: ToChild, reply: FromChild['type']): Promise<FromChild> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ${reply} reply from the server child`)), 10_000);
    child.on('message', function onMessage(m: FromChild) {
      if (m.type !== reply) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      ok(m);
    });
    child.send(msg);
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      ok();
    });
    child.send({ type: 'stop' } satisfies ToChild);
  });
}

