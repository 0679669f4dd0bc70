/**
 * One attempt to open the stream and subscribe: settles on the service's
 * acknowledgement, its refusal, the connection closing first, or the timeout.
 * A refused upgrade says nothing to a script (the WebSocket API has no
 * status), so the REST API is asked why.
 */
import { QuotingError } from './errors.js';
import { drop, parse, streamError, type StreamMessage } from './stream-frames.js';
import type { StreamContext, WebSocketLike } from './subscription-types.js';

export interface AttemptHooks {
  /** any frame arrived, or the socket opened */
  heard(): void;
  /** the subscription was acknowledged; called before any frame that follows it in the same read */
  acknowledged(): void;
  /** a frame after the acknowledgement */
  message(msg: StreamMessage): void;
  /** the socket closed after the acknowledgement */
  closed(ws: WebSocketLike, code: number, reason: string): void;
  /** the attempt failed; its socket is already dropped */
  failed(ws: WebSocketLike): void;
}

export interface Attempt {
  socket: WebSocketLike;
  /** resolves on the acknowledgement, rejects with a QuotingError */
  settled: Promise<void>;
  /** settles the attempt at once as CLOSED (close() during the attempt) */
  readonly abort: () => void;
}

export function openStream(ctx: StreamContext, agent: string, symbols: readonly string[] | '*', hooks: AttemptHooks): Attempt {
  const url = ctx.token === undefined ? ctx.streamUrl : `${ctx.streamUrl}?token=${encodeURIComponent(ctx.token)}`;
  let ws: WebSocketLike;
  try {
    ws = new ctx.WebSocket(url);
  } catch (err) {
    throw new QuotingError({ code: 'NETWORK', message: `cannot open ${ctx.streamUrl}: ${(err as Error).message}`, cause: err });
  }
  let opened = false;
  let settle!: (err?: QuotingError) => void;
  const settled = new Promise<void>((resolve, reject) => {
    let pending = true;
    settle = (err?: QuotingError) => {
      if (!pending) return;
      pending = false;
      clearTimeout(timer);
      if (err === undefined) return resolve();
      drop(ws);
      hooks.failed(ws);
      reject(err);
    };
  });
  let acknowledged = false;
  const timer = setTimeout(() => settle(new QuotingError({
    code: 'TIMEOUT', message: `no subscription to ${agent} on ${ctx.streamUrl} within ${ctx.timeoutMs} ms`,
  })), ctx.timeoutMs);

  ws.onopen = () => {
    opened = true;
    hooks.heard();
    ws.send(JSON.stringify({ op: 'subscribe', agent, symbols }));
  };
  ws.onmessage = (ev) => {
    hooks.heard();
    const msg = parse(ev.data);
    if (msg === null) return;
    if (acknowledged) return hooks.message(msg);
    // before the acknowledgement only the answer to the subscribe matters
    if (msg.type === 'subscribed' && msg.agent === agent) {
      acknowledged = true;
      // synchronously, before the snapshots that may follow in the same read are handled
      hooks.acknowledged();
      settle();
    } else if (msg.type === 'error') settle(streamError(msg));
  };
  ws.onerror = () => {
    // the close that follows says more; a failure before open is diagnosed over REST
  };
  ws.onclose = (ev) => {
    if (acknowledged) return hooks.closed(ws, ev.code, ev.reason);
    const fallback = new QuotingError({
      code: 'NETWORK', message: `${ctx.streamUrl}: connection ${opened ? `closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})` : 'refused'} before the subscription`,
    });
    if (opened) settle(fallback);
    else void ctx.diagnose(agent).then((e) => settle(e ?? fallback), () => settle(fallback));
  };
  return { socket: ws, settled, abort: () => settle(new QuotingError({ code: 'CLOSED', message: 'the subscription was closed' })) };
}
