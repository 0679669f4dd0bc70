/**
 * Ownership of agents: one key per agent in the KV bucket MM_OWNERS, whose
 * value names the owner and the epoch of its ownership. nats-server 2.9 has
 * no per-key TTL, so the lease is the key itself: the owner rewrites it every
 * `renewMs` with compare-and-swap on the revision it last wrote, and every
 * other instance, watching the bucket, treats it as expired when it has seen
 * no write for `leaseMs` (its own clock, from when it saw the write: no clock
 * is compared across machines). A standby then takes it over with a
 * compare-and-swap on the revision it saw, so of several standbys exactly one
 * wins, and an owner that renews in time keeps it.
 *
 * An owner whose renewal is refused (another took over) or that could not
 * renew for `leaseMs` gives the agent up. That is the polite half; the ledger's
 * fence (jetstream-ledger.ts) is the one that holds when a paused owner wakes.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, KvWatchInclude, type KV } from '@nats-io/kv';
import { LEASE_BUCKET, token, untoken } from './subjects.js';

export interface LeaseSettings {
  /** a lease not rewritten for this long is expired, ms */
  leaseMs: number;
  /** how often the owner rewrites its leases and standbys look for expired ones, ms */
  renewMs: number;
}

interface LeaseValue {
  /** null: handed back (a clean shutdown); any standby may take it at once */
  owner: string | null;
  epoch: number;
}

interface Seen extends LeaseValue {
  revision: number;
  /** performance.now() when this instance saw the write */
  at: number;
}

export interface LeaseEvents {
  /** this instance now owns `agent`, in `epoch` (greater than any epoch before it) */
  acquired(agent: string, epoch: number): Promise<void>;
  /** this instance no longer owns `agent` */
  lost(agent: string): void;
}

export class Leases {
  private readonly seen = new Map<string, Seen>();
  /** agents this instance owns → the revision it last wrote and when */
  private readonly mine = new Map<string, { revision: number; epoch: number; renewedAt: number }>();
  private readonly taking = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private watching: Promise<void> = Promise.resolve();
  private stopWatch: (() => void) | null = null;

  private constructor(private readonly kv: KV, readonly instance: string, private readonly settings: LeaseSettings, private readonly events: LeaseEvents) {}

  static async open(nc: NatsConnection, instance: string, settings: LeaseSettings, replicas: number, events: LeaseEvents): Promise<Leases> {
    const kv = await new Kvm(nc).create(LEASE_BUCKET, { history: 1, replicas });
    const leases = new Leases(kv, instance, settings, events);
    await leases.watch();
    leases.timer = setInterval(() => void leases.tick(), settings.renewMs);
    leases.timer.unref();
    return leases;
  }

  /** The owner of `agent` as last seen (undefined: no lease, null: handed back). */
  ownerOf(agent: string): string | null | undefined {
    return this.seen.get(agent)?.owner;
  }

  epochOf(agent: string): number | undefined {
    return this.mine.get(agent)?.epoch;
  }

  owns(agent: string): boolean {
    return this.mine.has(agent);
  }

  /** Every agent with a lease. */
  agents(): IterableIterator<string> {
    return this.seen.keys();
  }

  /** Takes a lease that does not exist yet (a new agent, or a configured one at first start); false if another has it. */
  async claim(agent: string): Promise<boolean> {
    const value: LeaseValue = { owner: this.instance, epoch: 1 };
    let revision: number;
    try {
      revision = await this.kv.create(token(agent), JSON.stringify(value));
    } catch {
      return false;
    }
    this.mine.set(agent, { revision, epoch: value.epoch, renewedAt: performance.now() });
    try {
      await this.events.acquired(agent, value.epoch);
    } catch (err) {
      await this.release(agent);
      throw err;
    }
    return true;
  }

  /** Hands the lease back (owner null) so that a standby takes it at once; `forget`: the agent is deleted, the key goes. */
  async release(agent: string, forget = false): Promise<void> {
    const m = this.mine.get(agent);
    if (m === undefined) return;
    this.mine.delete(agent);
    try {
      if (forget) await this.kv.delete(token(agent), { previousSeq: m.revision });
      else await this.kv.update(token(agent), JSON.stringify({ owner: null, epoch: m.epoch } satisfies LeaseValue), m.revision);
    } catch {
      // already taken over: nothing to hand back
    }
  }

  private async watch(): Promise<void> {
    const iter = await this.kv.watch({ include: KvWatchInclude.LastValue });
    this.stopWatch = () => iter.stop();
    let ready!: () => void;
    const initial = new Promise<void>((resolve) => (ready = resolve));
    // an empty bucket sends nothing: the initial values are in once the watcher says so
    void (async () => {
      for await (const e of iter) {
        const agent = untoken(e.key);
        if (e.operation !== 'PUT') this.seen.delete(agent);
        else {
          try {
            const v = e.json<LeaseValue>();
            this.seen.set(agent, { ...v, revision: e.revision, at: performance.now() });
          } catch {
            this.seen.delete(agent);
          }
        }
        if (e.delta === 0) ready();
      }
    })();
    this.watching = Promise.race([initial, new Promise<void>((r) => setTimeout(r, 500).unref())]);
    await this.watching;
  }

  /** The owner renews; a standby takes over what has expired. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = performance.now();
    for (const [agent, m] of this.mine) {
      if (now - m.renewedAt > this.settings.leaseMs) {
        // could not renew for a whole lease: others may already have taken it
        this.mine.delete(agent);
        this.events.lost(agent);
        continue;
      }
      this.kv.update(token(agent), JSON.stringify({ owner: this.instance, epoch: m.epoch } satisfies LeaseValue), m.revision).then(
        (revision) => {
          if (this.mine.get(agent) === m) {
            m.revision = revision;
            m.renewedAt = performance.now();
          }
        },
        (err: Error) => {
          // a wrong revision: someone else wrote the key, so it is theirs; anything else is retried at the next tick
          if (/wrong last sequence/i.test(err.message) && this.mine.get(agent) === m) {
            this.mine.delete(agent);
            this.events.lost(agent);
          }
        },
      );
    }
    for (const [agent, s] of this.seen) {
      if (this.mine.has(agent) || this.taking.has(agent)) continue;
      if (s.owner !== null && now - s.at <= this.settings.leaseMs) continue;
      void this.takeOver(agent, s);
    }
  }

  private async takeOver(agent: string, s: Seen): Promise<void> {
    this.taking.add(agent);
    try {
      const epoch = s.epoch + 1;
      let revision: number;
      try {
        revision = await this.kv.update(token(agent), JSON.stringify({ owner: this.instance, epoch } satisfies LeaseValue), s.revision);
      } catch {
        return; // renewed in time, or another standby was first
      }
      this.mine.set(agent, { revision, epoch, renewedAt: performance.now() });
      try {
        await this.events.acquired(agent, epoch);
      } catch {
        // could not restore it (the ledger unreachable): hand it back for another to try
        await this.release(agent);
        this.events.lost(agent);
      }
    } finally {
      this.taking.delete(agent);
    }
  }

  /** Stops renewing and watching; `handBack`: every lease is handed back first, for an immediate takeover. */
  async close(handBack: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    if (handBack) await Promise.all([...this.mine.keys()].map((a) => this.release(a)));
    this.mine.clear();
    this.stopWatch?.();
  }
}
