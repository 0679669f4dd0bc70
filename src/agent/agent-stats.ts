/** What an agent reports of itself: its status and its counters. */

/** `error`: the last quote attempt came out non-finite (cleared by the next good quote) */
export type AgentStatus = 'idle' | 'paused' | 'error';

export interface AgentStats {
  updates: number;
  rejected: number;
  quotes: number;
  fills: number;
  duplicateFills: number;
  /** fills refused because their id was applied before with other contents */
  fillIdConflicts: number;
  /** times a symbol's absolute position reached maxInventory (counted on entry, not per update) */
  breaches: number;
  errors: number;
}
