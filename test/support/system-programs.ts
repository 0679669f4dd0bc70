/**
 * System programs some tests need (Debian packages, not npm ones). Where one is
 * missing those tests skip, and the global setup prints one line naming what
 * was skipped and how to install it; under REQUIRE_SYSTEM_TESTS=1 (set by
 * .ci/run) a missing program fails the run instead.
 */
import { spawnSync } from 'node:child_process';
import { describe } from 'vitest';

interface SystemProgram {
  /** the command to run; an environment variable may point elsewhere */
  command: string;
  /** the Debian package that provides it */
  debianPackage: string;
  versionArgs: string[];
}

export const SYSTEM_PROGRAMS = {
  promtool: { command: 'promtool', debianPackage: 'prometheus', versionArgs: ['--version'] },
  prometheus: { command: process.env.PROMETHEUS_BIN ?? 'prometheus', debianPackage: 'prometheus', versionArgs: ['--version'] },
  // the quote board's browser test drives it with playwright-core (Playwright's own browser downloads do not work here)
  chromium: { command: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium', debianPackage: 'chromium', versionArgs: ['--version'] },
  amtool: { command: 'amtool', debianPackage: 'prometheus-alertmanager', versionArgs: ['--version'] },
  alertmanager: { command: process.env.ALERTMANAGER_BIN ?? 'prometheus-alertmanager', debianPackage: 'prometheus-alertmanager', versionArgs: ['--version'] },
  // the image test (test/ops/image.test.ts) starts its own Docker daemon and assembles a base image
  dockerd: { command: 'dockerd', debianPackage: 'docker.io', versionArgs: ['--version'] },
  docker: { command: 'docker', debianPackage: 'docker.io', versionArgs: ['--version'] },
  debootstrap: { command: 'debootstrap', debianPackage: 'debootstrap', versionArgs: ['--version'] },
  // the cluster tests (test/cluster) start their own servers: one, or three in a cluster
  'nats-server': { command: 'nats-server', debianPackage: 'nats-server', versionArgs: ['--version'] },
} satisfies Record<string, SystemProgram>;

export type SystemProgramName = keyof typeof SYSTEM_PROGRAMS;

const found = new Map<SystemProgramName, boolean>();

export function hasProgram(name: SystemProgramName): boolean {
  let ok = found.get(name);
  if (ok === undefined) {
    const p: SystemProgram = SYSTEM_PROGRAMS[name];
    const r = spawnSync(p.command, p.versionArgs, { stdio: 'ignore', timeout: 10_000 });
    ok = !r.error && r.status === 0;
    found.set(name, ok);
  }
  return ok;
}

export const systemTestsRequired = (): boolean => process.env.REQUIRE_SYSTEM_TESTS === '1';

/** The programs of `names` that are missing. */
export function missingPrograms(names: readonly SystemProgramName[] = Object.keys(SYSTEM_PROGRAMS) as SystemProgramName[]): SystemProgramName[] {
  return names.filter((n) => !hasProgram(n));
}

export function installHint(names: readonly SystemProgramName[]): string {
  const pkgs = [...new Set(names.map((n) => SYSTEM_PROGRAMS[n].debianPackage))];
  return `apt-get install -y ${pkgs.join(' ')}`;
}

/**
 * `describe` for a block that needs system programs: it runs when they are all
 * present, skips when one is missing, and (under REQUIRE_SYSTEM_TESTS=1) the
 * global setup has already failed the run before it gets here.
 */
export function describeWith(names: readonly SystemProgramName[], title: string, body: () => void): void {
  const missing = missingPrograms(names);
  const label = missing.length === 0 ? title : `${title} [skipped: ${missing.join(', ')} missing]`;
  describe.skipIf(missing.length > 0)(label, body);
}
