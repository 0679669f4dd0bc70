import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import WebSocket from 'ws';
import { buildApp } from '../../src/service/app.js';
import { parseServiceConfig, type ServiceConfigInput } from '../../src/service/config.js';

export interface Running {
  app: FastifyInstance;
  url: string;
  wsUrl: string;
  close: () => Promise<void>;
}

export const tempDir = () => mkdtempSync(join(tmpdir(), 'mm-ledger-'));
export const tempLedger = () => join(tempDir(), 'quoting.db');

/** The real app, listening on an ephemeral loopback port, with its ledger in a fresh temporary directory unless told otherwise. */
export async function startServer(config: ServiceConfigInput = {}, now?: () => number): Promise<Running> {
  const full = { port: 0, ledger: { path: tempLedger(), importJournal: null }, ...config };
  const app = await buildApp({ config: parseServiceConfig(full), logger: pino({ level: 'silent' }), ...(now ? { now } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const url = `http://127.0.0.1:${address.port}`;
  return { app, url, wsUrl: `ws://127.0.0.1:${address.port}/v1/stream`, close: () => app.close() };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method,
    // every write carries the JSON content type, body or not (a browser's simple request cannot)
    headers: method === 'GET' || method === 'HEAD' ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (e.g. /metrics)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A WebSocket client that records every message, with a wait for the n-th one matching a predicate. */
export class StreamClient {
  readonly messages: any[] = [];
  private waiters: { pred: (m: any[]) => boolean; resolve: () => void }[] = [];
  closeCode: number | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()));
      this.check();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.check();
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<StreamClient> {
    const ws = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new StreamClient(ws);
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Resolves when `pred(messages)` holds; rejects after `ms`. */
  until(pred: (m: any[]) => boolean, ms = 5_000): Promise<void> {
    if (pred(this.messages)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(this.messages).slice(0, 500)}`)), ms);
      this.waiters.push({ pred, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  of(type: string): any[] {
    return this.messages.filter((m) => m.type === type);
  }

  closed(ms = 5_000): Promise<number> {
    return this.until(() => this.closeCode !== null, ms).then(() => this.closeCode!);
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.pred(this.messages)) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  close(): void {
    this.ws.close();
  }
}
