/**
 * One symbol's requote with the risk controls and quoting hygiene around the
 * quote engine: a stop (halt, loss or drawdown hold) withdraws the quote as a
 * pause does but says why; a quote that is made is then kept beyond the maker
 * fee, stripped of the sides a notional limit keeps off, and held back when it
 * is within the requote threshold of the published one.
 */
import type { AgentRisk, StopReason } from './agent-risk.js';
import { requote } from './quote-engine.js';
import { applyBlockedSides, applyFeeFloor, copyQuoteInto, isUnchanged } from './quote-hygiene.js';
import { blankQuote } from './results.js';
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
 * Requotes `s` at `s.quoteTime`. 'unchanged': the new quote is within the requote threshold of the
 * published one (`s.published`), and the symbol's quote is set back to it (its seq too), so that what
 * readers see is what subscribers last got. `always`: publish even within the threshold (a requote after
 * a change of configuration, a resume or a reset, whose quote may say something new beyond its prices).
 */
export function requoteWithRisk(s: SymbolState, p: QuotingParams, agentPaused: boolean, risk: AgentRisk, always: boolean): RequoteOutcome {
  const stop = risk.stopOf(s.symbol);
  // the copy of the published quote callers were given, if one was made: still right if the quote goes back to it
  const kept = s.keptQuote;
  if (!requote(s, p, agentPaused || stop !== null)) {
    // a pause is the operator's and says so; otherwise the stop is why
    if (stop !== null && !agentPaused) s.decision = s.paused ? DECISIONS.symbolPaused : STOPS[stop];
    s.published = null;
    return 'no-quote';
  }
  const q = s.quote!;
  const c = p.config;
  if (c.fees.quoteAboveFee && c.fees.makerBps > 0) applyFeeFloor(q, c.fees.makerBps, p.grid);
  const blocked = risk.blocked(s.inventory.position);
  if (blocked !== 0) {
    if (!applyBlockedSides(q, blocked)) {
      s.quote = null;
      s.decision = DECISIONS.notionalNone;
      s.published = null;
      return 'no-quote';
    }
    const sides = q.bidSize > 0 ? (q.askSize > 0 ? 'both' : 'bid-only') : 'ask-only';
    if (sides !== s.decision.sides) s.decision = sides === 'bid-only' ? DECISIONS.notionalBidOnly : DECISIONS.notionalAskOnly;
  }
  const shown = s.published;
  if (!always && shown !== null && isUnchanged(shown, q, p)) {
    copyQuoteInto(q, shown);
    s.seq = shown.seq;
    s.keptQuote = kept;
    return 'unchanged';
  }
  // one copy object per symbol, rewritten at each publication: nothing is allocated per quote
  s.published = copyQuoteInto(shown ?? blankQuote(s.symbol), q);
  return 'quoted';
}

/** Withdraws every quote but `except`'s after a stop (the halt, an agent-wide breach); returns the symbols withdrawn. */
export function withdrawAll(states: Iterable<SymbolState>, p: QuotingParams, agentPaused: boolean, risk: AgentRisk, except: string | null): string[] {
  const withdrawn: string[] = [];
  for (const s of states) {
    if (s.symbol === except || s.quote === null) continue;
    s.quoteTime = s.midTime;
    requoteWithRisk(s, p, agentPaused, risk, false);
    if (s.quote === null) withdrawn.push(s.symbol);
  }
  return withdrawn;
}
