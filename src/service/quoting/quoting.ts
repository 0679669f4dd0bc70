/**
 * Every command of the service, in one order: validate → ledger → agent →
 * publish → metrics. Routes parse and reply; recovery replays the ledger
 * through the same `applyChange`/`applyFact` (./apply.ts).
 *
 * Facts (fills, positions, agent changes) are committed before they are
 * applied, in a group commit (./group-commit.ts); what a fact holds until it
 * is applied (a symbol's slot, a fill id) is in ./admission.ts. Mids and
 * volatilities never touch the ledger.
 * Applying an update to its agent, timed, published and counted, is
 * ./processor.ts.
 */
import {
  AgentError, mergeConfig, parseConfig,
  type MarketMakerAgent, type MarketMakerConfig, type ProcessResult, type Update,
} from '../../agent/index.js';
import type { Ledger, LedgerEntry } from '../../ledger/ledger.js';
import { SYMBOL_NOT_FOUND } from '../errors.js';
import type { ServiceMetrics } from '../metrics.js';
import type { QuoteHub } from '../quote-hub.js';
import { ledgerState } from '../recovery.js';
import type { AgentRegistry } from '../registry.js';
import { Admission } from './admission.js';
import { applyChange, applyFact, type AgentChange, type Effects } from './apply.js';
import { GroupCommit, type SnapshotPolicy } from './group-commit.js';
import { codeOf, Processor } from './processor.js';
import { RiskCommands } from './risk.js';

type Fact = Extract<Update, { type: 'fill' | 'position' }>;
const isFact = (u: Update): u is Fact => u.type === 'fill' || u.type === 'position';

export interface QuotingOptions {
  registry: AgentRegistry;
  hub: QuoteHub;
  metrics: ServiceMetrics;
  ledger: Ledger | null;
  snapshots?: SnapshotPolicy;
  warn?: (message: string) => void;
  /** entries waiting for the next commit, past which a change is refused (503) */
  maxPending?: number;
  /** the clock for updates without a time of their own and for requotes, Unix ms */
  now?: () => number;
}

/** A fact's admission: commit it; it is a fill already applied; or wait for the same fill queued before it. */
type Verdict = 'commit' | 'duplicate' | Promise<void>;

export class QuotingService {
  readonly registry: AgentRegistry;
  readonly ledger: Ledger | null;
  readonly now: () => number;
  private readonly hub: QuoteHub;
  private readonly metrics: ServiceMetrics;
  private readonly commits: GroupCommit | null;
  private readonly admission: Admission;
  private readonly processor: Processor;
  private readonly live: Effects;
  private readonly risk: RiskCommands;

  constructor(opts: QuotingOptions) {
    ({ registry: this.registry, ledger: this.ledger, hub: this.hub, metrics: this.metrics } = opts);
    this.now = opts.now ?? Date.now;
    this.admission = new Admission(this.registry);
    this.processor = new Processor(this.metrics, this.hub, this.admission);
    const configured = opts.snapshots?.configured;
    this.commits = this.ledger === null ? null : new GroupCommit(this.ledger, this.metrics, {
      settled: (entries, err) => this.admission.settle(entries, err),
      state: () => ledgerState(this.registry, configured),
      warn: opts.warn ?? (() => {}),
    }, opts.snapshots, opts.maxPending);
    this.live = {
      requotes: true,
      now: this.now,
      process: (agent, u) => this.processor.apply(agent, u, true),
      publish: (agentId, results) => this.processor.publish(agentId, results),
      withdrawn: (agentId, symbols, reason) => {
        for (const s of symbols) this.hub.publishWithdrawal(agentId, s, reason);
      },
      deleted: (agentId) => {
        this.hub.dropAgent(agentId);
        this.metrics.dropAgent(agentId);
      },
    };
    this.risk = new RiskCommands(this.registry, this.live, (entries, apply) => this.commit(entries, apply), opts.warn ?? (() => {}));
  }

  // ---- agent changes: checked, committed, then applied to the agent registered at the commit (as a replay does)

