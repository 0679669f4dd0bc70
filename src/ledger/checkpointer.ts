/**
 * Checkpoints of the SQLite WAL, off the event loop: a worker thread with its
 * own connection copies committed pages from the WAL into the database file.
 * With `synchronous=NORMAL` that is also when the WAL reaches the disk
 * (fsync before the checkpoint, and of the database after it), so the
 * interval bounds what a power cut can take; a process crash takes nothing
 * committed either way. The main connection never checkpoints by itself
 * (`wal_autocheckpoint=0`) until it closes.
 *
 * The same thread runs the full `PRAGMA quick_check` of the file once, when
 * it starts: it reads every page (0.5–1 s per million fills here), so it runs
 * beside the service instead of in front of its start.
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
  /** run the full quick_check first */
  fullCheck: boolean;
  onError: (message: string) => void;
  /** the full check found damage: what it said */
  onDamage: (message: string) => void;
  /** the full check found none */
  onChecked: (ms: number) => void;
}

// Plain JavaScript run with `eval`, so the same code works from the sources (tsx, vitest) and from dist/.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const { statSync } = require('node:fs');
const { path, synchronous, intervalMs, walMinBytes, fullCheck } = workerData;
const db = new DatabaseSync(path, { timeout: 1000 });
db.exec('PRAGMA synchronous=' + synchronous + '; PRAGMA wal_autocheckpoint=0;');
if (fullCheck) {
  const started = performance.now();
  try {
    const rows = db.prepare('PRAGMA quick_check').all().map((r) => r.quick_check);
    if (rows.length === 1 && rows[0] === 'ok') parentPort.postMessage({ checked: performance.now() - started });
    else parentPort.postMessage({ damaged: rows.slice(0, 5).join('; ') });
  } catch (err) {
    parentPort.postMessage({ damaged: String(err && err.message) });
  }
}
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
    const { onError, onDamage, onChecked, ...data } = opts;
    this.worker = new Worker(WORKER, { eval: true, workerData: data });
    this.worker.on('message', (m: { error?: string; damaged?: string; checked?: number }) => {
      if (m.error !== undefined) onError(`checkpoint of ${opts.path} failed: ${m.error}`);
      if (m.damaged !== undefined) onDamage(m.damaged);
      if (m.checked !== undefined) onChecked(m.checked);
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
