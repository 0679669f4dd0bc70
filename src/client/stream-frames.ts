/** Reading the stream's frames, and closing a WebSocket whatever it is (browser, Node's global, `ws`). */
import { QuotingError } from './errors.js';
import type { WebSocketLike } from './subscription-types.js';

export type StreamMessage = { type: string; agent?: unknown; symbol?: unknown } & Record<string, unknown>;

export function parse(data: unknown): StreamMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const m = JSON.parse(data) as unknown;
    return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' ? (m as StreamMessage) : null;
  } catch {
    return null;
  }
}

export function streamError(msg: StreamMessage): QuotingError {
  return new QuotingError({
    code: typeof msg.code === 'string' ? msg.code : 'INVALID_MESSAGE',
    message: typeof msg.message === 'string' ? msg.message : 'the stream refused a message',
    field: typeof msg.field === 'string' ? msg.field : undefined,
  });
}

/** Detaches and closes a socket; `ws` sockets are cut at once (a dead peer never completes the closing handshake). */
export function drop(ws: WebSocketLike, code?: number): void {
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  const terminate = (ws as { terminate?: () => void }).terminate;
  if (typeof terminate === 'function') terminate.call(ws);
  else ws.close(code);
}

/** Node's timers keep the process alive unless unref'd; browsers' timers are numbers. */
export function unref(t: unknown): void {
  (t as { unref?: () => void }).unref?.();
}
