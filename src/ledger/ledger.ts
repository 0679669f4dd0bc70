/**
 * The ledger: what inventory and P&L are made of (fills, position snapshots,
 * agent changes), written before the change it records is applied, and
 * snapshots of the whole state so that a start reads a snapshot and the
 * entries after it, never the whole history.
 *
 * One interface, so that the embedded SQLite ledger and a replicated one
 * (NATS JetStream) are interchangeable; nothing else in the service knows
 * which engine is in use.
 */
import type { RiskSnapshot } from '../agent/agent-risk.js';
import type { AgentSnapshot } from '../agent/agent-snapshot.js';
import type { MarketMakerConfig } from '../agent/config.js';
import type { FillUpdate, PositionUpdate } from '../agent/updates.js';

/** One fact. Market data (mids, volatilities) never is one. */
export type LedgerEntry =
  | { t: 'create'; id: string; config: MarketMakerConfig }
  | { t: 'config'; id: string; config: MarketMakerConfig }
  | { t: 'delete'; id: string }
  | { t: 'pause'; id: string; symbol?: string }
  | { t: 'resume'; id: string; symbol?: string }
  | { t: 'update'; agent: string; u: FillUpdate | PositionUpdate }
  /** the global kill switch on (POST /v1/halt) or off (DELETE /v1/halt) */
  | { t: 'halt' }
  | { t: 'unhalt' }
  /**
   * an agent's risk state as it became: at a loss or drawdown breach, a new session period, or a reset
   * (POST /v1/agents/{id}/risk/reset); the state itself, as it was measured at mids the ledger does not hold
   */
  | { t: 'risk'; id: string; why: RiskEntryReason; state: RiskSnapshot };

export type RiskEntryReason = 'breach' | 'period' | 'reset';

/** The whole durable state: every agent as it snapshots itself (configuration, pause, inventory, fill ids, fill ring). */
export interface LedgerState {
  agents: AgentSnapshot[];
  /**
   * the ids of the agents the service's configuration named when the snapshot was taken: at start an
   * agent of the configuration that is neither in the snapshot nor here is new and is created; one that
   * is here but not in the snapshot was deleted and stays deleted
   */
  configured?: string[];
  /** the kill switch was on (absent: off) */
  halted?: boolean;
}

export interface Recovered {
  /** the latest snapshot, null when none was ever written */
  state: LedgerState | null;
  /** the entries appended after it, oldest first */
  entries: Iterable<LedgerEntry>;
}

export type FlushPolicy = 'always' | 'interval' | 'never';

export interface Ledger {
  /** where it lives, for log lines and error messages */
  readonly location: string;
  /** sequence number of the last entry appended (0 when none) */
  readonly lastSequence: number;
  /** Appends `entries` as one transaction; resolves once it is committed, rejects with LedgerUnavailableError if it was not. */
  append(entries: readonly LedgerEntry[]): Promise<void>;
  /** Records `state` as the state after every entry appended so far. */
  snapshot(state: LedgerState): Promise<void>;
  /** The latest snapshot and the entries after it; throws LedgerCorruptError on anything it cannot read exactly. */
  replay(): Recovered;
  /** Flushes and closes; calling it again does nothing. */
  close(): Promise<void>;
}

/** The ledger cannot take a write now (e.g. the disk is full); the change was not made. */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
}

/** The ledger holds something that cannot be read exactly; the start stops rather than guess an inventory. */
export class LedgerCorruptError extends Error {
  override readonly name = 'LedgerCorruptError';
}
