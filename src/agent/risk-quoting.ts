/**
 * One symbol's requote with the risk controls and quoting hygiene around the
 * quote engine: a stop (halt, loss or drawdown hold) withdraws the quote as a
 * pause does but says why; a quote that is made is then kept beyond the maker
 * fee, stripped of the sides a notional limit keeps off, and held back when it
 * is within the requote threshold of the published one.
 */
import type { AgentRisk, StopReason } from './agent-risk.js';
import { requote } from './quote-engine.js';
import { applyBlockedSides, applyFeeFloor, isUnchanged } from './quote-hygiene.js';
import { DECISIONS, type RiskDecision } from './quote.js';
import type { QuotingParams } from './quoting-params.js';
import type { SymbolState } from './symbol-state.js';

const STOPS: Record<StopReason, RiskDecision> = {
  halted: DECISIONS.halted,
  'loss-limit': DECISIONS.lossLimit,
  'drawdown-limit': DECISIONS.drawdownLimit,
};

export type RequoteOutcome = 'quoted' | 'unchanged' | 'no-quote';

/**
 * Requotes `s` at `time`; an 'unchanged' symbol keeps its published quote (and seq). `always`: publish
 * even within the threshold (a requote after a change of configuration, a resume or a reset, whose
 * quote may say something new beyond its prices: its model, its horizon).
 */
export function requoteWithRisk(s: SymbolState, p: QuotingParams, time: number, agentPaused: boolean, risk: AgentRisk, always = false): RequoteOutcome {
  const stop = risk.stopOf(s.symbol);
  const prev = s.quote;
  if (!requote(s, p, time, agentPaused || stop !== null)) {
    // a pause is the operator's and says so; otherwise the stop is why
    if (stop !== null && !agentPaused) s.decision = s.paused ? DECISIONS.symbolPaused : STOPS[stop];
    return 'no-quote';
  }
  const q = s.quote!;
  const c = p.config;
  if (c.fees.quoteAboveFee) applyFeeFloor(q, c.fees.makerBps, p.grid);
  const blocked = risk.blocked(s.inventory.position);
  if (blocked !== 0) {
    if (!applyBlockedSides(q, blocked)) {
      s.quote = null;
      s.decision = DECISIONS.notionalNone;
      return 'no-quote';
    }
    const sides = q.bidSize > 0 ? (q.askSize > 0 ? 'both' : 'bid-only') : 'ask-only';
    if (sides !== s.decision.sides) s.decision = sides === 'bid-only' ? DECISIONS.notionalBidOnly : DECISIONS.notionalAskOnly;
  }
  if (!always && prev !== null && isUnchanged(prev, q, p.grid.tick, c.requote.minChangeTicks, c.requote.maxIntervalMs)) {
    s.quote = prev;
    s.seq = prev.seq;
    return 'unchanged';
  }
  return 'quoted';
}

