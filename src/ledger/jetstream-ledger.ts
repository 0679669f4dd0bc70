/**
 * The ledger on NATS JetStream, for cluster mode: the entries of agent X are
 * messages on `mm.ledger.X` (stream MM_LEDGER), its latest snapshot an object
 * of the Object Store named by a pointer on `mm.snap.X` (snapshot-store.ts),
 * all replicated as configured (3 in a real cluster, 1 in tests).
 *
 * An instance writes only the agents it has adopted (it holds their lease).
 * Adopting writes a fence message on the agent's subject first, then reads
 * the snapshot (fencing its pointer too) and every entry up to the fence; each later append names the
 * subject's last sequence it knows (Nats-Expected-Last-Subject-Sequence). So
 * an instance that lost the agent, still writing, finds its publish refused:
 * whatever it appended before the fence is in the new owner's replay, and
 * nothing after it is accepted.
 *
 * An append is resolved after JetStream's publish acknowledgement, i.e. once
 * the stream's replicas have stored it. The entries of one agent in one
 * append are one message (all or nothing); a group spanning agents is one
 * message per agent. When any part fails, every agent of the group is given
 * up (`hooks.stale`) and adopted again from the ledger, by this instance or
 * another: a publish whose acknowledgement was lost may have been stored,
 * and only a replay knows.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { headers } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { ensureStream } from '../cluster/nats.js';
import { ledgerSubject, LEDGER_STREAM, SNAPSHOT_STREAM } from '../cluster/subjects.js';
import { LedgerCorruptError, LedgerUnavailableError, type Ledger, type LedgerEntry, type LedgerState, type Recovered } from './ledger.js';
import { SnapshotFencedError, SnapshotStore } from './snapshot-store.js';

/** header of the fence message an instance writes when it adopts an agent (no body; never replayed) */
const FENCE_HEADER = 'Mm-Fence';

export interface JetStreamLedgerOptions {
  /** replicas of the streams and the snapshot bucket: 3 (or 5) in a real cluster, 1 on a single server */
  replicas: number;
  /** how long a publish waits for its acknowledgement, ms */
  timeoutMs: number;
  /** names this instance in fence messages */
  instance: string;
}

/** The agent whose subject holds the entry; null for the service-wide kill switch, which has no subject here yet. */
const entryAgent = (e: LedgerEntry): string | null => (e.t === 'halt' || e.t === 'unhalt' ? null : e.t === 'update' ? e.agent : e.id);

/** What the cluster node does around appends: ownership of new agents, and of deleted ones. */
export interface OwnershipHooks {
  /** takes the lease of a new agent (its `create` entry is about to be appended) and adopts it; false if another instance has it */
  claim(agent: string): Promise<boolean>;
  /** the agent's deletion is committed: its lease goes */
  deleted(agent: string): void;
  /**
   * an append of the agent failed, so what the ledger holds may differ from what was applied (a publish
   * that timed out may still have been stored; a group is refused whole even if one agent's part was
   * stored), or another instance has fenced it: the agent is to be given up and adopted again from the ledger
   */
  stale(agent: string): void;
}

export class JetStreamLedger implements Ledger {
  readonly location: string;
  /** adopted agents → the last sequence of their subject this instance wrote or read */
  private readonly owned = new Map<string, number>();
  private last = 0;
  private recovered: Recovered = { state: null, entries: [] };
  private closed = false;
  hooks: OwnershipHooks | null = null;

  private constructor(private readonly nc: NatsConnection, private readonly js: JetStreamClient, private readonly jsm: JetStreamManager, private readonly snapshots: SnapshotStore, private readonly opts: JetStreamLedgerOptions) {
    this.location = `nats:${LEDGER_STREAM}@${nc.getServer()}`;
  }

  /** Creates the streams and the bucket if they are missing (an existing one keeps its configuration). */
  static async open(nc: NatsConnection, opts: JetStreamLedgerOptions): Promise<JetStreamLedger> {
    const jsm = await jetstreamManager(nc, { timeout: opts.timeoutMs });
    await ensureStream(jsm, { name: LEDGER_STREAM, subjects: ['mm.ledger.>'], num_replicas: opts.replicas });
    const js = jetstream(nc, { timeout: opts.timeoutMs });
    return new JetStreamLedger(nc, js, jsm, await SnapshotStore.open(js, jsm, opts.replicas), opts);
  }

  get lastSequence(): number {
    return this.last;
  }

  owns(agent: string): boolean {
    return this.owned.has(agent);
  }

