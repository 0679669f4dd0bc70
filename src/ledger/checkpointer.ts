/**
 * Checkpoints of the SQLite WAL, off the event loop: a worker thread with its
 * own connection copies committed pages from the WAL into the database file.
 * With `synchronous=NORMAL` that is also when the WAL reaches the disk
 * (fsync before the checkpoint, and of the database after it), so the
 * interval bounds what a power cut can take; a process crash takes nothing
 * committed either way. The main connection never checkpoints by itself
 * (`wal_autocheckpoint=0`) until it closes.
 *
 * Below `walMinBytes` an interval does not checkpoint; with `syncWal` it
 * fdatasyncs the WAL file instead. Frames on disk with valid checksums are
 * what SQLite's recovery reads back, so that keeps the same power-cut window,
 * and the WAL is restarted (which costs the next commit several hundred µs on
 * the event loop) only once it has grown, not after every checkpoint.
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
  /** below walMinBytes, fdatasync the WAL at each interval instead of checkpointing */
  syncWal: boolean;
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
const { closeSync, fdatasyncSync, fstatSync, openSync, statSync } = require('node:fs');
const { path, synchronous, intervalMs, walMinBytes, syncWal, fullCheck } = workerData;
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
// the WAL file, opened once (SQLite keeps the same file while the main connection is open)
let walFd = -1;
let walSynced = -1;
const syncTheWal = (size) => {
  if (walFd < 0) walFd = openSync(path + '-wal', 'r');
  // nothing written since the last sync: nothing to do (the size and mtime tell)
  const st = fstatSync(walFd);
  const stamp = st.mtimeMs * 1e6 + size;
  if (stamp === walSynced) return;
  fdatasyncSync(walFd);
  walSynced = stamp;
};
const tick = (final) => {
  try {
    if (walMinBytes > 0 && !final) {
      let size = 0;
      try { size = statSync(path + '-wal').size; } catch {}
      if (size < walMinBytes) {
        if (syncWal && size > 0) syncTheWal(size);
        return;
      }
    }
    checkpoint.get();
    lastError = '';
  } catch (err) {
    const message = String(err && err.message);
    if (message !== lastError) parentPort.postMessage({ error: message });
    lastError = message;
  }
};
const timer = setInterval(() => tick(false), intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  tick(true);
  if (walFd >= 0) closeSync(walFd);
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
    this.worker.on('error', (err: Error) => onError(`checkpoint worker of ${opts.path} stopped: ${err.message}`));
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
