/**
 * The one error type the client throws: the service's stable error code and
 * the offending field when the service named one, or a code of the client's
 * own (TIMEOUT, NETWORK, BAD_RESPONSE, CLOSED) when no answer came.
 */

/** Codes the service answers with (docs/api.md), and the client's own. */
export type ServiceErrorCode =
  | 'VALIDATION_FAILED' | 'INVALID_JSON' | 'INVALID_UPDATE' | 'INVALID_CONFIG' | 'BAD_REQUEST'
  | 'UNAUTHORIZED' | 'FORBIDDEN'
  | 'AGENT_NOT_FOUND' | 'SYMBOL_NOT_FOUND' | 'NO_QUOTE' | 'ROUTE_NOT_FOUND'
  | 'AGENT_EXISTS' | 'STALE_UPDATE' | 'SYMBOL_LIMIT' | 'AGENT_LIMIT'
  | 'PAYLOAD_TOO_LARGE' | 'BATCH_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE'
  | 'JOURNAL_UNAVAILABLE' | 'INTERNAL'
  // stream errors
  | 'INVALID_MESSAGE' | 'SUBSCRIPTION_LIMIT';

export type ClientErrorCode =
  /** no answer within timeoutMs */
  | 'TIMEOUT'
  /** the connection failed (refused, reset, DNS) */
  | 'NETWORK'
  /** an answer that is not the service's JSON */
  | 'BAD_RESPONSE'
  /** the subscription was closed */
  | 'CLOSED'
  /** onQuote or an event listener threw (reported on the subscription's `error` event) */
  | 'CONSUMER_ERROR';

/** `string & {}` keeps the known codes in editors' completion while accepting codes added later. */
export type ErrorCode = ServiceErrorCode | ClientErrorCode | (string & {});

export interface QuotingErrorInit {
  code: ErrorCode;
  message: string;
  /** HTTP status; null when no answer came */
  status?: number | null;
  field?: string | undefined;
  method?: string | undefined;
  path?: string | undefined;
  /** the service's x-request-id, to find the request in its log */
  requestId?: string | undefined;
  cause?: unknown;
}

export class QuotingError extends Error {
  override readonly name = 'QuotingError';
  readonly code: ErrorCode;
  readonly status: number | null;
  /** the request field the service blamed, e.g. `mid` or `updates.3.price` */
  readonly field: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly requestId: string | undefined;

  constructor(init: QuotingErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status ?? null;
    this.field = init.field;
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
  }

  /** Whether the same request may succeed later: no answer, or the service said "try again" (503, 502, 504, 429). */
  get transient(): boolean {
    if (this.code === 'TIMEOUT' || this.code === 'NETWORK') return true;
    return this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  /** The token was missing, unknown or may only read. */
  get unauthorised(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export const isQuotingError = (e: unknown): e is QuotingError => e instanceof QuotingError;
