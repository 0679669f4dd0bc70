/**
 * Checkpoints of the SQLite WAL, off the event loop: a worker thread with its
 * own connection copies committed pages from the WAL into the database file.
 * With `synchronous=NORMAL` that is also when the WAL reaches the disk
 * (fsync before the checkpoint, and of the database after it), so the
 * interval bounds what a power cut can take; a process crash takes nothing
 * committed either way. The main connection never checkpoints by itself
 * (`wal_autocheckpoint=0`) until it closes.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  path: string;
  /** the main connection's `synchronous`, which also decides the checkpoint's fsyncs */
  synchronous: 'FULL' | 'NORMAL';
  intervalMs: number;
  /** checkpoint only once the WAL is at least this large (0: at every interval) */
  walMinBytes: number;
  onError: (message: string) => void;
}

// Plain JavaScript run with `eval`, so the same code works from the sources (tsx, vitest) and from dist/.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const { statSync } = require('node:fs');
const { path, synchronous, intervalMs, walMinBytes } = workerData;
const db = new DatabaseSync(path, { timeout: 1000 });
db.exec('PRAGMA synchronous=' + synchronous + '; PRAGMA wal_autocheckpoint=0;');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let lastError = '';
const tick = () => {
  try {
    if (walMinBytes > 0) {
      let size = 0;
      try { size = statSync(path + '-wal').size; } catch {}
      if (size < walMinBytes) return;
    }
    checkpoint.get();
    lastError = '';
  } catch (err) {
    const message = String(err && err.message);
    if (message !== lastError) parentPort.postMessage({ error: message });
    lastError = message;
  }
};
const timer = setInterval(tick, intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  tick();
  db.close();
  parentPort.close();
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private stopped: Promise<void> | null = null;
  private exited = false;

  constructor(opts: CheckpointerOptions) {
    const { onError, ...data } = opts;
    this.worker = new Worker(WORKER, { eval: true, workerData: data });
    this.worker.on('message', (m: { error?: string }) => {
      if (m.error !== undefined) onError(`checkpoint of ${opts.path} failed: ${m.error}`);
    });
    this.worker.once('exit', () => (this.exited = true));
    this.worker.on('error', (err) => onError(`checkpoint worker of ${opts.path} stopped: ${err.message}`));
    // a running checkpointer does not keep a process alive that has nothing else to do
    this.worker.unref();
  }

  /** Runs a last checkpoint and ends the thread (at most 5 s, then it is terminated). */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (this.exited) return;
      const exited = once(this.worker, 'exit');
      this.worker.postMessage('stop');
      const timer = setTimeout(() => void this.worker.terminate(), 5_000);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.stopped;
  }
}
