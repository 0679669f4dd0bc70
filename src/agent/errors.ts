/**
 * Errors the agent raises for input it refuses. Each names the offending field
 * and has a stable code; the agent's state is unchanged when one is thrown.
 */
export type AgentErrorCode =
  | 'INVALID_UPDATE'
  | 'STALE_UPDATE'
  | 'SYMBOL_LIMIT'
  | 'FILL_ID_CONFLICT'
  | 'INVALID_CONFIG';

export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    readonly field?: string,
    /** every offending field, when there are several (FILL_ID_CONFLICT: each that differs) */
    readonly fields?: readonly string[],
  ) {
    super(message);
  }
}

export function invalid(field: string, message: string): AgentError {
  return new AgentError('INVALID_UPDATE', `${field}: ${message}`, field);
}
