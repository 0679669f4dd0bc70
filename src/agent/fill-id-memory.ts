/**
 * The fill ids an agent has applied, the newest `capacity` of them, each with
 * the fingerprint of what it carried (fill-fingerprint.ts), so a retry is told
 * from a reused id. Oldest forgotten first.
 *
 * Hand-written rather than a `Map`, because it sits on the fill's hot path and
 * a `Map` there was measured to stall it (bench/README.md, benchmark 6): V8
 * rehashes a growing `Map` whole at every power of two (10–150 ms at 4,096 …
 * 131,072 ids under load), and once full, deletes leave holes that force a
 * whole rehash again every few tens of thousands of fills. Here the hash table
 * is sized once for `capacity` (load ≤ 1/2, linear probing, backward-shift
 * deletion, so no tombstones and never a rehash), and the ring of ids grows in
 * fixed chunks of 4,096 that are never copied. The hash is seeded per process,
 * so ids chosen to collide cannot be prepared in advance.
 */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
const SEED = (Math.random() * 0x1_0000_0000) | 0;

/** FNV-1a over the UTF-16 units from a per-process basis, then murmur3's finaliser so every bit reaches the low ones. */
function hashId(s: string): number {
  let h = SEED ^ 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class FillIdMemory {
  readonly capacity: number;
  private readonly mask: number;
  /** the table: ring position + 1 of the id stored at each slot, 0 for an empty slot */
  private readonly table: Int32Array;
  /** the ring, by position: each id's hash, and the ids and fingerprints in chunks allocated as reached */
  private readonly hashes: Int32Array;
  private readonly ids: string[][] = [];
  private readonly prints: string[][] = [];
  /** where the next id goes: the oldest one once the ring is full */
  private head = 0;
  private count = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
    this.capacity = capacity;
    let size = 2;
    while (size < 2 * capacity) size *= 2;
    this.mask = size - 1;
    this.table = new Int32Array(size);
    this.hashes = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The fingerprint remembered with `id`, or undefined when the id is not (or no longer) remembered. */
  fingerprintOf(id: string): string | undefined {
    const p = this.find(id, hashId(id));
    return p < 0 ? undefined : this.prints[p >> CHUNK_BITS]![p & CHUNK_MASK]!;
  }

  /** Remembers `id` (not remembered now) as the newest, forgetting the oldest when full. */
  remember(id: string, fingerprint: string): void {
    const p = this.head;
    if (this.count === this.capacity) this.unlink(p);
    else this.count++;
    const c = p >> CHUNK_BITS;
    if (c === this.ids.length) {
      this.ids.push(new Array<string>(CHUNK).fill(''));
      this.prints.push(new Array<string>(CHUNK).fill(''));
    }
    const h = hashId(id);
    this.ids[c]![p & CHUNK_MASK] = id;
    this.prints[c]![p & CHUNK_MASK] = fingerprint;
    this.hashes[p] = h;
    const mask = this.mask;
    let i = h & mask;
    while (this.table[i] !== 0) i = (i + 1) & mask;
    this.table[i] = p + 1;
    this.head = p + 1 === this.capacity ? 0 : p + 1;
  }

  /** The ids oldest first, and their fingerprints in the same order (for a snapshot). */
  entries(): { ids: string[]; fingerprints: string[] } {
    const ids: string[] = [];
    const fingerprints: string[] = [];
    for (let k = 0; k < this.count; k++) {
      let p = this.head - this.count + k;
      if (p < 0) p += this.capacity;
      ids.push(this.ids[p >> CHUNK_BITS]![p & CHUNK_MASK]!);
      fingerprints.push(this.prints[p >> CHUNK_BITS]![p & CHUNK_MASK]!);
    }
    return { ids, fingerprints };
  }

  /** A memory of `capacity` holding the newest of these ids, oldest first (this one when the size is unchanged). */
  resized(capacity: number): FillIdMemory {
    if (capacity === this.capacity) return this;
    const next = new FillIdMemory(capacity);
    const { ids, fingerprints } = this.entries();
    for (let k = Math.max(0, ids.length - capacity); k < ids.length; k++) next.remember(ids[k]!, fingerprints[k]!);
    return next;
  }

  /** The ring position of `id`, or −1. */
  private find(id: string, h: number): number {
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.table[i]!;
      if (v === 0) return -1;
      const p = v - 1;
      if (this.hashes[p] === h && this.ids[p >> CHUNK_BITS]![p & CHUNK_MASK] === id) return p;
    }
  }

  /**
   * Takes ring position `p` out of the table. Backward-shift deletion: each
   * following entry of the probe run that may move into the hole does, so
   * every lookup still finds its id before an empty slot.
   */
  private unlink(p: number): void {
    const mask = this.mask;
    const t = this.table;
    let hole = this.hashes[p]! & mask;
    while (t[hole] !== p + 1) hole = (hole + 1) & mask;
    for (let j = (hole + 1) & mask; t[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[t[j]! - 1]! & mask;
      // the entry at j may move back to the hole unless its home lies after the hole (in probe order)
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        t[hole] = t[j]!;
        hole = j;
      }
    }
    t[hole] = 0;
  }
}