  /**
   * Fences the agent's subject and reads its latest snapshot and every entry after it up to the fence.
   * From now on this instance writes the agent, until `release` or until another instance adopts it.
   */
  async adopt(agent: string): Promise<Recovered> {
    const subject = ledgerSubject(agent);
    const h = headers();
    h.set(FENCE_HEADER, this.opts.instance);
    const fence = (await this.js.publish(subject, undefined, { headers: h })).seq;
    const snap = await this.snapshots.adopt(agent, this.opts.instance);
    const entries: LedgerEntry[] = [];
    const from = (snap?.through ?? 0) + 1;
    if (from < fence) {
      const consumer = await this.js.consumers.get(LEDGER_STREAM, { filter_subjects: subject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
      const messages = await consumer.consume();
      // bounded: a read that stalls (the stream electing a leader) gives up, and the lease is handed back for a retry
      let reached = false;
      const timer = setTimeout(() => messages.stop(), this.opts.timeoutMs);
      try {
        for await (const m of messages) {
          if (m.seq >= fence) {
            reached = true;
            break;
          }
          if (m.headers?.get(FENCE_HEADER)) continue;
          try {
            entries.push(...m.json<LedgerEntry[]>());
          } catch (err) {
            throw new LedgerCorruptError(`${LEDGER_STREAM} message ${m.seq} (${agent}) is not JSON: ${(err as Error).message}`);
          }
        }
      } finally {
        clearTimeout(timer);
        messages.stop();
      }
      if (!reached) throw new LedgerUnavailableError(`${LEDGER_STREAM}: the entries of ${agent} up to ${fence} were not read within ${this.opts.timeoutMs} ms`);
    }
    this.owned.set(agent, fence);
    this.last = Math.max(this.last, fence);
    this.recovered = { state: snap?.state ?? null, entries };
    return this.recovered;
  }

  /** Stops writing the agent (it was handed over, lost, or deleted). */
  release(agent: string): void {
    this.owned.delete(agent);
    this.snapshots.forget(agent);
  }

  async append(entries: readonly LedgerEntry[]): Promise<void> {
    if (this.closed) throw new LedgerUnavailableError('the ledger is closed');
    const byAgent = new Map<string, LedgerEntry[]>();
    for (const e of entries) {
      const id = entryAgent(e);
      // refused, so nothing is applied that a failover would not find (docs/scaling.md: limits)
      if (id === null) throw new LedgerUnavailableError('the kill switch (POST/DELETE /v1/halt) is not replicated in cluster mode yet; pause each agent instead');
      if (!this.owned.has(id) && e.t === 'create' && this.hooks !== null && !(await this.hooks.claim(id))) {
        throw new LedgerUnavailableError(`agent ${id} is owned by another instance`);
      }
      if (!this.owned.has(id)) throw new LedgerUnavailableError(`agent ${id} is not owned by this instance`);
      let list = byAgent.get(id);
      if (list === undefined) byAgent.set(id, (list = []));
      list.push(e);
    }
    const results = await Promise.allSettled([...byAgent].map(async ([agent, list]) => {
      const expected = this.owned.get(agent)!;
      const ack = await this.js.publish(ledgerSubject(agent), JSON.stringify(list), { expect: { lastSubjectSequence: expected } });
      // a release while the publish was in flight is not undone by its acknowledgement
      if (this.owned.get(agent) === expected) this.owned.set(agent, ack.seq);
      this.last = Math.max(this.last, ack.seq);
    }));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      for (const agent of byAgent.keys()) {
        this.owned.delete(agent);
        this.hooks?.stale(agent);
      }
      const message = (failed.reason as Error).message;
      throw new LedgerUnavailableError(`${LEDGER_STREAM}: ${/wrong last sequence/i.test(message) ? 'another instance took over the agent (fenced)' : message}`);
    }
    for (const e of entries) if (e.t === 'delete') this.hooks?.deleted(e.id);
  }

  /** One snapshot per adopted agent: its part of `state`, after the last entry of its subject written so far. */
  async snapshot(state: LedgerState): Promise<void> {
    const writes = [...this.owned].map(([agent, through]) => {
      const own: LedgerState = {
        agents: state.agents.filter((a) => a.id === agent),
        configured: (state.configured ?? []).filter((id) => id === agent),
      };
      return this.snapshots.write(agent, { through, state: own }).catch((err: unknown) => {
        // another instance adopted it: given up here, as a fenced append is
        if (err instanceof SnapshotFencedError && this.owned.get(agent) === through) {
          this.owned.delete(agent);
          this.hooks?.stale(agent);
        }
        throw err;
      });
    });
    const failed = (await Promise.allSettled(writes)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw new LedgerUnavailableError(`${SNAPSHOT_STREAM}: ${(failed.reason as Error).message}`);
  }

  /** What the last `adopt` read. */
  replay(): Recovered {
    return this.recovered;
  }

  /** The connection is the cluster node's; closing the ledger only stops its writes. */
  close(): Promise<void> {
    this.closed = true;
    this.owned.clear();
    return Promise.resolve();
  }

  get connection(): NatsConnection {
    return this.nc;
  }
}
