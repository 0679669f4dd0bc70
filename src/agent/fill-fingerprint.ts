/**
 * What a fill carried, kept with its id so that a fill reusing an id can be
 * told apart: the same contents are a retry (`duplicate`), other contents a
 * conflict (an OMS id collision) that must not be applied. The update's time
 * is left out, as a retry without one gets the server's clock anew.
 * A plain string, so it survives a snapshot as it is.
 */
import type { FillUpdate } from './updates.js';

const SEP = '\u0000';
const FIELDS = ['symbol', 'side', 'price', 'quantity'] as const;

/** the fingerprint of an id known from an old snapshot that kept none: matches any contents */
export const UNKNOWN_FILL = '';

export function fillFingerprint(u: FillUpdate): string {
  return u.symbol + SEP + u.side + SEP + u.price + SEP + u.quantity;
}

/** The fields in which `u` differs from the fill `fingerprint` describes; empty for the same fill. */
export function fingerprintDiff(fingerprint: string, u: FillUpdate): string[] {
  if (fingerprint === UNKNOWN_FILL || fingerprint === fillFingerprint(u)) return [];
  const was = fingerprint.split(SEP);
  const now = [u.symbol, u.side, String(u.price), String(u.quantity)];
  return FIELDS.filter((_, i) => was[i] !== now[i]);
}
