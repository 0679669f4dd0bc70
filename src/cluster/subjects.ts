/**
 * Names in NATS: subjects, streams and buckets of the cluster mode, and the
 * one encoding of ids in them. Agent and symbol ids may hold `.` and `:`
 * (config.ts ID_PATTERN); `.` separates subject tokens and `:` is not allowed
 * in a KV key, so every character outside `[A-Za-z0-9_-]` is written `=XX`
 * (hex), which both subjects and KV keys accept and which cannot collide.
 */
export const LEDGER_STREAM = 'MM_LEDGER';
export const SNAPSHOT_STREAM = 'MM_SNAPSHOTS';
/** Object Store bucket of snapshot bodies (stream OBJ_MM_SNAPSHOT_BODIES); MM_SNAPSHOTS holds pointers to them */
export const SNAPSHOT_BUCKET = 'MM_SNAPSHOT_BODIES';
export const QUOTE_STREAM = 'MM_QUOTES';
export const LEASE_BUCKET = 'MM_OWNERS';

export function token(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, (c) => `=${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function untoken(t: string): string {
  return t.replace(/=([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export const ledgerSubject = (agent: string): string => `mm.ledger.${token(agent)}`;
export const snapshotSubject = (agent: string): string => `mm.snap.${token(agent)}`;
export const quoteSubject = (agent: string, symbol: string): string => `mm.quotes.${token(agent)}.${token(symbol)}`;
/** every quote subject of one agent */
export const agentQuotes = (agent: string): string => `mm.quotes.${token(agent)}.>`;
export const commandSubject = (agent: string): string => `mm.cmd.${token(agent)}`;