  create(id: string, config: unknown): Promise<MarketMakerAgent> {
    const parsed = configFrom(config, 'config');
    this.registry.assertCanCreate(id);
    // checked again when applied: another creation of the same id may have been committed in between
    return this.change({ t: 'create', id, config: parsed });
  }

  /** Merges `patch` into the agent's configuration; an unchanged configuration writes nothing. */
  reconfigure(id: string, patch: Record<string, unknown>): Promise<MarketMakerAgent> {
    const agent = this.registry.get(id);
    const config = configFrom(mergeConfig(agent.config, patch));
    if (JSON.stringify(config) === JSON.stringify(agent.config)) return Promise.resolve(agent);
    agent.checkConfig(config); // e.g. a quantityStep that does not divide a position: refused before it is written
    return this.change({ t: 'config', id, config });
  }

  async remove(id: string): Promise<void> {
    this.registry.get(id);
    await this.change({ t: 'delete', id });
  }

  pause(id: string, symbol?: string): Promise<MarketMakerAgent> {
    this.symbolOf(id, symbol);
    return this.change(symbol === undefined ? { t: 'pause', id } : { t: 'pause', id, symbol });
  }

  resume(id: string, symbol?: string): Promise<MarketMakerAgent> {
    this.symbolOf(id, symbol);
    return this.change(symbol === undefined ? { t: 'resume', id } : { t: 'resume', id, symbol });
  }

  /** The agent, or AGENT_NOT_FOUND; with a symbol, SYMBOL_NOT_FOUND when the agent has no such symbol. */
  symbolOf(id: string, symbol?: string): MarketMakerAgent {
    const agent = this.registry.get(id);
    if (symbol !== undefined && !agent.hasSymbol(symbol)) throw new SYMBOL_NOT_FOUND(symbol, id);
    return agent;
  }

  private change(e: AgentChange): Promise<MarketMakerAgent> {
    return this.commit([e], () => applyChange(this.registry, e, this.live));
  }

  // ---- the kill switch and the risk period (docs/risk.md; ./risk.ts)

  /** The kill switch on (every quote withdrawn; resolves to how many) or off; already so, nothing is written. */
  halt(on: boolean): Promise<number> {
    return this.risk.halt(on);
  }

  /** A new risk period for the agent from now; resolves to the agent. */
  resetRisk(id: string): Promise<MarketMakerAgent> {
    return this.risk.reset(id);
  }

  // ---- updates

