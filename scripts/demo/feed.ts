/**
 * The demo's simulated OMS and market (see USAGE in args.ts). One step, for
 * every symbol: the standing quote may be filled on each side, with the
 * model's probability for the step, at the quoted price and size; now and
 * then the volatility changes; then the mid moves by ±sigma·√dt. The step's
 * fills, volatility and mid updates go to the service as one batch, in that
 * order, and its answers are the quotes standing for the next step.
 *
 * The market's clock is the step counter: a step is `dt` of the agent's time
 * unit whatever the wall-clock rate, so the fill probabilities (A per time
 * unit) and the volatility (per √time unit) agree with what the agent
 * assumes. Updates carry no time, so the service stamps them on arrival.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { QuotingClient, QuotingError, type AgentDetail, type BatchReply, type BatchUpdate } from '../../src/client/index.js';
import { fillProbability } from '../../src/model/arrival.js';
import { seededUniform } from '../../src/sim/random.js';
import type { DemoOptions } from './args.js';

/** chance per step and symbol of a new volatility */
export const VOLATILITY_CHANGE_PER_STEP = 0.02;

interface StandingQuote { mid: number; bidPrice: number; bidSize: number; askPrice: number; askSize: number }

type DemoUpdate = Extract<BatchUpdate, { type: 'mid' | 'volatility' | 'fill' }>;

const describeError = (err: unknown) => (err instanceof Error ? err.message : String(err));

export interface DemoSummary {
  steps: number;
  /** updates the service applied */
  updates: number;
  /** fills the service applied (duplicates excluded) */
  fills: number;
  /** quotes the service produced in answer to the demo's updates */
  quotes: number;
  /** requests that failed and batch items the service refused */
  errors: number;
  seconds: number;
}

export interface DemoIo {
  print: (line: string) => void;
  /** stops the demo (Ctrl-C) */
  signal?: AbortSignal;
}

/** An error the demo cannot go on after (service unreachable at start, unknown agent, refused token). */
export class DemoFatal extends Error {
  override readonly name = 'DemoFatal';
}

interface SymbolState {
  symbol: string;
  mid: number;
  sigma: number;
  quote: StandingQuote | null;
}

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

