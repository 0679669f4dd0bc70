/**
 * Snapshots of the JetStream ledger, one per agent, of any size.
 *
 * A busy agent's snapshot is megabytes (it remembers up to `fillIdMemory`
 * fill ids with fingerprints: ~5 MB of JSON at 100,000), over NATS's maximum
 * payload (1 MiB by default), so the body is an object of JetStream's Object
 * Store (bucket MM_SNAPSHOT_BODIES, chunked by the library, checked by its
 * SHA-256 digest on read) and the one message on `mm.snap.<agent>` (stream
 * MM_SNAPSHOTS, one message per subject) is a small pointer to it. Chunking by
 * hand into messages with a manifest would re-implement what the Object Store
 * is made for.
 *
 * Fencing: the pointer is only ever written with the subject's last sequence
 * the writer knows (Nats-Expected-Last-Subject-Sequence). Adopting an agent
 * re-publishes the pointer it read (a fence), so a deposed owner's next pointer
 * is refused; the deposed owner's object was written under a name of its own
 * and is deleted again. Object names hold the ledger sequence the snapshot
 * includes and the pointer sequence it replaces, so no two writers (nor two
 * snapshots of one writer) share a name and nobody overwrites a body another
 * pointer names.
 *
 * Two bodies are kept per agent (the pointer's and the previous one), as the
 * SQLite ledger keeps two snapshots: a reader that read the previous pointer
 * is not left without its body. A writer that dies between the object and
 * the pointer leaves that one object behind (one per such crash).
 */
import { headers } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { ensureStream } from '../cluster/nats.js';
import { SNAPSHOT_BUCKET, snapshotSubject, SNAPSHOT_STREAM, token } from '../cluster/subjects.js';
import { LedgerCorruptError, type LedgerState } from './ledger.js';

/** header of a pointer re-published by an adopting instance (its value names the instance) */
const FENCE_HEADER = 'Mm-Fence';

export interface StoredSnapshot {
  /** the stream sequence of the last entry of the agent the state includes (0: none) */
  through: number;
  state: LedgerState;
}

/** the message on `mm.snap.<agent>`; a message of the former format holds `state` itself */
interface Pointer {
  through: number;
  /** the object holding the StoredSnapshot */
  object: string;
  /** the object of the pointer this one replaced, kept until the next snapshot */
  previous: string | null;
}

/** what the owner knows of the agent's pointer */
interface Known {
  /** its sequence in MM_SNAPSHOTS (0: none yet) */
  seq: number;
  pointer: Pointer | null;
}

/** Another instance has adopted the agent: its snapshot pointer was re-published since this one read it. */
export class SnapshotFencedError extends Error {
  override readonly name = 'SnapshotFencedError';
}

const FENCE_ATTEMPTS = 5;
const isWrongSequence = (err: unknown): boolean => /wrong last sequence/i.test((err as Error).message);

export class SnapshotStore {
  private readonly known = new Map<string, Known>();
  /** one write at a time per agent: two would expect the same pointer sequence and one would look fenced */
  private readonly writing = new Map<string, Promise<void>>();

  private constructor(private readonly js: JetStreamClient, private readonly jsm: JetStreamManager, private readonly bodies: ObjectStore) {}

  static async open(js: JetStreamClient, jsm: JetStreamManager, replicas: number): Promise<SnapshotStore> {
    await ensureStream(jsm, { name: SNAPSHOT_STREAM, subjects: ['mm.snap.>'], num_replicas: replicas, max_msgs_per_subject: 1 });
    const bodies = await new Objm(js).create(SNAPSHOT_BUCKET, { replicas });
    return new SnapshotStore(js, jsm, bodies);
  }

