/** The few REST calls the demo makes, with the bearer token when one is set. */
import type { z } from 'zod';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly status: number, readonly method: string, readonly path: string, readonly body: string) {
    super(`${method} ${path}: HTTP ${status} ${body.slice(0, 300)}`);
  }

  get unauthorised(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export class QuotingClient {
  constructor(readonly baseUrl: string, private readonly token: string | null, private readonly timeoutMs = 5_000) {}

  get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    return this.call('GET', path, undefined, schema);
  }

  post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    return this.call('POST', path, body, schema);
  }

  private async call<S extends z.ZodType>(method: string, path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    const headers: Record<string, string> = {};
    // every write carries the JSON content type, body or not (the service refuses writes without it)
    if (method !== 'GET') headers['content-type'] = 'application/json';
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new HttpError(res.status, method, path, text);
    return schema.parse(JSON.parse(text));
  }
}

/** "connect ECONNREFUSED 127.0.0.1:8080" rather than fetch's bare "fetch failed" */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
