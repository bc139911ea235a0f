/**
 * Packs and pack indexes: how objects travel and rest on a remote (docs/format/remote.md).
 *
 * A pack is a header and entries (kind, flags, id, raw length, stored length, bytes), each entry's
 * bytes zstd-compressed when that saves at least 10%. Its index lists every entry sorted by id with
 * the offset and length of its bytes, so a fetch can take one object with one ranged GET. Both are
 * immutable and named by the BLAKE3 of the pack; a pack counts as published once its index exists.
 */
import {BlError} from '../errors.js'
import {hashBytes, hashHex, type Oid} from '../hash.js'
import {Reader, Writer} from '../objects/bytes.js'
import {compress, decompress} from '../compress.js'

export type PackKind = 'chunk' | 'blob' | 'tree' | 'commit'
const KIND_CODE: Record<PackKind, number> = {chunk: 0, blob: 1, tree: 2, commit: 3}
const KIND_OF: readonly PackKind[] = ['chunk', 'blob', 'tree', 'commit']

const PACK_MAGIC = Buffer.from('BLPK')
const IDX_MAGIC = Buffer.from('BLIX')
const VERSION = 1
export const FLAG_ZSTD = 1

/** Objects larger than this never travel (a chunk is at most 1 MiB; trees and records far less). */
export const MAX_OBJECT = 64 * 1024 * 1024

export interface IdxEntry {
  id: Oid
  kind: PackKind
  flags: number
  /** Offset of the stored bytes in the pack. */
  offset: number
  storedLen: number
  rawLen: number
}

export interface PackIndex {
  pack: Oid
  packSize: number
  entries: IdxEntry[]
}

function bad(what: string, detail: string): BlError {
  return new BlError('CORRUPT_REMOTE', `corrupt ${what} on the remote: ${detail}`, {hint: 'Nothing corrupted was stored locally. In a repository that uses this remote, `bl fsck --remote --read-data` lists every damaged object; restore them from a backup or a clone that has the data.', data: {what}})
}

/**
 * Builds one pack in memory (bounded by the caller's size limit). Each object is copied into the
 * pack's buffer as it is added, so the writer holds no views of its inputs: a chunk read from the
 * store is a view of a whole 4 MiB segment, and a pack of small chunks that kept those views kept
 * every segment they came from alive until the upload finished.
 */
export class PackWriter {
  private buf: Buffer
  private size = 0
  private readonly entries: IdxEntry[] = []

  /**
   * `into`: the buffer to lay the pack out in (an uploader reuses its buffers: a fresh 8 MiB one
   * per pack costs page faults on every 4 KiB here); it is replaced by a bigger one if the pack
   * outgrows it.
   */
  constructor(into?: Buffer) {
    this.buf = into ?? Buffer.allocUnsafe(64 * 1024)
    this.put(PACK_MAGIC)
    this.put(Uint8Array.of(VERSION))
  }

  get bytes(): number {
    return this.size
  }

  get count(): number {
    return this.entries.length
  }

  /** The buffer the pack is laid out in (hand it to the next writer once the pack is sent). */
  get buffer(): Buffer {
    return this.buf
  }

  private put(bytes: Uint8Array): void {
    const need = this.size + bytes.length
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2))
      bigger.set(this.buf.subarray(0, this.size))
      this.buf = bigger
    }
    this.buf.set(bytes, this.size)
    this.size = need
  }

  /**
   * Adds an object; chunks are compressed when zstd saves >= 10%. A big chunk whose first 16 KiB
   * do not shrink by 5% (images, archives, random data) is not tried whole: that cost ~0.3 s of
   * CPU per GiB for nothing.
   */
  add(kind: PackKind, id: Oid, raw: Uint8Array, tryCompress = kind === 'chunk'): void {
    let stored: Uint8Array = raw
    let flags = 0
    if (tryCompress && raw.length >= 512 && !incompressible(raw)) {
      const c = compress(raw)
      if (c && c.length <= raw.length * 0.9) {
        stored = c
        flags |= FLAG_ZSTD
      }
    }
    const head = new Writer(48).u8(KIND_CODE[kind]).u8(flags).id(id).uvar(raw.length).uvar(stored.length).finish()
    this.put(head)
    const offset = this.size
    this.put(stored)
    this.entries.push({id, kind, flags, offset, storedLen: stored.length, rawLen: raw.length})
  }

  /** The pack's bytes (a view of `buffer`), its id (BLAKE3 of the bytes) and its index. */
  finish(): {bytes: Buffer; index: PackIndex} {
    const bytes = this.buf.subarray(0, this.size)
    const pack = hashHex(bytes)
    const entries = [...this.entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    return {bytes, index: {pack, packSize: bytes.length, entries}}
  }
}