  /**
   * Fences the agent's pointer (re-publishes it, so that a pointer write of a previous owner is refused
   * from now on) and reads the snapshot it names. Retried while another writer gets in between.
   */
  async adopt(agent: string, instance: string): Promise<StoredSnapshot | null> {
    const subject = snapshotSubject(agent);
    for (let attempt = 1; ; attempt++) {
      const stored = await this.jsm.streams.getMessage(SNAPSHOT_STREAM, { last_by_subj: subject });
      const h = headers();
      h.set(FENCE_HEADER, instance);
      try {
        const ack = await this.js.publish(subject, stored?.data ?? new Uint8Array(0), { headers: h, expect: { lastSubjectSequence: stored?.seq ?? 0 } });
        const body = stored === null || stored.data.length === 0 ? null : this.parse<Pointer & { state?: LedgerState }>(stored.data, `${SNAPSHOT_STREAM} message ${stored.seq} (${agent})`);
        if (body?.state !== undefined) {
          // the former format: the state in the message itself; the next snapshot replaces it with a pointer
          this.known.set(agent, { seq: ack.seq, pointer: null });
          return { through: body.through, state: body.state };
        }
        this.known.set(agent, { seq: ack.seq, pointer: body });
        return body === null ? null : await this.read(agent, body);
      } catch (err) {
        if (!isWrongSequence(err) || attempt === FENCE_ATTEMPTS) throw err;
      }
    }
  }

  forget(agent: string): void {
    this.known.delete(agent);
  }

  /** Writes the body, then the pointer; throws SnapshotFencedError when another instance has adopted the agent. */
  write(agent: string, snap: StoredSnapshot): Promise<void> {
    const run = (this.writing.get(agent) ?? Promise.resolve()).catch(() => {}).then(() => this.writeNow(agent, snap));
    this.writing.set(agent, run);
    return run.finally(() => {
      if (this.writing.get(agent) === run) this.writing.delete(agent);
    });
  }

  private async writeNow(agent: string, snap: StoredSnapshot): Promise<void> {
    const known = this.known.get(agent);
    if (known === undefined) throw new SnapshotFencedError(`${agent} is not adopted here`);
    // nothing appended since the snapshot the pointer names: a rewrite of megabytes would change nothing
    if (known.pointer?.through === snap.through) return;
    const name = `${token(agent)}/${snap.through}/${known.seq}`;
    await this.bodies.putBlob({ name }, new TextEncoder().encode(JSON.stringify(snap)));
    const pointer: Pointer = { through: snap.through, object: name, previous: known.pointer?.object ?? null };
    let seq: number;
    try {
      seq = (await this.js.publish(snapshotSubject(agent), JSON.stringify(pointer), { expect: { lastSubjectSequence: known.seq } })).seq;
    } catch (err) {
      if (!isWrongSequence(err)) throw err;
      // no pointer names it, nor ever will
      await this.bodies.delete(name).catch(() => {});
      if (this.known.get(agent) === known) this.known.delete(agent);
      throw new SnapshotFencedError(`the snapshot of ${agent} is written by another instance now (fenced)`);
    }
    if (this.known.get(agent) === known) this.known.set(agent, { seq, pointer });
    // keep two bodies: the new one and the one the replaced pointer named
    if (known.pointer?.previous) await this.bodies.delete(known.pointer.previous);
  }

  private async read(agent: string, pointer: Pointer): Promise<StoredSnapshot> {
    const data = await this.bodies.getBlob(pointer.object);
    if (data === null) throw new LedgerCorruptError(`the snapshot of ${agent} names object ${pointer.object}, which ${SNAPSHOT_BUCKET} does not hold`);
    const snap = this.parse<StoredSnapshot>(data, `object ${pointer.object} of ${SNAPSHOT_BUCKET}`);
    if (snap.through !== pointer.through) throw new LedgerCorruptError(`object ${pointer.object} holds the state through ${snap.through}, its pointer says ${pointer.through}`);
    return snap;
  }

  private parse<T>(data: Uint8Array, what: string): T {
    try {
      return JSON.parse(new TextDecoder().decode(data)) as T;
    } catch (err) {
      throw new LedgerCorruptError(`${what} is not JSON: ${(err as Error).message}`);
    }
  }
}
