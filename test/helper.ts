/**
 * The app in process, as `server.ts` builds it but never listening: for the
 * tests that need no socket, driven with Fastify's `inject`. Tests that need
 * a real connection (WebSocket, timeouts, slow clients) use
 * test/support/server.ts, which listens on an ephemeral loopback port.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../src/service/app.js';
import { parseServiceConfig, type ServiceConfigInput } from '../src/service/config.js';
import { tempLedger } from './support/server.js';

export interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

export interface Built {
  app: FastifyInstance;
  /** a request by path, with a JSON body (writes always carry the JSON content type, as a client's do) */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

/** The app with `config`, its ledger in a fresh temporary directory unless told otherwise, loaded and ready. */
export async function build(config: ServiceConfigInput = {}, now?: () => number): Promise<Built> {
  const full = { port: 0, ledger: { path: tempLedger(), importJournal: null }, ...config };
  const app = await buildApp({ config: parseServiceConfig(full), logger: pino({ level: 'silent' }), ...(now ? { now } : {}) });
  await app.ready();
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const write = method !== 'GET' && method !== 'HEAD';
    const r = await app.inject({
      method,
      url: path,
      headers: write ? { 'content-type': 'application/json', ...headers } : headers,
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    } as InjectOptions);
    let parsed: unknown = r.body;
    try {
      parsed = r.body ? JSON.parse(r.body) : null;
    } catch {
      // not JSON (e.g. /metrics)
    }
    return { status: r.statusCode, body: parsed, headers: r.headers, text: r.body };
  };
  return { app, request, post: (path, body, headers) => request('POST', path, body, headers), close: () => app.close() };
}
