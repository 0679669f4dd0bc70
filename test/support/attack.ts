/**
 * Tools for attacking a real server from outside over loopback: raw sockets that trickle,
 * requests with any Host or Origin, the resident memory of a server process, latency probes.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

/** Resident set size of a process, bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1_024;
}

/**
 * What a process started with `--inspect=127.0.0.1:0` still holds after a full garbage collection, read
 * through its inspector (the address is in its output): V8's used heap plus memory outside it (Buffers,
 * array buffers). Unlike RSS, this excludes garbage not yet collected and heap the allocator keeps, so
 * it measures what the process retains.
 */
export async function retainedAfterGc(output: string): Promise<{ heapUsed: number; external: number }> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (url === undefined) throw new Error('no inspector address in the output; start the process with --inspect=127.0.0.1:0');
  const ws = new WebSocket(url, { handshakeTimeout: 10_000 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const call = (method: string, params: object = {}) => new Promise<unknown>((resolve, reject) => {
    const mine = ++id;
    const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${method}`)), 10_000);
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
      if (m.id !== mine) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      if (m.error) reject(new Error(`inspector: ${method}: ${m.error.message}`));
      else resolve(m.result);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id: mine, method, params }));
  });
  try {
    await call('HeapProfiler.collectGarbage');
    const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }) as { result: { value: string } };
    const usage = JSON.parse(r.result.value) as NodeJS.MemoryUsage;
    return { heapUsed: usage.heapUsed, external: usage.external };
  } finally {
    ws.close();
  }
}

/** The value of one sample line of a Prometheus text exposition (name with its labels as printed). */
export function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it holds or `ms` passes; returns whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}

/** A raw TCP connection to the server that records what comes back and when it is closed. */
export class RawConnection {
  data = '';
  closedAt: number | null = null;
  readonly openedAt = Date.now();
  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      this.data += d.toString('latin1');
    });
    socket.on('close', () => {
      this.closedAt ??= Date.now();
    });
    socket.on('error', () => {
      this.closedAt ??= Date.now();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  /** Writes `text` a piece at a time, `bytes` every `everyMs`, until done or the server closes. */
  async trickle(text: string, bytes: number, everyMs: number): Promise<void> {
    for (let i = 0; i < text.length && this.closedAt === null; i += bytes) {
      this.write(text.slice(i, i + bytes));
      await sleep(everyMs);
    }
  }

  /** Milliseconds from opening to the server's close, or null if still open after `ms`. */
  async closedWithin(ms: number): Promise<number | null> {
    await eventually(() => this.closedAt !== null, ms);
    return this.closedAt === null ? null : this.closedAt - this.openedAt;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A plain HTTP request with whatever headers (Host and Origin included), answered status and body. */
export function rawRequest(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Latencies of GET `url`, one after another, until `stop()` says so; milliseconds. */
export async function probe(url: string, stop: () => boolean, max = 10_000): Promise<number[]> {
  // the first request of a process pays for opening the connection (and loading undici); not the server's doing
  await fetch(url).then((r) => r.arrayBuffer());
  const out: number[] = [];
  while (!stop() && out.length < max) {
    const t = performance.now();
    await fetch(url).then((r) => r.arrayBuffer());
    out.push(performance.now() - t);
    await sleep(5);
  }
  return out;
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
