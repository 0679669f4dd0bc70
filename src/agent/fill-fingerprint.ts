/**
 * What a fill carried, kept with its id so that a fill reusing an id can be
 * told apart: the same contents are a retry (`duplicate`), other contents a
 * conflict (an OMS id collision) that must not be applied. The update's time
 * is left out, as a retry without one gets the server's clock anew.
 * A plain string, so it survives a snapshot as it is.
 */
import { AgentError } from './errors.js';
import type { FillUpdate } from './updates.js';

const SEP = '\u0000';
const FIELDS = ['symbol', 'side', 'price', 'quantity', 'fee', 'liquidity'] as const;

/** the fingerprint of an id known from an old snapshot that kept none: matches any contents */
export const UNKNOWN_FILL = '';

/** The fill as sent: an absent fee or liquidity is kept as absent (empty), not as the configured default it gets. */
export function fillFingerprint(u: FillUpdate): string {
  return u.symbol + SEP + u.side + SEP + u.price + SEP + u.quantity + SEP + (u.fee ?? '') + SEP + (u.liquidity ?? '');
}

/** The fields in which `u` differs from the fill `fingerprint` describes; empty for the same fill. */
export function fingerprintDiff(fingerprint: string, u: FillUpdate): string[] {
  if (fingerprint === UNKNOWN_FILL || fingerprint === fillFingerprint(u)) return [];
  const was = fingerprint.split(SEP);
  const now = fillFingerprint(u).split(SEP);
  // a fingerprint kept before fees existed has four fields: only those can be compared
  return FIELDS.filter((_, i) => i < was.length && was[i] !== now[i]);
}

/** The refusal of a fill whose id was `when` ("applied before", "being committed") with other contents. */
export function fillIdConflict(u: FillUpdate, differ: readonly string[], when: string): AgentError {
  return new AgentError('FILL_ID_CONFLICT', `${differ[0]}: fill id ${u.id} ${when} with a different ${differ.join(', ')}; this fill is not applied`, differ[0], differ);
}
