/**
 * Real nats-server processes for the cluster tests: loopback only, a free port each, a temporary
 * store directory each, killed by PID (never by name) and their directories removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll } from 'vitest';

export interface NatsServer {
  url: string;
  port: number;
  /** the route port of a cluster node (its server name is `n<clusterPort>`) */
  clusterPort?: number;
  child: ChildProcess;
  output: () => string;
  /** SIGKILL, and wait for the exit */
  kill(): Promise<void>;
  /** kill and remove the store */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface NatsOptions {
  /** for a node of a cluster: its cluster name, own route port, and the route ports of all nodes */
  cluster?: { name: string; port: number; routes: number[] };
  port?: number;
  storeDir?: string;
  timeoutMs?: number;
}

export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const port = opts.port ?? (await freePort());
  const dir = opts.storeDir ?? mkdtempSync(join(tmpdir(), 'mm-nats-'));
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir];
  if (opts.cluster) {
    args.push('--name', `n${opts.cluster.port}`, '--cluster_name', opts.cluster.name, '--cluster', `nats://127.0.0.1:${opts.cluster.port}`,
      '--routes', opts.cluster.routes.filter((p) => p !== opts.cluster!.port).map((p) => `nats://127.0.0.1:${p}`).join(','));
  }
  const child = spawn('nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not start: ${out}`));
    }, opts.timeoutMs ?? 10_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited: ${out}`));
    });
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    }
  };
  return {
    url: `nats://127.0.0.1:${port}`, port, child, output: () => out, kill,
    ...(opts.cluster ? { clusterPort: opts.cluster.port } : {}),
    dispose: async () => {
      await kill();
      if (opts.storeDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One nats-server for the tests of the enclosing describe block, and connections to it; all closed after them. */
export function useNatsServer(): { conn: () => Promise<NatsConnection> } {
  let server: NatsServer | undefined;
  const conns: NatsConnection[] = [];
  beforeAll(async () => {
    server = await startNats();
  });
  afterAll(async () => {
    for (const nc of conns) await nc.close();
    await server?.dispose();
  });
  return {
    conn: async () => {
      const nc = await connect({ servers: server!.url });
      conns.push(nc);
      return nc;
    },
  };
}

/** Three nodes of one cluster on loopback; ready once each has started (JetStream meta leader elected by the caller's first request). */
export async function startNatsCluster(size = 3): Promise<NatsServer[]> {
  const routes = await Promise.all(Array.from({ length: size }, () => freePort()));
  const name = `mm-test-${process.pid}`;
  const started = await Promise.allSettled(routes.map((port) => startNats({ cluster: { name, port, routes } })));
  const up = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    // none left running when one did not start
    for (const n of up) await n.dispose();
    throw failed.reason as Error;
  }
  return up;
}

/** Waits until JetStream answers on `url` (a cluster elects its meta leader a moment after its nodes start); bounded by `timeoutMs`. */
/**
 * Waits until JetStream answers and, for a cluster, until a stream with `replicas` replicas can be placed
 * (a forming cluster answers "no suitable peers for placement" until enough servers have joined).
 */
export async function jetStreamReady(url: string, timeoutMs = 20_000, replicas = 1): Promise<void> {
  const { jetstreamManager, StorageType } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: url });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 1_000 });
        await jsm.getAccountInfo();
        if (replicas > 1) {
          await jsm.streams.add({ name: 'READY_PROBE', subjects: ['ready.probe'], num_replicas: replicas, storage: StorageType.Memory });
          await jsm.streams.delete('READY_PROBE');
        }
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await nc.close();
  }
}
