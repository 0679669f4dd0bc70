/**
 * What `process(u)` would make of `u`, without changing anything: the checks
 * that need the agent's state beyond the update's own fields (updates.ts),
 * and whether a configuration fits the positions held.
 */
import { toSteps } from '../model/quantity-grid.js';
import { AgentError, invalid } from './errors.js';
import { fillIdConflict, fingerprintDiff } from './fill-fingerprint.js';
import type { FillIdMemory } from './fill-id-memory.js';
import type { QuotingParams } from './quoting-params.js';
import type { SymbolState } from './symbol-state.js';
import { validateUpdate, type Update } from './updates.js';

/**
 * Throws the AgentError `process(u)` would throw, or says that `u` is a fill already applied.
 * `s`: the symbol's state, if it has one; `room`: whether a new symbol may be added;
 * `agent`: its id, and its count of fill-id conflicts (raised here).
 */
export function checkUpdate(
  u: Update, s: SymbolState | undefined, p: QuotingParams, fillIds: FillIdMemory, room: boolean,
  agent: { readonly id: string; readonly symbolCount: number; readonly stats: { fillIdConflicts: number } },
): 'apply' | 'duplicate' {
  validateUpdate(u, p);
  if (u.type === 'fill' && s !== undefined) {
    // the position must stay a whole number of steps a double holds exactly
    const steps = toSteps(s.inventory.position, p.quantity) + (u.side === 'buy' ? 1 : -1) * toSteps(u.quantity, p.quantity);
    if (!Number.isSafeInteger(steps)) throw invalid('quantity', 'would take the position beyond 2^53 quantity steps');
  }
  if (u.type === 'position' && s !== undefined && u.time < s.lastSnapshotTime) {
    throw new AgentError('STALE_UPDATE', `time: position snapshot at ${u.time} is older than the one applied at ${s.lastSnapshotTime}`, 'time');
  }
  if (u.type === 'fill') {
    const seen = fillIds.fingerprintOf(u.id);
    if (seen !== undefined) {
      const differ = fingerprintDiff(seen, u);
      if (differ.length === 0) return 'duplicate';
      agent.stats.fillIdConflicts++;
      throw fillIdConflict(u, differ, 'was applied before');
    }
  }
  if (!room && s === undefined) {
    throw new AgentError('SYMBOL_LIMIT', `symbol: agent ${agent.id} already has ${agent.symbolCount} symbols (maxSymbols)`, 'symbol');
  }
  return 'apply';
}

/**
 * Throws INVALID_CONFIG (field quantityStep) unless every position is a whole number of the
 * configuration's quantity steps: positions are kept in steps, so a new step must divide each of them.
 */
export function assertPositionsFit(states: Iterable<SymbolState>, params: QuotingParams): void {
  for (const s of states) {
    if (Number.isNaN(toSteps(s.inventory.position, params.quantity))) {
      throw new AgentError('INVALID_CONFIG', `quantityStep: the position ${s.inventory.position} of ${s.symbol} is not a multiple of ${params.config.quantityStep}`, 'quantityStep');
    }
  }
}
