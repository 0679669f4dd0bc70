/**
 * One row of recorded market data, checked field by field. A row carries a
 * mid, a trade, a volatility or any mix of them at one time; see
 * docs/backtest.md for the file format.
 */

/** A trade printed on the market; `side` is the aggressor's (taker's) side. */
export interface RecordedTrade {
  price: number;
  quantity: number;
  /** `buy`: a buyer took offers (can fill our ask); `sell`: a seller hit bids (can fill our bid) */
  side: 'buy' | 'sell';
}

export interface MarketRecord {
  /** 1-based line of the file the row came from */
  line: number;
  /** Unix milliseconds */
  time: number;
  mid: number | undefined;
  /** price units per √(the agent's time unit), as the agent's volatility updates */
  sigma: number | undefined;
  trade: RecordedTrade | undefined;
}

/** Bad input data: names the file, the line and the field. */
export class DataError extends Error {
  override readonly name = 'DataError';
  constructor(readonly file: string, readonly line: number, readonly field: string, readonly problem: string) {
    super(`${file}:${line}: ${field}: ${problem}`);
  }
}

/** Column (or JSON key) names a file may use; `volatility` is another name for `sigma`. */
export const FIELDS = ['time', 'mid', 'sigma', 'volatility', 'price', 'quantity', 'side'] as const;
export type FieldName = (typeof FIELDS)[number];

export function isFieldName(name: string): name is FieldName {
  return (FIELDS as readonly string[]).includes(name);
}

/** A raw cell: a CSV string, or a JSON value. */
export type Cell = unknown;

const EPOCH_MS = /^-?\d+(\.\d+)?$/;
// a zone is required: without one, Date.parse reads local time and the replay would depend on the machine
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function isMissing(c: Cell): boolean {
  return c === undefined || c === null || (typeof c === 'string' && c.trim() === '');
}

/** Unix milliseconds from epoch milliseconds (a number or digits) or an ISO 8601 time with a zone. */
export function parseTime(c: Cell): number | string {
  if (typeof c === 'number') return Number.isFinite(c) ? c : 'must be a finite number of epoch milliseconds';
  if (typeof c !== 'string') return 'must be epoch milliseconds or an ISO 8601 time';
  const text = c.trim();
  if (EPOCH_MS.test(text)) return Number(text);
  if (ISO_8601.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  return `must be epoch milliseconds or an ISO 8601 time with a zone (2026-01-02T09:30:00.250Z), got ${JSON.stringify(c)}`;
}

function parsePositive(c: Cell): number | string {
  const x = typeof c === 'number' ? c : typeof c === 'string' && c.trim() !== '' ? Number(c) : NaN;
  if (!Number.isFinite(x) || x <= 0) return `must be a number greater than zero, got ${JSON.stringify(c)}`;
  return x;
}

/** 'buy' or 'sell', or the problem with the cell */
function parseSide(c: Cell): string {
  const s = typeof c === 'string' ? c.trim().toLowerCase() : '';
  return s === 'buy' || s === 'sell' ? s : `must be "buy" or "sell" (the aggressor's side), got ${JSON.stringify(c)}`;
}

/** The fields of one row, by name, to a record; throws a DataError naming the first bad field. */
export function toRecord(fields: Readonly<Record<string, Cell>>, file: string, line: number): MarketRecord {
  const fail = (field: string, problem: string): never => {
    throw new DataError(file, line, field, problem);
  };
  const number = (name: string, parse: (c: Cell) => number | string): number | undefined => {
    const c = fields[name];
    if (isMissing(c)) return undefined;
    const v = parse(c);
    return typeof v === 'string' ? fail(name, v) : v;
  };
  if (isMissing(fields.time)) fail('time', 'is required');
  const time = number('time', parseTime)!;
  const mid = number('mid', parsePositive);
  if (!isMissing(fields.sigma) && !isMissing(fields.volatility)) fail('volatility', 'give sigma or volatility, not both');
  const sigma = number('sigma', parsePositive) ?? number('volatility', parsePositive);
  const price = number('price', parsePositive);
  const quantity = number('quantity', parsePositive);
  const side = isMissing(fields.side) ? undefined : parseSide(fields.side);
  if (side !== undefined && side !== 'buy' && side !== 'sell') fail('side', side);
  let trade: RecordedTrade | undefined;
  const given = [price, quantity, side].filter((x) => x !== undefined).length;
  if (given === 3) trade = { price: price!, quantity: quantity!, side: side as 'buy' | 'sell' };
  else if (given > 0) fail(price === undefined ? 'price' : quantity === undefined ? 'quantity' : 'side', 'a trade needs price, quantity and side');
  if (mid === undefined && sigma === undefined && trade === undefined) fail('mid', 'the row has no mid, trade or volatility');
  return { line, time, mid, sigma, trade };
}
