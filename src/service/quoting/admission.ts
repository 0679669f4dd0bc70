/**
 * What a fact (fill, position) holds between its admission and its apply:
 * a new symbol's slot, and a fill's id.
 *
 * A committed fact is never refused for room after its commit (replay would
 * apply it: it has no mids), so its slot is taken when it is admitted, and
 * market data that would take the same slot meanwhile is refused instead.
 *
 * A fill id is held too: a second fill with the same id admitted while the
 * first still waits for its commit (two requests in one turn of the event
 * loop) is not written again. Same contents: it waits for the first and then
 * answers `duplicate`, as a retry after the commit would. Other contents:
 * 409 FILL_ID_CONFLICT, as it would be after the first is applied.
 */
import { AgentError, fillFingerprint, fillIdConflict, fingerprintDiff, type FillUpdate, type MarketMakerAgent } from '../../agent/index.js';
import type { LedgerEntry } from '../../ledger/ledger.js';
import type { AgentRegistry } from '../registry.js';

interface HeldFill {
  fingerprint: string;
  /** settles once the fill that holds the id is applied (or refused, with why) */
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class Admission {
  /** per agent: new symbols admitted for facts queued or committed but not applied yet, with how many facts hold each */
  private readonly reserved = new Map<string, Map<string, number>>();
  private reservedSymbols = 0;
  /** per agent: fill ids admitted and not applied yet */
  private readonly fills = new Map<string, Map<string, HeldFill>>();

  constructor(private readonly registry: AgentRegistry) {}

  /**
   * The fill that already holds `u`'s id, if any: its settlement to wait for when `u` has the same
   * contents; FILL_ID_CONFLICT naming the differing fields otherwise.
   */
  heldFill(agent: MarketMakerAgent, u: FillUpdate): Promise<void> | null {
    const held = this.fills.get(agent.id)?.get(u.id);
    if (held === undefined) return null;
    const differ = fingerprintDiff(held.fingerprint, u);
    if (differ.length === 0) return held.done;
    // counted on the agent as its own refusal of a reused id is (its stats are the agent's public counters)
    agent.stats.fillIdConflicts++;
    agent.stats.rejected++;
    throw fillIdConflict(u, differ, 'is being committed');
  }

  /** Admits a fact: its new symbol's slot (throws as assertRoom) and its fill id are held until `settle`. */
  admit(agent: MarketMakerAgent, u: FillUpdate | { type: 'position'; symbol: string }): void {
    if (!agent.hasSymbol(u.symbol)) {
      this.assertRoom(agent, u.symbol);
      let mine = this.reserved.get(agent.id);
      if (mine === undefined) this.reserved.set(agent.id, (mine = new Map<string, number>()));
      const n = mine.get(u.symbol) ?? 0;
      if (n === 0) this.reservedSymbols++;
      mine.set(u.symbol, n + 1);
    }
    if (u.type === 'fill') {
      let ids = this.fills.get(agent.id);
      if (ids === undefined) this.fills.set(agent.id, (ids = new Map<string, HeldFill>()));
      const held = { fingerprint: fillFingerprint(u) } as HeldFill;
      held.done = new Promise<void>((resolve, reject) => Object.assign(held, { resolve, reject }));
      // nobody may be waiting: a refusal must not surface as an unhandled rejection
      held.done.catch(() => {});
      ids.set(u.id, held);
    }
  }

  /** Throws SYMBOL_LIMIT when `symbol` is new to `agent` and no slot is left, the reserved ones counted. */
  assertRoom(agent: MarketMakerAgent, symbol: string): void {
    const mine = this.reserved.get(agent.id);
    if (agent.hasSymbol(symbol) || mine?.has(symbol) === true) return;
    const held = agent.symbolCount + (mine?.size ?? 0);
    if (held >= agent.config.maxSymbols) {
      throw new AgentError('SYMBOL_LIMIT', `symbol: agent ${agent.id} already has ${held} symbols, queued ones included (maxSymbols)`, 'symbol');
    }
    this.registry.assertRoomFor(agent, symbol, this.reservedSymbols);
  }

  /** Gives back what `entries` held: they are applied, or refused (`err`, passed on to fills waiting on them). */
  settle(entries: readonly LedgerEntry[], err?: Error): void {
    if (this.reservedSymbols === 0 && this.fills.size === 0) return;
    for (const e of entries) {
      if (e.t !== 'update') continue;
      this.releaseSlot(e.agent, e.u.symbol);
      if (e.u.type !== 'fill') continue;
      const ids = this.fills.get(e.agent);
      const held = ids?.get(e.u.id);
      if (ids === undefined || held === undefined) continue;
      ids.delete(e.u.id);
      if (ids.size === 0) this.fills.delete(e.agent);
      if (err === undefined) held.resolve();
      else held.reject(err);
    }
  }

  private releaseSlot(agent: string, symbol: string): void {
    const mine = this.reserved.get(agent);
    const n = mine?.get(symbol);
    if (mine === undefined || n === undefined) return;
    if (n > 1) mine.set(symbol, n - 1);
    else {
      mine.delete(symbol);
      this.reservedSymbols--;
      if (mine.size === 0) this.reserved.delete(agent);
    }
  }
}
