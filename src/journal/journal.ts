/**
 * Append-only journal of what inventory and P&L are made of: fills, position
 * snapshots and agent lifecycle, one JSON object per line.
 *
 * Flush policy: every entry is written to the file with one synchronous
 * write(2) before the update is acknowledged, so a crash or SIGKILL of the
 * process loses nothing acknowledged. Reaching the disk itself (power loss,
 * kernel crash) is bounded by `fsync`: "always" fdatasyncs every entry,
 * "interval" (default) at most every `fsyncIntervalMs`, "never" leaves it to
 * the OS.
 *
 * A write cut short leaves a last line without its newline: on open it is
 * reported and cut off, so the next entry starts on a line of its own. A
 * complete line that is not JSON is corruption, not a torn write, and stops
 * the open.
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentSnapshot } from '../agent/agent-snapshot.js';
import type { MarketMakerConfig } from '../agent/config.js';
import type { FillUpdate, PositionUpdate } from '../agent/updates.js';

export type JournalEntry =
  | { t: 'agent'; id: string; config: MarketMakerConfig }
  | { t: 'delete'; id: string }
  | { t: 'pause'; id: string; symbol?: string }
  | { t: 'resume'; id: string; symbol?: string }
  | { t: 'update'; agent: string; u: FillUpdate | PositionUpdate }
  | { t: 'snapshot'; agent: AgentSnapshot };

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface JournalOptions {
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
}

export class JournalCorruptError extends Error {
  override readonly name = 'JournalCorruptError';
}

export interface OpenedJournal {
  journal: Journal;
  entries: JournalEntry[];
  /** what was wrong but survivable, e.g. a torn last line */
  warnings: string[];
}

export class Journal {
  private fd: number;
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private bytes: number;

  private constructor(readonly path: string, private readonly opts: JournalOptions, bytes: number) {
    this.fd = openSync(path, 'a');
    this.bytes = bytes;
    if (opts.fsync === 'interval') {
      this.timer = setInterval(() => this.sync(), opts.fsyncIntervalMs);
      this.timer.unref();
    }
  }

  /** Reads the journal at `path` (creating it if absent), cuts a torn tail, and opens it for appending. */
  static open(path: string, opts: JournalOptions): OpenedJournal {
    mkdirSync(dirname(path), { recursive: true });
    const warnings: string[] = [];
    const entries: JournalEntry[] = [];
    let size = 0;
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      const end = text.lastIndexOf('\n') + 1;
      if (end < text.length) {
        warnings.push(`journal ${path}: torn last line (${text.length - end} bytes without a newline) skipped`);
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
        fsyncSync(fd);
        closeSync(fd);
      }
      const lines = text.slice(0, end).split('\n');
      for (let i = 0; i < lines.length - 1; i++) {
        const line = lines[i]!;
        if (line === '') continue;
        try {
          entries.push(JSON.parse(line) as JournalEntry);
        } catch {
          throw new JournalCorruptError(`journal ${path}: line ${i + 1} is complete but not JSON; refusing to guess the inventory`);
        }
      }
      size = Buffer.byteLength(text.slice(0, end));
    }
    return { journal: new Journal(path, opts, size), entries, warnings };
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  append(entry: JournalEntry): void {
    const line = `${JSON.stringify(entry)}\n`;
    this.bytes += writeSync(this.fd, line);
    if (this.opts.fsync === 'always') fdatasyncSync(this.fd);
    else this.dirty = true;
  }

  private sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    fdatasyncSync(this.fd);
  }

  /**
   * Replaces the journal with `entries` (a snapshot of the state) atomically:
   * write aside, fsync, rename over the journal. Until the rename succeeds the
   * old journal stays open and whole; after it, appends go to the new one.
   */
  compact(entries: readonly JournalEntry[]): void {
    const aside = `${this.path}.compacting`;
    const fd = openSync(aside, 'w');
    let bytes = 0;
    try {
      for (const e of entries) bytes += writeSync(fd, `${JSON.stringify(e)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.sync();
    renameSync(aside, this.path);
    const old = this.fd;
    this.fd = openSync(this.path, 'a');
    this.bytes = bytes;
    closeSync(old);
    // the rename itself is durable once the directory is
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.sync();
    closeSync(this.fd);
  }
}
