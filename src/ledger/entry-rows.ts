/**
 * Ledger entries as rows of the `entries` table: one typed column per field
 * (so that `select * from fills where symbol = 'AAPL'` works), a JSON body
 * only for configurations, and a CRC-32 over every column including the
 * sequence number, so that a flipped digit, side or kind, or a row moved or
 * copied, stops the start instead of becoming a different inventory.
 */
import { crc32 } from 'node:zlib';
import type { MarketMakerConfig } from '../agent/config.js';
import type { RiskSnapshot } from '../agent/agent-risk.js';
import type { FillUpdate } from '../agent/updates.js';
import { LedgerCorruptError, type LedgerEntry } from './ledger.js';

/** A fill's fee and liquidity, when it carries them, as the row's JSON body (null otherwise, as before fees). */
function fillBody(u: FillUpdate): string | null {
  if (u.fee === undefined && u.liquidity === undefined) return null;
  return JSON.stringify({ ...(u.fee === undefined ? {} : { fee: u.fee }), ...(u.liquidity === undefined ? {} : { liquidity: u.liquidity }) });
}

/** The columns of `entries`, in the order of the INSERT; nulls where a kind has no such field. */
export type EntryRow = [
  seq: number, kind: string, agent: string, symbol: string | null, fillId: string | null, side: string | null,
  price: number | null, quantity: number | null, averageCost: number | null, mark: number | null,
  time: number | null, body: string | null, crc: number,
];

export const ENTRY_COLUMNS = 'seq, kind, agent, symbol, fill_id, side, price, quantity, average_cost, mark, time, body, crc';

const SEP = '\u001f';

/** The checksum of a row's content; numbers print as the shortest text that reads back as the same double. */
export function rowChecksum(r: EntryRow | readonly unknown[]): number {
  let s = String(r[0]);
  for (let i = 1; i < 12; i++) s += SEP + (r[i] === null ? '' : String(r[i]));
  return crc32(s);
}

export function toRow(seq: number, e: LedgerEntry): EntryRow {
  let r: EntryRow;
  switch (e.t) {
    case 'update': {
      const u = e.u;
      r = u.type === 'fill'
        ? [seq, 'fill', e.agent, u.symbol, u.id, u.side, u.price, u.quantity, null, null, u.time, fillBody(u), 0]
        : [seq, 'position', e.agent, u.symbol, null, null, null, u.quantity, u.averageCost, u.mark ?? null, u.time, null, 0];
      break;
    }
    case 'create':
    case 'config':
      r = [seq, e.t, e.id, null, null, null, null, null, null, null, null, JSON.stringify(e.config), 0];
      break;
    case 'delete':
    case 'pause':
    case 'resume':
      r = [seq, e.t, e.id, e.t === 'delete' ? null : (e.symbol ?? null), null, null, null, null, null, null, null, null, 0];
      break;
    case 'halt':
    case 'unhalt':
      // not an agent's: the agent column holds '*'
      r = [seq, e.t, '*', null, null, null, null, null, null, null, null, null, 0];
      break;
    case 'risk':
      r = [seq, 'risk', e.id, null, null, e.why, null, null, null, null, null, JSON.stringify(e.state), 0];
      break;
  }
  r[12] = rowChecksum(r);
  return r;
}

/** Reads a row back; anything not exactly as written (checksum, kind, a missing field) is corruption. */
export function fromRow(r: readonly unknown[], where: string): LedgerEntry {
  const seq = r[0];
  const bad = (why: string) => new LedgerCorruptError(`${where}: entry ${String(seq)} ${why}; refusing to start on a guess (restore the file from a backup, or move it away to start empty)`);
  if (rowChecksum(r) !== r[12]) throw bad('does not match its checksum (the file was changed outside the service)');
  const [, kind, agent, symbol, fillId, side, price, quantity, averageCost, mark, time, body] = r;
  const str = (v: unknown, f: string) => { if (typeof v !== 'string') throw bad(`has no ${f}`); return v; };
  const num = (v: unknown, f: string) => { if (typeof v !== 'number') throw bad(`has no ${f}`); return v; };
  const id = str(agent, 'agent');
  const json = (text: string, what: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw bad(`has a ${what} that is not JSON`);
    }
  };
  switch (kind) {
    case 'fill': {
      const s = str(side, 'side');
      if (s !== 'buy' && s !== 'sell') throw bad(`has side "${s}"`);
      const extra = body === null ? {} : json(str(body, 'fee'), 'fee') as Pick<FillUpdate, 'fee' | 'liquidity'>;
      return { t: 'update', agent: id, u: { type: 'fill', symbol: str(symbol, 'symbol'), id: str(fillId, 'fill id'), side: s, price: num(price, 'price'), quantity: num(quantity, 'quantity'), time: num(time, 'time'), ...extra } };
    }
    case 'position':
      return {
        t: 'update', agent: id,
        u: { type: 'position', symbol: str(symbol, 'symbol'), quantity: num(quantity, 'quantity'), averageCost: num(averageCost, 'average cost'), time: num(time, 'time'), ...(mark === null ? {} : { mark: num(mark, 'mark') }) },
      };
    case 'create':
    case 'config':
      return { t: kind, id, config: json(str(body, 'configuration'), 'configuration') as MarketMakerConfig };
    case 'halt':
    case 'unhalt':
      return { t: kind };
    case 'risk': {
      const why = str(side, 'reason');
      if (why !== 'breach' && why !== 'period' && why !== 'reset') throw bad(`has the risk reason "${why}"`);
      return { t: 'risk', id, why, state: json(str(body, 'risk state'), 'risk state') as RiskSnapshot };
    }
    case 'delete':
      return { t: 'delete', id };
    case 'pause':
    case 'resume':
      return symbol === null ? { t: kind, id } : { t: kind, id, symbol: str(symbol, 'symbol') };
    default:
      throw bad(`has the kind ${JSON.stringify(kind)}, which this version does not know`);
  }
}
