import type { FastifyInstance } from 'fastify';
import type {} from '@fastify/websocket';
import type { RawData } from 'ws';
import { AGENT_NOT_FOUND, errorResponse, INVALID_JSON, INVALID_MESSAGE, SUBSCRIPTION_LIMIT, validationError, withField } from '../errors.js';
import { TRY_AGAIN_LATER, type QuoteSource, type StreamClient } from '../quote-hub.js';
import { StreamMessage } from '../schemas.js';

const unique = (symbols: readonly string[] | '*') => (symbols === '*' ? '*' : [...new Set(symbols)]);

export interface StreamRoutesOptions {
  maxSubscriptions: number;
  maxClients: number;
  /** where the quotes come from, by agent id (`get` throws for an unknown agent): by default the agents, `app.quoting.registry`; a cluster gateway's NATS mirror */
  sources?: { get(id: string): QuoteSource };
}

/**
 * `/v1/stream`: clients send `{"op":"subscribe"|"unsubscribe","agent":"…","symbols":[…]|"*"}`.
 * A subscribe is acknowledged, then the current quote of each symbol not already subscribed
 * follows as a snapshot (in slices), then every new quote. Bad messages get `{"type":"error",…}`
 * and the connection stays open, up to limits.wsInvalidMessagesPerSecond; past that it is closed with 1008.
 */
export async function streamRoutes(app: FastifyInstance, opts: StreamRoutesOptions): Promise<void> {
  const { hub } = app;
  const registry = opts.sources ?? app.quoting.registry;

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

  /** An error reply, in the REST answer's terms; or, past the allowed rate of invalid messages, the close (1008) instead. */
  function error(client: StreamClient, err: Error): void {
    if (!hub.invalid(client)) return;
    hub.control(client, JSON.stringify({ type: 'error', ...errorResponse(err).body.error, epoch: hub.epochs.run }));
  }

  function onMessage(client: StreamClient, data: RawData, isBinary: boolean): void {
    // a client the hub has closed may still have messages in flight; they are not answered
    if (client.closed) return;
    if (isBinary) return error(client, new INVALID_MESSAGE('binary frames are not accepted; send JSON text'));
    let json: unknown;
    try {
      json = JSON.parse(textOf(data));
    } catch {
      return error(client, new INVALID_JSON('message is not JSON'));
    }
    const parsed = StreamMessage.safeParse(json);
    if (!parsed.success) return error(client, validationError(parsed.error));
    const msg = parsed.data;
    let agent;
    try {
      agent = registry.get(msg.agent);
    } catch {
      return error(client, withField(new AGENT_NOT_FOUND(msg.agent), 'agent'));
    }
    if (msg.op === 'unsubscribe') {
      hub.unsubscribe(client, msg.agent, msg.symbols);
      hub.control(client, JSON.stringify({ type: 'unsubscribed', agent: msg.agent, symbols: unique(msg.symbols), epoch: hub.epochs.of(msg.agent) }));
      return;
    }
    if (client.subscriptions + client.adds(msg.agent, msg.symbols) > opts.maxSubscriptions) {
      return error(client, withField(new SUBSCRIPTION_LIMIT(opts.maxSubscriptions), 'symbols'));
    }
    // what the client has already (subscribed before) is not sent again
    const unseen = client.unseen(msg.agent, unique(msg.symbols));
    const known = new Set(client.symbols.get(msg.agent));
    hub.subscribe(client, msg.agent, msg.symbols);
    hub.control(client, JSON.stringify({ type: 'subscribed', agent: msg.agent, symbols: unique(msg.symbols), epoch: hub.epochs.of(msg.agent) }));
    hub.queueSnapshots(client, agent, unseen, known);
  }
}

/** A text frame's payload: ws hands it over as one Buffer (its default binaryType), the other shapes for completeness. */
function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}