export async function runDemo(options: DemoOptions, io: DemoIo): Promise<DemoSummary> {
  const client = new QuotingClient({ baseUrl: options.url, ...(options.token === null ? {} : { token: options.token }) });
  let agent: AgentDetail;
  try {
    agent = await client.agent(options.agent);
  } catch (err) {
    if (err instanceof QuotingError && err.status === 404) throw new DemoFatal(`agent "${options.agent}" not found at ${options.url} (create it with POST /v1/agents)`);
    if (err instanceof QuotingError && err.unauthorised) throw new DemoFatal(`${options.url} refused the request (HTTP ${err.status}): set API_TOKEN`);
    throw new DemoFatal(`cannot reach the quoting service at ${options.url}: ${describeError(err)}`);
  }
  const { k, A, timeUnit, tickSize } = agent.config;
  const priceDigits = Math.max(0, Math.min(8, Math.ceil(-Math.log10(tickSize) - 1e-9)));
  const uniform = seededUniform(options.seed);
  const runId = `${options.seed}-${Date.now().toString(36)}`;
  const symbols: SymbolState[] = options.symbols.map((symbol) => ({ symbol, mid: options.mid, sigma: options.sigma, quote: null }));
  const move = (s: SymbolState) => s.sigma * Math.sqrt(options.dt);
  const summary: DemoSummary = { steps: 0, updates: 0, fills: 0, quotes: 0, errors: 0, seconds: 0 };
  let fillSeq = 0;
  let lastErrorPrint = 0;

  io.print(
    `demo → ${options.url} agent ${options.agent}: ${symbols.length} symbol(s), ${options.rate} steps/s, dt ${options.dt} ${timeUnit}, ` +
    `λ(δ) = ${A}·e^(−${k}δ) per ${timeUnit}, seed ${options.seed}${options.duration === null ? ', Ctrl-C to stop' : `, ${options.duration} s`}`,
  );

  const send = async (updates: DemoUpdate[], owners: SymbolState[]) => {
    let reply: BatchReply;
    try {
      reply = await client.postBatch(options.agent, updates);
    } catch (err) {
      if (err instanceof QuotingError && err.unauthorised) throw new DemoFatal(`${options.url} refused the update (HTTP ${err.status}): set API_TOKEN`);
      if (err instanceof QuotingError && err.status === 404) throw new DemoFatal(`agent "${options.agent}" is gone`);
      summary.errors++;
      if (Date.now() - lastErrorPrint >= 1_000) {
        lastErrorPrint = Date.now();
        io.print(`! ${describeError(err)}`);
      }
      return;
    }
    reply.results.forEach((r, i) => {
      const update = updates[i]!;
      if (!r.ok) {
        summary.errors++;
        if (Date.now() - lastErrorPrint >= 1_000) {
          lastErrorPrint = Date.now();
          io.print(`! ${update.type} ${update.symbol}: ${r.error.code} ${r.error.message}`);
        }
        return;
      }
      summary.updates++;
      if (update.type === 'fill' && r.outcome !== 'duplicate') summary.fills++;
      if (r.outcome === 'quoted') summary.quotes++;
      // the answer to the last update of a symbol is its standing quote (null: none)
      owners[i]!.quote = r.quote satisfies StandingQuote | null;
    });
  };

  const step = async () => {
    const updates: DemoUpdate[] = [];
    const owners: SymbolState[] = [];
    const push = (s: SymbolState, u: DemoUpdate) => {
      updates.push(u);
      owners.push(s);
    };
    for (const s of symbols) {
      // four uniforms per symbol and step whatever happens, so a seed replays the same market
      const [uAsk, uBid, uVol, uMove] = [uniform(), uniform(), uniform(), uniform()];
      const q = s.quote;
      if (q !== null) {
        // δ is measured from the mid the quote was made at, the mid of this step
        if (q.askSize > 0 && uAsk < fillProbability(A, k, q.askPrice - s.mid, options.dt)) {
          push(s, { type: 'fill', symbol: s.symbol, id: `demo-${runId}-${++fillSeq}`, side: 'sell', price: q.askPrice, quantity: q.askSize });
        }
        if (q.bidSize > 0 && uBid < fillProbability(A, k, s.mid - q.bidPrice, options.dt)) {
          push(s, { type: 'fill', symbol: s.symbol, id: `demo-${runId}-${++fillSeq}`, side: 'buy', price: q.bidPrice, quantity: q.bidSize });
        }
      }
      if (uVol < VOLATILITY_CHANGE_PER_STEP) {
        // a regime change: ×0.8 or ×1.25, kept within [½, 2] × the starting volatility
        const factor = uVol < VOLATILITY_CHANGE_PER_STEP / 2 ? 0.8 : 1.25;
        s.sigma = Math.min(2 * options.sigma, Math.max(options.sigma / 2, s.sigma * factor));
        push(s, { type: 'volatility', symbol: s.symbol, sigma: s.sigma });
      }
      const d = move(s);
      let next = s.mid + (uMove < 0.5 ? d : -d);
      // reflect off a floor so the mid stays positive on long runs
      if (next < options.mid / 10) next = s.mid + d;
      s.mid = next;
      push(s, { type: 'mid', symbol: s.symbol, mid: next });
    }
    await send(updates, owners);
    summary.steps++;
  };

  const report = async (elapsedMs: number) => {
    const first = symbols[0]!;
    let position = '?';
    let pnl = '?';
    let totals = '';
    try {
      const inv = await client.inventory(options.agent);
      const mine = inv.symbols.filter((x) => options.symbols.includes(x.symbol));
      const row = mine.find((x) => x.symbol === first.symbol);
      if (row) {
        position = String(row.position);
        pnl = signed(row.realisedPnl + row.unrealisedPnl, 2);
      }
      if (symbols.length > 1) {
        const inventory = mine.reduce((t, x) => t + x.position, 0);
        const total = mine.reduce((t, x) => t + x.realisedPnl + x.unrealisedPnl, 0);
        totals = ` │ ${symbols.length} symbols inv ${inventory} pnl ${signed(total, 2)}`;
      }
    } catch (err) {
      summary.errors++;
      totals = ` │ ! ${describeError(err)}`;
    }
    const q = first.quote;
    const price = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(priceDigits));
    io.print(
      `${(elapsedMs / 1_000).toFixed(1).padStart(6)}s ${first.symbol} mid ${first.mid.toFixed(priceDigits + 1)} ` +
      `bid ${price(q?.bidSize ? q.bidPrice : undefined)} ask ${price(q?.askSize ? q.askPrice : undefined)} inv ${position} pnl ${pnl}` +
      `${totals} │ ${summary.steps} steps ${summary.fills} fills ${summary.errors} errors`,
    );
  };

  const started = Date.now();
  const deadline = options.duration === null ? Number.POSITIVE_INFINITY : started + options.duration * 1_000;
  const stopped = () => io.signal?.aborted === true || Date.now() >= deadline;

  // a volatility first, then the first mid: the agent quotes from the first step on
  await send(symbols.flatMap((s): DemoUpdate[] => [
    { type: 'volatility', symbol: s.symbol, sigma: s.sigma },
    { type: 'mid', symbol: s.symbol, mid: s.mid },
  ]), symbols.flatMap((s) => [s, s]));

  const interval = 1_000 / options.rate;
  let nextStep = started;
  let nextReport = started + 1_000;
  while (!stopped()) {
    await step();
    const now = Date.now();
    if (now >= nextReport) {
      await report(now - started);
      nextReport = Math.max(nextReport + 1_000, now + 500);
    }
    nextStep += interval;
    // after a stall (a slow service, a suspended laptop) go on at the rate instead of catching up in a burst
    if (nextStep < now - 1_000) nextStep = now;
    const wait = Math.min(nextStep, deadline) - Date.now();
    if (wait > 0) {
      try {
        await delay(wait, undefined, io.signal ? { signal: io.signal } : {});
      } catch {
        break; // aborted
      }
    }
  }
  summary.seconds = (Date.now() - started) / 1_000;
  await report(Date.now() - started);
  return summary;
}
