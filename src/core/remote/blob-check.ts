/**
 * Checks fetched file records against their content while the chunks arrive. A record is keyed
 * by its file's BLAKE3, and only the whole file's bytes prove it: reading every file back out of
 * the store after the fetch cost a second pass over all the data (~1 s per GiB). Here each record
 * is hashed in chunk order as chunks are stored; a chunk that arrives before its turn is read back
 * from the store when its turn comes (ranges finish out of order, so only a few are). Whatever
 * could not be checked on the way (records whose chunks were all local already) is checked at the
 * end by `finish`, the old way.
 *
 * The same in-order bytes can go to a `ContentSink` (a clone writes the files it will check out
 * while they download, instead of reading them back from the store afterwards).
 */
import type {ContentSink} from '../content-sink.js'
import {BlError} from '../errors.js'
import {createHasher, type IncrementalHasher, type Oid} from '../hash.js'
import type {BlobRecord} from '../objects/blob.js'
import type {SqliteObjectStore} from '../store/sqlite-object-store.js'

/**
 * Records hashed part-way at once (a record waits for a chunk of a range that finished later). The
 * WebAssembly BLAKE3 fallback has 16 incremental hashers in all.
 */
const MAX_ACTIVE = 12

interface Pending {
  id: Oid
  rec: BlobRecord
  /** Index of the next chunk to hash. */
  next: number
  size: number
  hasher?: IncrementalHasher
  /** The sink takes this record's bytes. */
  sunk?: boolean
}

export class BlobCheck {
  /** Chunk id -> the records that list it. */
  private readonly users = new Map<Oid, Pending[]>()
  private readonly open: Pending[] = []
  /** Chunks stored by this fetch so far. */
  private readonly arrived = new Set<Oid>()
  private readonly spare: IncrementalHasher[] = []
  /** Records hashed part-way, each holding a hasher. */
  private active = 0

  constructor(
    private readonly store: SqliteObjectStore,
    /** Chunks this fetch will bring; any other chunk a record lists is in the store already. */
    private readonly incoming: ReadonlySet<Oid>,
    /** Where the bytes of the records in `ids` go too. */
    private readonly sink?: {to: ContentSink; ids: ReadonlySet<Oid>},
  ) {}

  /** A record to check; its chunks must be stored (or arrive) before `finish`. */
  add(id: Oid, rec: BlobRecord): void {
    const p: Pending = {id, rec, next: 0, size: 0}
    this.open.push(p)
    for (const c of new Set(rec.chunks.map((c) => c.id as Oid))) {
      const list = this.users.get(c)
      if (list) list.push(p)
      else this.users.set(c, [p])
    }
  }

  /** A verified chunk was stored: feed every record whose turn it is. `data` is read only now. */
  stored(id: Oid, data: Uint8Array): void {
    this.arrived.add(id)
    for (const p of this.users.get(id) ?? []) this.advance(p, id, data)
  }

  private available(c: Oid): boolean {
    return this.arrived.has(c) || !this.incoming.has(c)
  }

  private advance(p: Pending, id: Oid, data: Uint8Array): void {
    if (p.next === Infinity) return
    const chunks = p.rec.chunks
    while (p.next < chunks.length) {
      const c = chunks[p.next]!.id as Oid
      if (c !== id && !this.available(c)) return
      if (!p.hasher) {
        // Too many records part-way: this one starts later (at its next chunk, or in finish).
        if (this.active >= MAX_ACTIVE) return
        this.active++
        p.hasher = this.spare.pop() ?? createHasher()
        if (this.sink?.ids.has(p.id)) p.sunk = this.sink.to.begin(p.id)
      }
      const bytes = c === id ? data : this.read(c)
      p.hasher.update(bytes)
      if (p.sunk) this.sink!.to.write(p.id, bytes)
      p.size += bytes.length
      p.next++
    }
    this.settle(p)
  }

  private release(p: Pending, h: IncrementalHasher): void {
    if (p.hasher) this.active--
    h.reset()
    this.spare.push(h)
    p.hasher = undefined
  }

  private read(c: Oid): Buffer {
    const data = this.store.getChunk(c)
    if (!data) throw new BlError('MISSING_OBJECT', `chunk ${c} is missing from the local store`, {hint: 'Run `bl fsck`; the repository is incomplete.', data: {id: c}})
    return data
  }

  /** A record hashed to its end: it must name its content, or nothing of it is stored. */
  private settle(p: Pending): void {
    const h = p.hasher ?? this.spare.pop() ?? createHasher()
    const ok = p.size === p.rec.size && h.digest().toString('hex') === p.id
    this.release(p, h)
    p.next = Infinity
    if (p.sunk) this.sink!.to.end(p.id, ok)
    p.sunk = false
    if (!ok) throw new BlError('CORRUPT_REMOTE', `file record ${p.id} on the remote does not match its content`, {hint: 'Nothing was stored; the remote holds a damaged or forged record.', data: {id: p.id}})
  }

  /**
   * Checks what the chunks' arrival did not reach (records of local chunks only, an empty file).
   * Records some of whose chunks never came (a lazy fetch) stay unchecked: they are checked when
   * their content is read.
   */
  finish(): void {
    // Anything part-way starts over here, one record at a time, so no hasher is held across records.
    this.dispose()
    for (const p of this.open) {
      if (p.next === Infinity) continue
      if (!p.rec.chunks.every((c) => this.available(c.id as Oid) && (this.arrived.has(c.id as Oid) || this.store.hasChunk(c.id as Oid)))) continue
      this.advance(p, '' as Oid, new Uint8Array(0))
      if (p.next !== Infinity) throw new Error(`internal: file record ${p.id} was not checked`)
    }
  }

  /**
   * Gives back the hashers of records hashed part-way and tells the sink to drop them. Called by
   * finish, and after a failed fetch (the WebAssembly hashers are a process-wide pool).
   */
  dispose(): void {
    for (const p of this.open) {
      if (p.next === Infinity || !p.hasher) continue
      if (p.sunk) this.sink!.to.end(p.id, false)
      p.sunk = false
      this.release(p, p.hasher)
      p.next = 0
      p.size = 0
    }
  }
}
