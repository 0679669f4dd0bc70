/**
 * `mm-quoting-service/client`: the typed client of the quoting service.
 * See docs/client.md.
 */
export { QuotingClient, type QuotingClientOptions } from './quoting-client.js';
export { QuotingError, isQuotingError, type ErrorCode, type ServiceErrorCode, type ClientErrorCode } from './errors.js';
export {
  Subscription, PROBE_SYMBOL,
  type SubscribeOptions, type SubscriptionEvents, type SubscriptionState, type QuoteListener, type WebSocketClass, type WebSocketLike,
} from './subscription.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { SeqTracker, type SeqVerdict } from './seq-tracker.js';
export { priceDigits } from './price-digits.js';
export type * from './types.js';
