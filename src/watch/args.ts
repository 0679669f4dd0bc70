/** Command-line options of the ticker (`npm run watch`, `npx mm-watch`), parsed without side effects so that they can be tested. */
import { parseArgs } from 'node:util';
import { UsageError } from '../command-line.js';

export interface WatchOptions {
  url: string;
  agent: string;
  /** symbols to watch, or every symbol of the agent */
  symbols: string[] | '*';
  token: string | undefined;
  /** exit after this many quotes; null = until Ctrl-C */
  count: number | null;
  help: boolean;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export const USAGE = `usage: mm-watch [--url URL] [--token TOKEN] [--count N] AGENT [SYMBOL …]
       npm run watch -- AGENT [SYMBOL …]

A terminal ticker of a quoting service's quote stream, one line per quote:
time, symbol, seq, bid × size, ask × size, mid, reservation price, spread in
bps, inventory and toxicity. Without symbols it watches every symbol of the
agent. It reconnects by itself when the service goes away (with backoff) and
says so, and reports gaps in the sequence numbers and conflation.

  --url URL      the service (default $QUOTING_URL or ${DEFAULT_URL})
  --token TOKEN  a read or write token (default $QUOTING_TOKEN, then $API_TOKEN)
  --count N      exit after N quotes (default: until Ctrl-C)
  --help         this text`;

export function parseWatchArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): WatchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        count: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  const [agent, ...rest] = positionals;
  if (agent === undefined && !help) throw new UsageError('an agent is required, e.g. mm-watch default AAPL');
  const url = (values.url ?? (env.QUOTING_URL || DEFAULT_URL)).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`--url: expected http://host:port, got "${url}"`);
  let count: number | null = null;
  if (values.count !== undefined) {
    count = Number(values.count);
    if (!Number.isInteger(count) || count < 1) throw new UsageError(`--count: expected a positive integer, got "${values.count}"`);
  }
  const symbols = rest.length === 0 || rest.includes('*') ? '*' : rest.flatMap((s) => s.split(',')).filter((s) => s !== '');
  const token = values.token ?? (env.QUOTING_TOKEN || env.API_TOKEN || undefined);
  return { url, agent: agent ?? '', symbols, token, count, help };
}
