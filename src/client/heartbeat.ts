/**
 * The heartbeat probe: unsubscribing a symbol this client never subscribes
 * changes nothing on the service and is always answered (`unsubscribed`),
 * which works on every transport, browsers included, where protocol pings
 * are invisible to scripts.
 */
export const PROBE_SYMBOL = 'client.heartbeat.probe';

/**
 * When a silent connection is probed and when it is given up: a connection
 * silent for `idleMs` gets a probe, and one whose probe goes unanswered for
 * `timeoutMs` is dead. Any message counts as an answer.
 */
export class Heartbeat {
  private lastHeardAt = 0;
  private probeSentAt: number | null = null;

  constructor(
    private readonly idleMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** how often to call `due`, ms */
  get checkEveryMs(): number {
    return Math.max(50, Math.min(this.idleMs, this.timeoutMs) / 2);
  }

  heard(now: number): void {
    this.lastHeardAt = now;
    this.probeSentAt = null;
  }

  /** `probe`: send one now (recorded as sent); `dead`: the probe went unanswered; `null`: nothing to do. */
  due(now: number): 'probe' | 'dead' | null {
    if (this.probeSentAt !== null) return now - this.probeSentAt < this.timeoutMs ? null : 'dead';
    if (now - this.lastHeardAt < this.idleMs) return null;
    this.probeSentAt = now;
    return 'probe';
  }

  silentMs(now: number): number {
    return now - this.lastHeardAt;
  }
}
