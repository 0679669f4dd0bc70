/**
 * A committed ledger entry applied to the registry: the one function per kind
 * of entry that the live commands run after their commit and that recovery
 * runs at start-up, so that live and replay cannot differ. What only the live
 * service does (publish, metrics, requotes at the clock's time) goes through
 * `Effects`; replay's effects do nothing.
 */
import type { DecisionReason, MarketMakerAgent, ProcessResult, Update } from '../../agent/index.js';
import type { LedgerEntry } from '../../ledger/ledger.js';
import type { AgentRegistry } from '../registry.js';

/** the kill switch and risk states: changes of the service's or an agent's risk state (./risk.ts) */
export type RiskEntry = Extract<LedgerEntry, { t: 'halt' | 'unhalt' | 'risk' }>;
export type AgentChange = Exclude<LedgerEntry, { t: 'update' | 'halt' | 'unhalt' | 'risk' }>;
export type FactEntry = Extract<LedgerEntry, { t: 'update' }>;

export interface Effects {
  /** false on replay: the quotes a change recomputes were not journaled and the next update recomputes them */
  readonly requotes: boolean;
  /** the time of requotes made outside process() (a resume, a reconfiguration) */
  now(): number;
  /** applies a committed fill or position to its agent: live, timed and published; on replay, without mark-outs */
  process(agent: MarketMakerAgent, u: Update): ProcessResult;
  /** publishes the requotes a change made */
  publish(agentId: string, results: readonly ProcessResult[]): void;
  /** tells subscribers these symbols' quotes are withdrawn */
  withdrawn(agentId: string, symbols: readonly string[], reason: DecisionReason): void;
  /** the agent is gone: its subscribers are told, its metrics dropped */
  deleted(agentId: string): void;
}

/** What replay does besides changing the agents: nothing. */
export const REPLAY: Effects = {
  requotes: false,
  now: () => 0,
  process: (agent, u) => agent.replay(u),
  publish: () => {},
  withdrawn: () => {},
  deleted: () => {},
};

/** An agent change; returns the agent it leaves (the deleted one for a delete). */
export function applyChange(registry: AgentRegistry, e: AgentChange, fx: Effects): MarketMakerAgent {
  switch (e.t) {
    case 'create':
      return registry.create(e.id, e.config);
    case 'config': {
      const a = registry.get(e.id);
      a.reconfigure(e.config);
      if (fx.requotes) {
        const time = fx.now();
        fx.publish(a.id, Array.from(a.symbolNames(), (s) => a.requote(s, time)!));
      }
      return a;
    }
    case 'delete': {
      const a = registry.get(e.id);
      registry.delete(e.id);
      fx.deleted(e.id);
      return a;
    }
    case 'pause': {
      const a = registry.get(e.id);
      // a symbol paused before any data came for it (a replayed pause may precede the symbol's first update)
      if (e.symbol !== undefined) a.track(e.symbol);
      fx.withdrawn(a.id, a.pause(e.symbol), e.symbol === undefined ? 'agent-paused' : 'symbol-paused');
      return a;
    }
    case 'resume': {
      const a = registry.get(e.id);
      fx.publish(a.id, a.resume(fx.now(), e.symbol));
      return a;
    }
  }
}

/** A committed fill or position, applied to the agent registered now (as a replay finds it). */
export function applyFact(registry: AgentRegistry, e: FactEntry, fx: Effects): ProcessResult {
  return fx.process(registry.get(e.agent), e.u);
}

/**
 * The kill switch on or off (returns the quotes withdrawn), or an agent's risk state (a reset's, a breach's, a new period's). A breach and
 * a new period were applied by the process() call that made them before they were journaled: live, only a
 * reset comes here; replay applies every kind, without requotes (nothing has a mid at start).
 */
export function applyRisk(registry: AgentRegistry, e: RiskEntry, fx: Effects): number {
  if (e.t === 'risk') {
    const a = registry.get(e.id);
    if (fx.requotes) fx.publish(a.id, a.setRiskState(e.state, fx.now()));
    else a.risk.restore(e.state);
    return 0;
  }
  const on = e.t === 'halt';
  if (!fx.requotes) {
    registry.restoreHalted(on);
    return 0;
  }
  let n = 0;
  for (const { agent, withdrawn, results } of registry.setHalted(on, fx.now())) {
    fx.withdrawn(agent, withdrawn, 'halted');
    fx.publish(agent, results);
    n += withdrawn.length;
  }
  return n;
}
