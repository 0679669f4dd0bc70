/**
 * The quoting service's risk commands: the kill switch, an agent's risk reset,
 * and the journaling of a breach or a new period an update made. Each change
 * goes to the ledger and is applied by `applyRisk` (./apply.ts), as replay
 * applies it.
 */
import type { MarketMakerAgent, ProcessResult } from '../../agent/index.js';
import type { LedgerEntry } from '../../ledger/ledger.js';
import type { AgentRegistry } from '../registry.js';
import { applyRisk, type Effects } from './apply.js';

type Commit = <T>(entries: readonly LedgerEntry[], apply: () => T) => Promise<T>;

export class RiskCommands {
  constructor(
    private readonly registry: AgentRegistry,
    private readonly live: Effects,
    private readonly commit: Commit,
    private readonly warn: (message: string) => void,
  ) {}

  /** The kill switch on (every quote withdrawn; resolves to how many) or off (every symbol requoted); already so, nothing is written. */
  halt(on: boolean): Promise<number> {
    if (this.registry.halted === on) return Promise.resolve(0);
    const e = on ? ({ t: 'halt' } as const) : ({ t: 'unhalt' } as const);
    return this.commit([e], () => applyRisk(this.registry, e, this.live));
  }

  /** A new risk period from now: the state is worked out now and journaled as it is (its P&L was measured at unjournaled mids). */
  reset(id: string): Promise<MarketMakerAgent> {
    const e = { t: 'risk', id, why: 'reset', state: this.registry.get(id).risk.resetState(this.live.now()) } as const;
    return this.commit([e], () => {
      applyRisk(this.registry, e, this.live);
      return this.registry.get(id);
    });
  }

  /**
   * Resolves with `r` once the breach or new period its update made is in the ledger, so that the reply
   * reporting it means it survives a restart. A ledger that refuses it is reported; the hold stands in
   * the process (quotes stay withdrawn) and the next snapshot records it.
   */
  journaled(agentId: string, r: ProcessResult): Promise<ProcessResult> {
    const change = r.risk;
    if (change == null) return Promise.resolve(r);
    const why = change.breach !== null ? 'breach' : 'period';
    const b = change.breach;
    this.warn(b === null ? `agent ${agentId}: a new risk period started`
      : `agent ${agentId}${b.symbol === null ? '' : ` symbol ${b.symbol}`}: ${b.hold.reason} reached (P&L ${b.hold.pnl}, drawdown ${b.hold.drawdown}, limit ${b.hold.limit}); quoting stops until a reset`);
    return this.commit([{ t: 'risk', id: agentId, why, state: change.state }], () => r).catch((err: Error) => {
      this.warn(`risk ${why} of agent ${agentId} not in the ledger (${err.message}); it holds until the next snapshot`);
      return r;
    });
  }
}
