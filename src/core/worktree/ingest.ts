/**
 * The write path: one read pass per file feeds the whole-file BLAKE3 (the file id), the
 * content-defined chunker and the per-chunk BLAKE3. New chunks are copied once, into a segment
 * buffer that becomes one SQLite row when full; blob records wait for `flushObjects`, which the
 * caller runs inside the transaction that publishes them (index update or commit).
 */
import fs from 'node:fs'
import {MAX_CHUNK, WasmChunker} from '../chunk.js'
import {BlError, fsError} from '../errors.js'
import {createHasher, hashBytes, hashHex, type Oid} from '../hash.js'
import {encodeBlob, type ChunkRef} from '../objects/blob.js'
import {SEGMENT_MAX, type SqliteObjectStore} from '../store/sqlite-object-store.js'

const READ_BLOCK = 8 * 1024 * 1024

export interface IngestResult {
  id: Oid
  size: number
}

export interface IngestProgress {
  onBytes?(n: number): void
}

export class Ingestor {
  private readonly chunker = new WasmChunker(READ_BLOCK + MAX_CHUNK)
  private segment = Buffer.allocUnsafe(SEGMENT_MAX)
  private segUsed = 0
  private segEntries: Array<{id: Buffer; offset: number; length: number}> = []
  private readonly pendingChunks = new Set<string>()
  private readonly pendingRecords = new Map<Oid, Buffer>()
  bytesRead = 0
  bytesStored = 0

  constructor(private readonly store: SqliteObjectStore, private readonly progress: IngestProgress = {}) {}

  /** Stores a regular file; `path` is for messages. Fails if the file changes while being read. */
  addFile(abs: string, path: string): IngestResult {
    let fd: number
    try {
      fd = fs.openSync(abs, 'r')
    } catch (err) {
      throw fsError(err, path, 'reading')
    }
    try {
      const before = fs.fstatSync(fd, {bigint: true})
      const res = this.readAll(fd, path)
      const after = fs.fstatSync(fd, {bigint: true})
      if (after.size !== before.size || after.mtimeNs !== before.mtimeNs || BigInt(res.size) !== after.size)
        throw new BlError('FILE_CHANGED_DURING_READ', `${path}: changed while bl was reading it`, {hint: 'Run the command again once the file is no longer being written.', data: {path}})
      return res
    } catch (err) {
      throw fsError(err, path, 'reading')
    } finally {
      fs.closeSync(fd)
    }
  }

  private readAll(fd: number, path: string): IngestResult {
    const data = this.chunker.data
    const cap = data.length
    const whole = createHasher()
    const chunks: ChunkRef[] = []
    let fill = 0
    let pos = 0
    let size = 0
    let eof = false
    for (;;) {
      while (!eof && fill < cap) {
        const n = fs.readSync(fd, data, fill, cap - fill, null)
        if (n === 0) eof = true
        else {
          whole.update(data.subarray(fill, fill + n))
          fill += n
          size += n
          this.bytesRead += n
          this.progress.onBytes?.(n)
        }
      }
      let cut: number
      while ((cut = this.chunker.findCut(pos, fill, eof)) !== -1) {
        chunks.push(this.addChunk(data.subarray(pos, cut)))
        pos = cut
      }
      if (eof) break
      data.copyWithin(0, pos, fill)
      fill -= pos
      pos = 0
    }
    void path
    const id = whole.digest().toString('hex') as Oid
    this.addRecord(id, size, chunks)
    return {id, size}
  }

  /** Stores a symbolic link: its target's bytes are the content. */
  addSymlink(target: string): IngestResult {
    const bytes = Buffer.from(target, 'utf8')
    const id = hashHex(bytes)
    this.addRecord(id, bytes.length, bytes.length ? [this.addChunk(bytes)] : [])
    return {id, size: bytes.length}
  }

  /** Stores in-memory bytes as a file (used by tests and for generated content). */
  addBytes(bytes: Uint8Array): IngestResult {
    const data = this.chunker.data
    const whole = hashHex(bytes)
    const chunks: ChunkRef[] = []
    let pos = 0
    while (pos < bytes.length) {
      const n = Math.min(data.length, bytes.length - pos)
      data.set(bytes.subarray(pos, pos + n), 0)
      let p = 0
      let cut: number
      const eof = pos + n === bytes.length
      while ((cut = this.chunker.findCut(p, n, eof)) !== -1) {
        chunks.push(this.addChunk(data.subarray(p, cut)))
        p = cut
      }
      pos += p
      if (p === 0) break
    }
    this.addRecord(whole, bytes.length, chunks)
    return {id: whole, size: bytes.length}
  }

  private addRecord(id: Oid, size: number, chunks: ChunkRef[]): void {
    if (!this.pendingRecords.has(id) && !this.store.hasObject(id)) this.pendingRecords.set(id, encodeBlob({size, chunks}))
  }

  private addChunk(view: Uint8Array): ChunkRef {
    const idBuf = hashBytes(view)
    const id = idBuf.toString('hex')
    if (!this.pendingChunks.has(id) && !this.store.hasChunk(id as Oid)) {
      if (this.segUsed + view.length > SEGMENT_MAX) this.flushSegment()
      this.segment.set(view, this.segUsed)
      this.segEntries.push({id: idBuf, offset: this.segUsed, length: view.length})
      this.segUsed += view.length
      this.pendingChunks.add(id)
      this.bytesStored += view.length
    }
    return {id, len: view.length}
  }

  /** Writes the current segment in its own (non-durable) transaction. */
  private flushSegment(): void {
    if (this.segEntries.length === 0) return
    const used = this.segUsed
    const entries = this.segEntries
    this.store.transaction(() => this.store.putSegment(this.segment.subarray(0, used), entries))
    for (const e of entries) this.pendingChunks.delete(e.id.toString('hex'))
    this.segEntries = []
    this.segUsed = 0
  }

  /**
   * Writes everything still pending: the last segment (own transaction), then the blob records.
   * Call inside the publishing transaction, so records become visible together with what refers
   * to them; chunks are always written before the records that list them.
   */
  flushObjects(): void {
    this.flushSegment()
    for (const [id, bytes] of this.pendingRecords) this.store.putObject(id, 'blob', bytes)
    this.pendingRecords.clear()
  }

  /** Flushes chunk data only (outside any transaction), e.g. before a long computation. */
  flushChunks(): void {
    this.flushSegment()
  }
}

/** Hashes a file without storing it (status, diff against the work tree). */
export function hashFile(abs: string, path: string): IngestResult {
  let fd: number
  try {
    fd = fs.openSync(abs, 'r')
  } catch (err) {
    throw fsError(err, path, 'reading')
  }
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024)
    const h = createHasher()
    let size = 0
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      h.update(buf.subarray(0, n))
      size += n
    }
    return {id: h.digest().toString('hex') as Oid, size}
  } catch (err) {
    throw fsError(err, path, 'reading')
  } finally {
    fs.closeSync(fd)
  }
}
