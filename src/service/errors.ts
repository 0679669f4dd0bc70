/**
 * The one table of errors a client can see, over REST and the WebSocket
 * stream alike: stable codes, their HTTP status, what each means. The agent's
 * own refusals (AgentError) carry codes of this table and are answered
 * through it. Every 4xx leaves the service in the shape
 * `{ error: { code, message, field?, fields? } }` (on the stream:
 * `{ type: "error", code, message, field? }`).
 */
import createError from '@fastify/error';
import type { z } from 'zod';
import { AgentError, issueField, type AgentErrorCode } from '../agent/index.js';

export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, means: 'a path parameter, the body or a stream message fails its schema' },
  INVALID_JSON: { status: 400, means: 'the body (or a stream message) is not JSON, or empty with a JSON content type' },
  INVALID_MESSAGE: { status: 400, means: 'a stream message in a binary frame (the stream takes JSON text)' },
  INVALID_UPDATE: { status: 400, means: 'the agent refuses an update that passed the schema' },
  INVALID_CONFIG: { status: 400, means: 'the resulting agent configuration is invalid' },
  BAD_REQUEST: { status: 400, means: 'any other malformed request' },
  UNAUTHORIZED: { status: 401, means: 'tokens are configured and the request has none, or one that is not configured' },
  FORBIDDEN: { status: 403, means: 'a read token on an operation that writes' },
  HOST_NOT_ALLOWED: { status: 403, means: 'the `Host` header names a host outside `http.allowedHosts`' },
  ORIGIN_NOT_ALLOWED: { status: 403, means: "the `Origin` header (a browser's) names a host outside `http.allowedHosts`" },
  AGENT_NOT_FOUND: { status: 404, means: 'no agent with this id' },
  SYMBOL_NOT_FOUND: { status: 404, means: 'the agent has no such symbol' },
  NO_QUOTE: { status: 404, means: 'the symbol has no quote now' },
  ROUTE_NOT_FOUND: { status: 404, means: 'no such path' },
  METHOD_NOT_ALLOWED: { status: 405, means: 'the path exists but not with this method (`Allow` lists those it has)' },
  AGENT_EXISTS: { status: 409, means: 'an agent already has this id' },
  STALE_UPDATE: { status: 409, means: 'a position snapshot older than the last one applied' },
  SYMBOL_LIMIT: { status: 409, means: "a new symbol beyond the agent's `maxSymbols`, or beyond `limits.maxTotalSymbols` across all agents" },
  FILL_ID_CONFLICT: { status: 409, means: 'a fill id applied (or being committed) before with another symbol, side, price or quantity' },
  AGENT_LIMIT: { status: 409, means: 'a new agent beyond `limits.maxAgents`' },
  SUBSCRIPTION_LIMIT: { status: 409, means: 'a stream connection would hold more than `limits.maxSubscriptionsPerConnection` subscriptions' },
  PAYLOAD_TOO_LARGE: { status: 413, means: 'the body is over `limits.bodyLimitBytes`' },
  BATCH_TOO_LARGE: { status: 413, means: 'a batch of more than `limits.maxBatch` updates' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, means: 'the body is not JSON, or a write has no `Content-Type: application/json`' },
  INTERNAL: { status: 500, means: 'an unexpected failure' },
  LEDGER_UNAVAILABLE: { status: 503, means: 'the ledger could not commit the change; it was not applied' },
} as const satisfies Record<string, { status: number; means: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
// every code the agent raises is one of the table's (a compile error otherwise)
const agentCodesInTable: Record<AgentErrorCode, { status: number }> = ERROR_CODES;
void agentCodesInTable;

const error = (code: ErrorCode, message: string) => createError(code, message, ERROR_CODES[code].status);

export const VALIDATION_FAILED = error('VALIDATION_FAILED', '%s');
export const INVALID_JSON = error('INVALID_JSON', '%s');
export const INVALID_MESSAGE = error('INVALID_MESSAGE', '%s');
export const UNAUTHORIZED = error('UNAUTHORIZED', '%s');
export const FORBIDDEN = error('FORBIDDEN', '%s');
export const HOST_NOT_ALLOWED = error('HOST_NOT_ALLOWED', 'host %s is not served here (http.allowedHosts)');
export const ORIGIN_NOT_ALLOWED = error('ORIGIN_NOT_ALLOWED', 'requests from origin %s are refused (http.allowedHosts)');
export const AGENT_NOT_FOUND = error('AGENT_NOT_FOUND', 'agent %s not found');
export const SYMBOL_NOT_FOUND = error('SYMBOL_NOT_FOUND', 'symbol %s not found in agent %s');
export const NO_QUOTE = error('NO_QUOTE', 'no quote for %s: %s');
export const ROUTE_NOT_FOUND = error('ROUTE_NOT_FOUND', 'no route %s %s');
export const METHOD_NOT_ALLOWED = error('METHOD_NOT_ALLOWED', 'method %s is not allowed on %s (see Allow)');
export const AGENT_EXISTS = error('AGENT_EXISTS', 'agent %s already exists');
export const SYMBOL_LIMIT = error('SYMBOL_LIMIT', '%s');
export const AGENT_LIMIT = error('AGENT_LIMIT', 'the service already has %s agents (limits.maxAgents)');
export const SUBSCRIPTION_LIMIT = error('SUBSCRIPTION_LIMIT', 'a connection holds at most %s subscriptions');
export const PAYLOAD_TOO_LARGE = error('PAYLOAD_TOO_LARGE', '%s');
export const BATCH_TOO_LARGE = error('BATCH_TOO_LARGE', 'a batch holds at most %s updates');
export const UNSUPPORTED_MEDIA_TYPE = error('UNSUPPORTED_MEDIA_TYPE', '%s');
export const BAD_REQUEST = error('BAD_REQUEST', '%s');
export const LEDGER_UNAVAILABLE = error('LEDGER_UNAVAILABLE', 'the ledger cannot be written: %s');

export interface ErrorBody {
  error: { code: string; message: string; field?: string; fields?: string[] };
}

/** Attaches the name of the offending field to an error. */
export function withField<E extends Error>(err: E, field: string | undefined): E & { field?: string } {
  return field === undefined ? err : Object.assign(err, { field });
}

/** zod's first issue as a VALIDATION_FAILED naming the field, its path prefixed by where the value came from. */
export function validationError(error: z.ZodError, prefix = ''): Error & { field: string } {
  const issue = error.issues[0]!;
  const path = issueField(issue);
  const field = prefix && path ? `${prefix}.${path}` : prefix || path || '(body)';
  return Object.assign(new VALIDATION_FAILED(`${field}: ${issue.message}`), { field });
}

// Fastify's own 4xx errors, renamed into this table.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

/** The HTTP status and body for any error; anything unexpected is a 500 whose details stay in the log. */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AgentError) {
    const r = respond(ERROR_CODES[err.code].status, err.code, err.message, err.field);
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
