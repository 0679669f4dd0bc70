/** The ticker: one line per quote and per event of the subscription, on the typed client. */
import { priceDigits, QuotingClient, QuotingError, type StreamQuote, type Subscription } from '../client/index.js';
import type { WatchOptions } from './args.js';

export interface WatchIo {
  print: (line: string) => void;
  signal?: AbortSignal;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

export function formatQuote(q: StreamQuote, digits: number): string {
  const p = (x: number) => x.toFixed(digits);
  const side = (price: number, size: number) => (size > 0 ? `${p(price)} × ${size}` : '—');
  const flags = `${q.snapshot ? ' snapshot' : ''}${q.conflated ? ' conflated' : ''}`;
  return `${clock(q.time)} ${q.symbol.padEnd(8)} #${String(q.seq).padEnd(5)} bid ${side(q.bidPrice, q.bidSize)} │ ask ${side(q.askPrice, q.askSize)}` +
    ` │ mid ${p(q.mid)} r ${q.reservation.toFixed(digits + 1)} ${q.spreadBps.toFixed(1)} bps │ inv ${q.inventory} tox ${q.toxicity.toFixed(2)}${flags}`;
}

/** Subscribes and prints until the count is reached, the signal fires, or the subscription ends; the exit code. */
export async function runWatch(o: WatchOptions, io: WatchIo): Promise<number> {
  const client = new QuotingClient({ baseUrl: o.url, ...(o.token ? { token: o.token } : {}) });
  let digits: number;
  try {
    digits = priceDigits((await client.agent(o.agent)).config.tickSize);
  } catch (err) {
    io.print(`mm-watch: ${explain(err, o)}`);
    return 1;
  }
  let seen = 0;
  let done!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (done = resolve));
  let sub: Subscription;
  try {
    sub = await client.subscribe(o.agent, o.symbols, (q) => {
      io.print(formatQuote(q, digits));
      if (o.count !== null && ++seen >= o.count) done(0);
    });
  } catch (err) {
    io.print(`mm-watch: ${explain(err, o)}`);
    return 1;
  }
  io.print(`watching ${o.agent} ${o.symbols === '*' ? '(every symbol)' : o.symbols.join(' ')} at ${o.url}${o.count === null ? ', Ctrl-C to stop' : ''}`);
  sub.on('disconnected', (e) => io.print(`! connection lost (${e.code}${e.reason ? ` ${e.reason}` : ''}); attempt ${e.attempt} in ${(e.retryInMs / 1_000).toFixed(1)} s`));
  sub.on('reconnected', (e) => io.print(`✓ reconnected after ${e.attempts} attempt(s), ${(e.downMs / 1_000).toFixed(1)} s down; fresh snapshot follows`));
  sub.on('resync', (e) => io.print(`~ ${e.symbol} resync (${e.reason}${e.reason === 'gap' ? `: expected #${e.expected}, got #${e.received}` : ''})`));
  sub.on('conflated', (e) => io.print(`~ ${e.symbol} ${e.missed} quote(s) skipped while reading slowly (${e.by})`));
  sub.on('withdrawn', (e) => io.print(`${clock(e.serverTime)} ${e.symbol.padEnd(8)} withdrawn: ${e.reason}`));
  sub.on('heartbeat-timeout', (e) => io.print(`! no answer for ${(e.silentMs / 1_000).toFixed(1)} s: reconnecting`));
  sub.on('error', (e) => io.print(`! ${e.code}: ${e.message}`));
  void sub.closed.then((c) => {
    io.print(`closed: ${c.reason}${c.error ? ` (${c.error.message})` : ''}`);
    done(c.reason === 'closed by the caller' ? 0 : 1);
  });
  io.signal?.addEventListener('abort', () => done(0), { once: true });
  const code = await finished;
  await sub.close();
  return code;
}

function explain(err: unknown, o: WatchOptions): string {
  if (!(err instanceof QuotingError)) return String(err);
  if (err.unauthorised) return `${o.url} refused the token (${err.code}): pass --token or set QUOTING_TOKEN`;
  if (err.code === 'AGENT_NOT_FOUND') return `no agent "${o.agent}" at ${o.url}`;
  if (err.code === 'NETWORK' || err.code === 'TIMEOUT') return `cannot reach the quoting service at ${o.url}: ${err.message}`;
  return `${err.code}: ${err.message}`;
}
