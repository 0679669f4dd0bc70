/** Quoting instances and gateways in their own processes, on a given NATS, and a WebSocket subscriber that records what it receives. */
import WebSocket from 'ws';
import { spawnServer, type ServerProcess } from '../../support/process.js';

export function spawnInstance(natsUrl: string, instanceId: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  return spawnServer({ NATS_URL: natsUrl, INSTANCE_ID: instanceId, LOG_LEVEL: 'info', ...env }, 30_000);
}

export function spawnGateway(natsUrl: string, instanceId: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  return spawnServer({ NATS_URL: natsUrl, INSTANCE_ID: instanceId, ...env }, 30_000, ['--import', 'tsx', 'src/gateway.ts']);
}

export interface StreamMessage {
  type: string;
  agent?: string;
  symbol?: string;
  seq?: number;
  epoch?: number;
  snapshot?: boolean;
  reason?: string;
  inventory?: number;
  [k: string]: unknown;
}

export class Subscriber {
  readonly raw: string[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => this.raw.push(d.toString()));
  }

  static async open(baseUrl: string): Promise<Subscriber> {
    const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/v1/stream`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Subscriber(ws);
  }

  get messages(): StreamMessage[] {
    return this.raw.map((m) => JSON.parse(m) as StreamMessage);
  }

  quotes(): StreamMessage[] {
    return this.messages.filter((m) => m.type === 'quote');
  }

  /** Subscribes until acknowledged (a gateway refuses an agent until it has seen its lease); bounded by `timeoutMs`. */
  async subscribe(agent: string, symbols: string[] | '*', timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const from = this.raw.length;
      this.ws.send(JSON.stringify({ op: 'subscribe', agent, symbols }));
      const reply = await this.waitFor((m) => m.type === 'subscribed' || m.type === 'error', 5_000, from);
      if (reply.type === 'subscribed') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`could not subscribe to ${agent}`);
  }

  /** The first message from index `from` on that matches; bounded by `timeoutMs`. */
  async waitFor(match: (m: StreamMessage) => boolean, timeoutMs = 10_000, from = 0): Promise<StreamMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms; got ${this.raw.slice(-5).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

export async function post(baseUrl: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `check` every 50 ms until it is true; bounded by `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
