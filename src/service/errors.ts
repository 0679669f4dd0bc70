/**
 * The one table of errors a client can see: stable codes and their status.
 * Every 4xx leaves the service in the shape `{ error: { code, message, field? } }`.
 */
import createError from '@fastify/error';
import { AgentError } from '../agent/errors.js';

export const VALIDATION_FAILED = createError('VALIDATION_FAILED', '%s', 400);
export const INVALID_JSON = createError('INVALID_JSON', '%s', 400);
export const INVALID_UPDATE = createError('INVALID_UPDATE', '%s', 400);
export const INVALID_CONFIG = createError('INVALID_CONFIG', '%s', 400);
export const UNAUTHORIZED = createError('UNAUTHORIZED', '%s', 401);
export const FORBIDDEN = createError('FORBIDDEN', '%s', 403);
export const AGENT_NOT_FOUND = createError('AGENT_NOT_FOUND', 'agent %s not found', 404);
export const SYMBOL_NOT_FOUND = createError('SYMBOL_NOT_FOUND', 'symbol %s not found in agent %s', 404);
export const NO_QUOTE = createError('NO_QUOTE', 'no quote for %s: %s', 404);
export const ROUTE_NOT_FOUND = createError('ROUTE_NOT_FOUND', 'no route %s %s', 404);
export const METHOD_NOT_ALLOWED = createError('METHOD_NOT_ALLOWED', 'method %s is not allowed on %s (see Allow)', 405);
export const AGENT_EXISTS = createError('AGENT_EXISTS', 'agent %s already exists', 409);
export const STALE_UPDATE = createError('STALE_UPDATE', '%s', 409);
export const SYMBOL_LIMIT = createError('SYMBOL_LIMIT', '%s', 409);
export const FILL_ID_CONFLICT = createError('FILL_ID_CONFLICT', '%s', 409);
export const AGENT_LIMIT = createError('AGENT_LIMIT', 'the service already has %s agents (limits.maxAgents)', 409);
export const PAYLOAD_TOO_LARGE = createError('PAYLOAD_TOO_LARGE', '%s', 413);
export const BATCH_TOO_LARGE = createError('BATCH_TOO_LARGE', 'a batch holds at most %s updates', 413);
export const UNSUPPORTED_MEDIA_TYPE = createError('UNSUPPORTED_MEDIA_TYPE', '%s', 415);
export const BAD_REQUEST = createError('BAD_REQUEST', '%s', 400);
export const LEDGER_UNAVAILABLE = createError('LEDGER_UNAVAILABLE', 'the ledger cannot be written: %s', 503);

export interface ErrorBody {
  error: { code: string; message: string; field?: string; fields?: string[] };
}

/** Attaches the name of the offending field to an error. */
export function withField<E extends Error>(err: E, field: string | undefined): E & { field?: string } {
  return field === undefined ? err : Object.assign(err, { field });
}

const AGENT_ERRORS = {
  INVALID_UPDATE,
  INVALID_CONFIG,
  STALE_UPDATE,
  SYMBOL_LIMIT,
  FILL_ID_CONFLICT,
} as const;

// Fastify's own 4xx errors, renamed into this table.
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

/** The HTTP status and body for any error; anything unexpected is a 500 whose details stay in the log. */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AgentError) {
    const e = new AGENT_ERRORS[err.code](err.message);
    const r = respond(e.statusCode, err.code, err.message, err.field);
    if (err.fields !== undefined) r.body.error.fields = [...err.fields];
    return r;
  }
  if (err instanceof Error) {
    const e = err as Error & { code?: string; statusCode?: number; field?: string };
    const status = e.statusCode ?? 500;
    // 503 is the one 5xx with something to say: the ledger cannot take the write, try later
    if ((status >= 400 && status < 500) || e.code === 'LEDGER_UNAVAILABLE') {
      const code = (e.code && FASTIFY_CODES[e.code]) ?? (e.code && !e.code.startsWith('FST_') ? e.code : 'BAD_REQUEST');
      return respond(status, code, e.message, e.field);
    }
  }
  return respond(500, 'INTERNAL', 'internal error');
}

function respond(status: number, code: string, message: string, field?: string): { status: number; body: ErrorBody } {
  return { status, body: { error: field === undefined ? { code, message } : { code, message, field } } };
}

// Browsers and hostile clients (issue 14): a Host or Origin the service does not answer to.
export const HOST_NOT_ALLOWED = createError('HOST_NOT_ALLOWED', 'host %s is not served here (http.allowedHosts)', 403);
export const ORIGIN_NOT_ALLOWED = createError('ORIGIN_NOT_ALLOWED', 'requests from origin %s are refused (http.allowedHosts)', 403);
