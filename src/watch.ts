#!/usr/bin/env node
/**
 * `mm-watch` (`npm run watch -- default AAPL`): a terminal ticker of the quote
 * stream, on the typed client. See src/watch/args.ts for the options.
 */
import { parseCommandLine } from './command-line.js';
import { parseWatchArgs, USAGE } from './watch/args.js';
import { runWatch } from './watch/ticker.js';

const options = parseCommandLine(() => parseWatchArgs(process.argv.slice(2), process.env), USAGE);
if (typeof options === 'number') {
  process.exitCode = options;
} else {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  runWatch(options, { print: (line) => process.stdout.write(`${line}\n`), signal: stop.signal }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`mm-watch failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
