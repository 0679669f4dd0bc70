/**
 * One REST call: JSON in and out, the bearer token, a timeout per attempt,
 * and retries (bounded, with backoff) for the calls the caller marks as safe
 * to repeat. Uses the runtime's fetch (Node ≥ 18 and every browser).
 */
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { QuotingError } from './errors.js';

export interface HttpOptions {
  baseUrl: string;
  token: string | undefined;
  timeoutMs: number;
  /** further attempts after the first for a call that is safe to repeat */
  retries: number;
  retryBackoff: BackoffOptions;
  fetch: typeof fetch;
}

export interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** every write sends a JSON body, `{}` when it has nothing to say (the service requires the content type on writes) */
  body?: unknown;
  /** whether repeating the call changes nothing more than doing it once */
  idempotent: boolean;
  /** statuses that count as success on a repeated attempt (a DELETE whose first attempt went through answers 404) */
  doneOnRetry?: readonly number[];
  /** answer text as is rather than JSON (/metrics) */
  text?: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function call<T>(opts: HttpOptions, c: Call): Promise<T> {
  const attempts = c.idempotent ? 1 + opts.retries : 1;
  for (let attempt = 0; ; attempt++) {
    try {
      return await once<T>(opts, c);
    } catch (err) {
      const e = err as QuotingError;
      if (attempt > 0 && e.status !== null && c.doneOnRetry?.includes(e.status)) return undefined as T;
      if (attempt + 1 >= attempts || !e.transient) throw e;
      await sleep(backoffDelay(attempt, opts.retryBackoff));
    }
  }
}

async function once<T>(opts: HttpOptions, c: Call): Promise<T> {
  const headers: Record<string, string> = { accept: c.text ? 'text/plain' : 'application/json' };
  if (c.method !== 'GET') headers['content-type'] = 'application/json';
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  const where = { method: c.method, path: c.path };
  let res: Response;
  let text: string;
  try {
    res = await opts.fetch(`${opts.baseUrl}${c.path}`, {
      method: c.method,
      headers,
      ...(c.method === 'GET' ? {} : { body: JSON.stringify(c.body ?? {}) }),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new QuotingError({ code: 'TIMEOUT', message: `${c.method} ${c.path}: no answer within ${opts.timeoutMs} ms`, ...where, cause: err });
    }
    // fetch says only "fetch failed"; the cause says why (ECONNREFUSED …)
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new QuotingError({
      code: 'NETWORK', message: `${c.method} ${c.path}: ${(err as Error).message}${cause ? `: ${cause}` : ''}`, ...where, cause: err,
    });
  }
  const requestId = res.headers.get('x-request-id') ?? undefined;
  if (res.status === 204) return undefined as T;
  if (res.ok && c.text) return text as T;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new QuotingError({ code: 'BAD_RESPONSE', status: res.status, message: `${c.method} ${c.path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`, ...where, requestId });
  }
  if (res.ok) return json as T;
  const e = (json as { error?: { code?: unknown; message?: unknown; field?: unknown } }).error;
  throw new QuotingError({
    code: typeof e?.code === 'string' ? e.code : `HTTP_${res.status}`,
    message: `${c.method} ${c.path}: HTTP ${res.status} ${typeof e?.message === 'string' ? e.message : text.slice(0, 200)}`,
    status: res.status,
    field: typeof e?.field === 'string' ? e.field : undefined,
    ...where,
    requestId,
  });
}
