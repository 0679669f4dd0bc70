import type { FastifyInstance } from 'fastify';
import type {} from '@fastify/websocket';
import type { RawData } from 'ws';
import { AGENT_NOT_FOUND } from '../errors.js';
import type { QuoteHub, StreamClient } from '../quote-hub.js';
import type { AgentRegistry } from '../registry.js';
import { firstIssue, StreamMessage } from '../schemas.js';

const unique = (symbols: readonly string[] | '*') => (symbols === '*' ? '*' : [...new Set(symbols)]);

/** WebSocket close code 1013, "try again later" */
const TRY_AGAIN_LATER = 1013;

export interface StreamRoutesOptions {
  registry: AgentRegistry;
  hub: QuoteHub;
  maxSubscriptions: number;
  maxClients: number;
}

/**
 * `/v1/stream`: clients send `{"op":"subscribe"|"unsubscribe","agent":"…","symbols":[…]|"*"}`.
 * A subscribe is acknowledged, then the current quote of each symbol follows as a snapshot,
 * then every new quote. Bad messages get `{"type":"error",…}` and the connection stays open.
 */
export async function streamRoutes(app: FastifyInstance, opts: StreamRoutesOptions): Promise<void> {
  const { registry, hub } = opts;

  app.get('/v1/stream', { websocket: true }, (socket) => {
    if (hub.clients.size >= opts.maxClients) {
      socket.close(TRY_AGAIN_LATER, 'too many connections');
      return;
    }
    const client = hub.add(socket);
    // attached before any await, so no early message is lost
    socket.on('message', (data: RawData, isBinary: boolean) => onMessage(client, data, isBinary));
    socket.on('pong', () => {
      client.alive = true;
    });
    socket.on('close', () => hub.remove(client));
    socket.on('error', () => hub.remove(client));
  });

  function error(client: StreamClient, code: string, message: string, field?: string): void {
    hub.control(client, JSON.stringify({ type: 'error', code, message, ...(field ? { field } : {}) }));
  }

  function onMessage(client: StreamClient, data: RawData, isBinary: boolean): void {
    if (isBinary) return error(client, 'INVALID_MESSAGE', 'binary frames are not accepted; send JSON text');
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      return error(client, 'INVALID_JSON', 'message is not JSON');
    }
    const parsed = StreamMessage.safeParse(json);
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error);
      return error(client, 'VALIDATION_FAILED', message, field);
    }
    const msg = parsed.data;
    let agent;
    try {
      agent = registry.get(msg.agent);
    } catch {
      return error(client, 'AGENT_NOT_FOUND', new AGENT_NOT_FOUND(msg.agent).message, 'agent');
    }
    if (msg.op === 'unsubscribe') {
      hub.unsubscribe(client, msg.agent, msg.symbols);
      hub.control(client, JSON.stringify({ type: 'unsubscribed', agent: msg.agent, symbols: unique(msg.symbols) }));
      return;
    }
    if (client.subscriptions + hub.adds(client, msg.agent, msg.symbols) > opts.maxSubscriptions) {
      return error(client, 'SUBSCRIPTION_LIMIT', `a connection holds at most ${opts.maxSubscriptions} subscriptions`, 'symbols');
    }
    hub.subscribe(client, msg.agent, msg.symbols);
    hub.control(client, JSON.stringify({ type: 'subscribed', agent: msg.agent, symbols: unique(msg.symbols) }));
    const names = msg.symbols === '*' ? agent.symbolNames() : new Set(msg.symbols);
    for (const s of names) {
      const q = agent.quote(s);
      if (q) hub.snapshot(client, agent.id, q);
    }
  }
}