const SAMPLE = 16 * 1024

/** A chunk worth no whole compression try: its first 16 KiB shrink by less than 5%. */
function incompressible(raw: Uint8Array): boolean {
  if (raw.length < 4 * SAMPLE) return false
  const c = compress(raw.subarray(0, SAMPLE))
  return c !== null && c.length > SAMPLE * 0.95
}

export function encodeIdx(idx: PackIndex): Buffer {
  const w = new Writer(64 + idx.entries.length * 48)
  w.raw(IDX_MAGIC).u8(VERSION).id(idx.pack).uvar(idx.packSize).uvar(idx.entries.length)
  for (const e of idx.entries) w.id(e.id).u8(KIND_CODE[e.kind]).u8(e.flags).uvar(e.offset).uvar(e.storedLen).uvar(e.rawLen)
  return w.finish()
}

export function decodeIdx(bytes: Uint8Array, name: string): PackIndex {
  try {
    const r = new Reader(bytes, `pack index ${name}`)
    for (const b of IDX_MAGIC) if (r.u8() !== b) throw bad(`pack index ${name}`, 'bad magic')
    if (r.u8() !== VERSION) throw bad(`pack index ${name}`, 'unknown version')
    const pack = r.id() as Oid
    const packSize = r.uvar()
    const n = r.uvar()
    if (n > bytes.length / 35) throw bad(`pack index ${name}`, 'entry count exceeds the file')
    const entries: IdxEntry[] = []
    let prev = ''
    for (let i = 0; i < n; i++) {
      const id = r.id() as Oid
      const kind = KIND_OF[r.u8()]
      const flags = r.u8()
      const offset = r.uvar()
      const storedLen = r.uvar()
      const rawLen = r.uvar()
      if (!kind) throw bad(`pack index ${name}`, 'unknown object kind')
      if (id <= prev) throw bad(`pack index ${name}`, 'entries not sorted')
      if ((flags & ~FLAG_ZSTD) !== 0) throw bad(`pack index ${name}`, 'unknown flags')
      if (offset + storedLen > packSize || rawLen > MAX_OBJECT || storedLen > MAX_OBJECT) throw bad(`pack index ${name}`, 'entry outside its pack')
      prev = id
      entries.push({id, kind, flags, offset, storedLen, rawLen})
    }
    r.end()
    return {pack, packSize, entries}
  } catch (err) {
    if (err instanceof BlError && err.code === 'CORRUPT_OBJECT') throw bad(`pack index ${name}`, err.message)
    throw err
  }
}

/**
 * The raw bytes of one entry from its stored bytes, verified: chunks, trees and commits against
 * their id. Blob records are keyed by the file's hash and are checked when the file is read.
 */
export function entryBytes(e: IdxEntry, stored: Uint8Array): Buffer {
  if (stored.length !== e.storedLen) throw bad(`object ${e.id}`, `expected ${e.storedLen} bytes, got ${stored.length}`)
  let raw: Buffer
  if (e.flags & FLAG_ZSTD) {
    try {
      raw = decompress(stored, e.rawLen)
    } catch (err) {
      throw bad(`object ${e.id}`, `cannot decompress (${(err as Error).message})`)
    }
  } else raw = Buffer.from(stored.buffer, stored.byteOffset, stored.length)
  if (raw.length !== e.rawLen) throw bad(`object ${e.id}`, `expected ${e.rawLen} bytes after decompression, got ${raw.length}`)
  if (e.kind !== 'blob' && hashBytes(raw).toString('hex') !== e.id) throw bad(`object ${e.id}`, 'its bytes do not match its id')
  return raw
}
