/** What the command-line tools (`npm run simulate`, `npm run demo`) share: usage errors and `--help`. */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses a command line, printing the usage for `--help` or a usage error:
 * the options to run with, or the exit code when there is nothing to run.
 */
export function parseCommandLine<T extends { help: boolean }>(parse: () => T, usage: string): T | number {
  let options: T;
  try {
    options = parse();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n\n${usage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return options;
}
