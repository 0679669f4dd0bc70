/**
 * The baseline of the ledger benchmark: the JSON-lines journal the service
 * used before the SQLite ledger (one `write(2)` of one line per entry, an
 * fdatasync per entry with `always`, on a 100 ms timer with `interval`), kept
 * here only so that every run measures the two side by side.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import type { FlushPolicy } from '../../src/ledger/ledger.js';

export class JsonlJournal {
  private readonly fd: number;
  private dirty = false;
  private readonly timer: NodeJS.Timeout | null;

  constructor(path: string, private readonly fsync: FlushPolicy) {
    this.fd = openSync(path, 'a');
    this.timer = fsync === 'interval' ? setInterval(() => this.sync(), 100) : null;
    this.timer?.unref();
  }

  append(entry: unknown): void {
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    if (this.fsync === 'always') fdatasyncSync(this.fd);
    else this.dirty = true;
  }

  private sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.sync();
    closeSync(this.fd);
  }
}
