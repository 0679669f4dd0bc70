/** Command-line options of `npm run demo`, parsed without side effects so that they can be tested. */
import { UsageError } from '../../src/command-line.js';
import { parseArgs } from 'node:util';
import { ID_PATTERN } from '../../src/service/config.js';

export interface DemoOptions {
  /** base URL of the running service */
  url: string;
  agent: string;
  symbols: string[];
  /** market steps per second; each step moves every symbol's mid once (one batch request) */
  rate: number;
  /** seconds to run; null = until Ctrl-C */
  duration: number | null;
  seed: number;
  /** starting mid */
  mid: number;
  /** starting volatility, price units per √(the agent's time unit) */
  sigma: number;
  /** market time per step, in the agent's time unit */
  dt: number;
  /** bearer token for the write routes (env API_TOKEN) */
  token: string | null;
  help: boolean;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const DEFAULTS = { agent: 'default', symbols: 1, rate: 10, seed: 1, mid: 100, sigma: 2, dt: 0.005 } as const;

export const USAGE = `usage: npm run demo -- [--url URL] [--agent ID] [--symbols N|A,B,…] [--rate R] [--duration S]
                     [--seed N] [--mid P] [--sigma V] [--dt T]

A simulated OMS for a running quoting service: pushes a volatility, then a mid
per symbol following a random walk (±sigma·√dt a step), now and then a new
volatility, and fills against the service's own quotes, drawn from the model's
arrival intensity λ(δ) = A·e^(−kδ) with the agent's A and k: a side at distance
δ from the mid fills during a step with probability 1 − e^(−λ(δ)·dt).
Prints one line a second: mid, bid, ask, inventory and P&L of the first symbol.

  --url URL      the service (default $QUOTING_URL or ${DEFAULT_URL})
  --agent ID     agent to feed (default ${DEFAULTS.agent})
  --symbols N    N symbols DEMO1…DEMON, or a comma list of names (default ${DEFAULTS.symbols})
  --rate R       market steps per second, each one mid update per symbol (default ${DEFAULTS.rate})
  --duration S   stop after S seconds (default: run until Ctrl-C)
  --seed N       PRNG seed, an integer in [0, 2^32) (default ${DEFAULTS.seed})
  --mid P        starting mid (default ${DEFAULTS.mid})
  --sigma V      starting volatility per √(agent's time unit) (default ${DEFAULTS.sigma})
  --dt T         market time per step in the agent's time unit (default ${DEFAULTS.dt}: the
                 step of Avellaneda & Stoikov's simulation; with the default agent, a day
                 every 200 steps, so 20 s at --rate 10)
  --help         this text

Environment: QUOTING_URL (as --url), API_TOKEN (sent as "Authorization: Bearer …").`;

export { UsageError };

function positive(name: string, text: string | undefined, fallback: number, max = Number.MAX_VALUE): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new UsageError(`--${name}: expected a number in (0, ${max}], got "${text}"`);
  }
  return value;
}

function symbolsOption(text: string | undefined): string[] {
  if (text === undefined) return ['DEMO1'];
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1 || n > 1_000) throw new UsageError(`--symbols: expected 1 to 1000 symbols, got ${text}`);
    return Array.from({ length: n }, (_, i) => `DEMO${i + 1}`);
  }
  const names = text.split(',').map((s) => s.trim());
  for (const s of names) if (!ID_PATTERN.test(s)) throw new UsageError(`--symbols: "${s}" is not a valid symbol (letters, digits, . _ : -)`);
  if (new Set(names).size !== names.length) throw new UsageError('--symbols: a symbol is listed twice');
  return names;
}

export function parseDemoArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): DemoOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        agent: { type: 'string' },
        symbols: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        mid: { type: 'string' },
        sigma: { type: 'string' },
        dt: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const url = values.url ?? (env.QUOTING_URL || DEFAULT_URL);
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new UsageError(`--url: not a URL: "${url}"`);
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') throw new UsageError(`--url: expected http(s), got "${url}"`);
  const agent = values.agent ?? DEFAULTS.agent;
  if (!ID_PATTERN.test(agent)) throw new UsageError(`--agent: "${agent}" is not a valid agent id`);
  const seedText = values.seed ?? String(DEFAULTS.seed);
  const seed = Number(seedText);
  if (!/^\d+$/.test(seedText) || seed >= 2 ** 32) throw new UsageError(`--seed: expected an integer in [0, 2^32), got "${seedText}"`);
  return {
    url: url.replace(/\/+$/, ''),
    agent,
    symbols: symbolsOption(values.symbols),
    rate: positive('rate', values.rate, DEFAULTS.rate, 10_000),
    duration: values.duration === undefined ? null : positive('duration', values.duration, 0),
    seed,
    mid: positive('mid', values.mid, DEFAULTS.mid),
    sigma: positive('sigma', values.sigma, DEFAULTS.sigma),
    dt: positive('dt', values.dt, DEFAULTS.dt),
    token: env.API_TOKEN ? env.API_TOKEN : null,
    help: values.help ?? false,
  };
}
