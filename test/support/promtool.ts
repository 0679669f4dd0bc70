import { spawnSync } from 'node:child_process';

/** promtool from Debian's prometheus package; .ci/run installs it. Tests that call it skip where it is missing (test/support/system-programs.ts). */
export function promtool(args: string[], input?: string): { status: number; output: string } {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool not runnable (apt-get install prometheus): ${r.error.message}`);
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}
