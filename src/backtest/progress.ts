/**
 * A progress bar (cli-progress) on stderr for sweeps and long replays. It is
 * drawn only when both stdout and stderr are terminals: piped or redirected
 * output (CI, `> summary.json`) gets no bar and no control characters.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => {}, stop: () => {} };

export function isInteractive(): boolean {
  return process.stdout.isTTY === true && process.stderr.isTTY === true;
}

export function progressBar(label: string, total: number, enabled = isInteractive()): Progress {
  if (!enabled) return SILENT;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (v) => bar.update(v), stop: () => bar.stop() };
}
