/**
 * `npm run demo`: a simulated OMS feeding a running quoting service, so that
 * its quotes, the metrics and the Grafana dashboard have something to show.
 * See scripts/demo/args.ts for the options and scripts/demo/feed.ts for the
 * market it simulates.
 */
import { parseCommandLine } from '../src/command-line.js';
import { parseDemoArgs, USAGE } from './demo/args.js';
import { DemoFatal, runDemo } from './demo/feed.js';

async function main(argv: readonly string[]): Promise<number> {
  const options = parseCommandLine(() => parseDemoArgs(argv, process.env), USAGE);
  if (typeof options === 'number') return options;
  const stop = new AbortController();
  const onSignal = () => {
    // a second Ctrl-C does not wait for the last step
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const s = await runDemo(options, { print: (line) => process.stdout.write(`${line}\n`), signal: stop.signal });
    process.stdout.write(
      `done: ${s.steps} steps, ${s.updates} updates, ${s.quotes} quotes, ${s.fills} fills, ${s.errors} errors in ${s.seconds.toFixed(1)} s\n`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof DemoFatal)) throw e;
    process.stderr.write(`demo: ${e.message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
