/**
 * A relay between a client under test and a real service, on loopback. It
 * passes REST calls on (and can lose an answer after the service acted on the
 * request, as a dropped connection would), and relays the WebSocket stream,
 * rewriting or dropping the service's messages (a forced gap, a new epoch)
 * or relaying nothing either way without closing anything (a connection that
 * has silently died).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

export interface WsProxy {
  /** base URL to give the client, http://127.0.0.1:port */
  url: string;
  /** REST requests relayed, as "METHOD path" */
  requests: string[];
  /** called per REST request; true: relay it to the service but cut the client's connection instead of answering */
  loseAnswer: (method: string, path: string) => boolean;
  /** server → client messages pass through this; null drops the message */
  transform: (message: string) => string | null;
  /** while true nothing is relayed in either direction */
  frozen: boolean;
  /** while true new WebSocket connections are cut at once (as if the service were down) */
  refuse: boolean;
  /** connections accepted so far */
  connections: number;
  close: () => Promise<void>;
}

export async function startWsProxy(targetUrl: string): Promise<WsProxy> {
  const targetWsUrl = `${targetUrl.replace(/^http/, 'ws')}/v1/stream`;
  const server = createServer((req, res) => void relay(req, res));
  const wss = new WebSocketServer({ server });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const sockets = new Set<WebSocket>();

  async function relay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const method = req.method ?? 'GET';
    proxy.requests.push(`${method} ${req.url}`);
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'authorization', 'accept']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
    const up = await fetch(`${targetUrl}${req.url}`, { method, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    const body = Buffer.from(await up.arrayBuffer());
    if (proxy.loseAnswer(method, req.url ?? '')) {
      req.socket.destroy();
      return;
    }
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') out[k] = v;
    });
    res.writeHead(up.status, out).end(body);
  }

  const proxy: WsProxy = {
    url: `http://127.0.0.1:${port}`,
    requests: [],
    loseAnswer: () => false,
    transform: (m) => m,
    frozen: false,
    refuse: false,
    connections: 0,
    close: async () => {
      for (const s of sockets) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  wss.on('connection', (client, req) => {
    if (proxy.refuse) {
      client.terminate();
      return;
    }
    proxy.connections++;
    const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const upstream = new WebSocket(`${targetWsUrl}${query}`);
    sockets.add(client).add(upstream);
    const early: RawData[] = [];
    upstream.on('open', () => {
      for (const m of early.splice(0)) upstream.send(m.toString());
    });
    client.on('message', (data) => {
      if (proxy.frozen) return;
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data.toString());
      else early.push(data);
    });
    upstream.on('message', (data) => {
      if (proxy.frozen) return;
      const out = proxy.transform(data.toString());
      if (out !== null && client.readyState === WebSocket.OPEN) client.send(out);
    });
    const end = (code?: number, reason?: Buffer) => {
      sockets.delete(client);
      sockets.delete(upstream);
      if (!proxy.frozen) {
        // the service's close code goes on to the client (1001 on shutdown); codes that cannot be sent become 1000
        const sendable = code !== undefined && (code === 1000 || code === 1001 || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
        client.close(sendable ? code : 1000, reason?.toString());
        upstream.close();
      }
    };
    client.on('close', () => end());
    upstream.on('close', (code, reason) => end(code, reason));
    client.on('error', () => end());
    upstream.on('error', () => end());
  });
  return proxy;
}
