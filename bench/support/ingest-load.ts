/**
 * The mid load of benchmark 2 (`http-ingest.ts`), shared with the tools that
 * take it apart (`ab.ts`, `edge-layers.ts`): 1,000 symbols of agent `default`,
 * the requests autocannon sends, the seeding that makes every symbol quote.
 */
import type autocannon from 'autocannon';
import { AUTH_HEADER } from './token.js';

export const SYMBOLS = 1_000;
export const BATCH = 100;
const AGENT = 'default';
const HEADERS = { 'content-type': 'application/json', authorization: AUTH_HEADER };

const symbol = (i: number) => `S${String(i).padStart(4, '0')}`;
const midOf = (i: number, step: number) => Math.round((50 + (i % 400) + (step % 7) * 0.01) * 100) / 100;

/** One request per symbol, each with its own mid. */
export function midRequests(suffix = ''): autocannon.Request[] {
  return Array.from({ length: SYMBOLS }, (_, i) => ({
    method: 'POST',
    path: `/v1/agents/${AGENT}/symbols/${symbol(i)}/mid${suffix}`,
    headers: HEADERS,
    body: JSON.stringify({ mid: midOf(i, 1) }),
  }));
}

/** Batches of 100 mid updates walking over the 1,000 symbols. */
export function batchRequests(query = ''): autocannon.Request[] {
  return Array.from({ length: SYMBOLS / BATCH }, (_, b) => ({
    method: 'POST',
    path: `/v1/agents/${AGENT}/updates${query}`,
    headers: HEADERS,
    body: JSON.stringify({
      updates: Array.from({ length: BATCH }, (_, j) => {
        const i = b * BATCH + j;
        return { type: 'mid', symbol: symbol(i), mid: midOf(i, 2) };
      }),
    }),
  }));
}

/** The seeding's updates: a sigma and a mid for every symbol, so that every timed update quotes. */
export function seedUpdates() {
  return Array.from({ length: SYMBOLS }, (_, i) => [
    { type: 'volatility' as const, symbol: symbol(i), sigma: midOf(i, 0) * 0.02 },
    { type: 'mid' as const, symbol: symbol(i), mid: midOf(i, 0) },
  ]).flat();
}

/** Seeds the service listening at `url` through its batch route. */
export async function seed(url: string): Promise<void> {
  const updates = seedUpdates();
  for (let i = 0; i < updates.length; i += 1_000) {
    const res = await fetch(`${url}/v1/agents/${AGENT}/updates`, {
      method: 'POST', headers: HEADERS, body: JSON.stringify({ updates: updates.slice(i, i + 1_000) }),
    });
    const body = (await res.json()) as { results?: { ok: boolean; outcome?: string }[] };
    if (res.status !== 200 || !body.results?.every((r) => r.ok)) throw new Error(`seeding failed: ${res.status}`);
  }
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A whole number ≥ 1 from the command line (slices, rounds, seconds: autocannon runs whole seconds), or `fallback`. */
export function countArg(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what}: expected a whole number ≥ 1, got ${JSON.stringify(text)}`);
  return n;
}