  /** One update: a fill or position is committed before it is applied; market data is applied at once. */
  update(agentId: string, update: Update): Promise<ProcessResult> {
    let verdict: Verdict = 'duplicate';
    try {
      if (this.commits !== null && isFact(update)) verdict = this.admit(agentId, update);
      if (verdict === 'duplicate') {
        const r = this.processor.apply(this.registry.get(agentId), update, false);
        return r.risk == null ? Promise.resolve(r) : this.risk.journaled(agentId, r);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    let applied: Promise<ProcessResult>;
    if (verdict === 'commit') {
      const entry = { t: 'update', agent: agentId, u: update as Fact } as const;
      applied = this.commit([entry], () => applyFact(this.registry, entry, this.live));
    } else {
      // the same fill, queued before this one: answered as the duplicate it is once that one is applied
      applied = verdict.then(() => this.processor.apply(this.registry.get(agentId), update, false));
    }
    return applied.then((r) => this.risk.journaled(agentId, r), (err: unknown) => {
      if (codeOf(err) === 'LEDGER_UNAVAILABLE') this.metrics.forAgent(agentId).rejected(update.type, 'LEDGER_UNAVAILABLE');
      throw err;
    });
  }

  /**
   * A batch, in order, as one transaction: the fills and positions that would
   * apply are committed together, then every item is applied in order. Each
   * item answers for itself (a result or its error).
   */
  async batch(agentId: string, updates: readonly (Update | Error)[]): Promise<(ProcessResult | Error)[]> {
    this.registry.get(agentId);
    const entries: LedgerEntry[] = [];
    const committed = new Set<Update>();
    const ownFills = new Set<string>();
    const waits = new Map<Update, Promise<void>>();
    const checked = updates.map((u) => {
      if (u instanceof Error || this.commits === null || !isFact(u)) return u;
      try {
        const v = this.admit(agentId, u);
        if (v === 'commit') {
          entries.push({ t: 'update', agent: agentId, u });
          committed.add(u);
          if (u.type === 'fill') ownFills.add(u.id);
        } else if (v !== 'duplicate' && !(u.type === 'fill' && ownFills.has(u.id))) {
          // the same fill queued by another request: this item answers once that one is applied
          waits.set(u, v);
        }
        return u;
      } catch (err) {
        return err as Error;
      }
    });
    // rare: a fill id of this batch is being committed by another request; refused there, refused here
    const refused = new Map<Update, Error>();
    if (waits.size > 0) await Promise.all(Array.from(waits, ([u, p]) => p.catch((err: Error) => refused.set(u, err))));
    const applyAll = (ledgerRefusal: Error | null) => checked.map((u): ProcessResult | Error => {
      if (u instanceof Error) return u;
      // the agent registered when the batch commits, as a replay finds it
      let agent: MarketMakerAgent;
      try {
        agent = this.registry.get(agentId);
      } catch (err) {
        return err as Error;
      }
      const waitedFor = refused.get(u);
      if (waitedFor !== undefined) return waitedFor;
      if (ledgerRefusal !== null && isFact(u)) return ledgerRefusal;
      try {
        return this.processor.apply(agent, u, ledgerRefusal === null && committed.has(u));
      } catch (err) {
        return err as Error;
      }
    });
    let results: (ProcessResult | Error)[];
    try {
      results = await this.commit(entries, () => applyAll(null));
    } catch (err) {
      // the ledger refused: market data still goes through, in order; nothing that needed the ledger does
      results = applyAll(err as Error);
    }
    // a breach or a new period is rare: journaled one after the other, before the batch is answered
    for (const r of results) if (!(r instanceof Error) && r.risk != null) await this.risk.journaled(agentId, r);
    return results;
  }

  /** Whether a fact is to be committed; holds its symbol's slot and fill id until it is applied or refused. */
  private admit(agentId: string, u: Fact): Verdict {
    const agent = this.registry.get(agentId);
    try {
      // before the ledger: a fill on a symbol there is no room for is never committed; the room is
      // checked with what is queued counted, and taken until the entry is applied
      if (agent.check(u, true) === 'duplicate') return 'duplicate';
      const held = u.type === 'fill' ? this.admission.heldFill(agent, u) : null;
      if (held !== null) return held;
      this.admission.admit(agent, u);
      return 'commit';
    } catch (err) {
      this.metrics.forAgent(agentId).rejected(u.type, codeOf(err));
      throw err;
    }
  }

  // ---- the ledger: commit, snapshots, close

  /** Commits `entries` (shared with whatever else arrived in this turn), then runs `apply`; without a ledger, at once. */
  private commit<T>(entries: readonly LedgerEntry[], apply: () => T): Promise<T> {
    if (this.commits === null || entries.length === 0) {
      try {
        return Promise.resolve(apply());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.commits.commit(entries, apply);
  }

  /** Resolves once every change queued so far is committed (or refused) and applied. */
  drain(): Promise<void> {
    return this.commits?.drain() ?? Promise.resolve();
  }

  /** Writes a snapshot of every agent now (after what is queued), and says after which entry. */
  snapshot(): Promise<{ sequence: number; agents: number }> {
    return this.commits?.snapshot() ?? Promise.reject(new Error('no ledger'));
  }

  /** Finishes what is queued, writes a last snapshot, closes the ledger; calling it again does nothing more. */
  close(): Promise<void> {
    return this.commits?.close() ?? Promise.resolve();
  }
}

/** The configuration, or INVALID_CONFIG naming the field as the client sent it (under `prefix`). */
function configFrom(input: unknown, prefix?: string): MarketMakerConfig {
  try {
    return parseConfig(input);
  } catch (err) {
    if (prefix && err instanceof AgentError && err.field) {
      throw new AgentError(err.code, `${prefix}.${err.message}`, `${prefix}.${err.field}`);
    }
    throw err;
  }
}
