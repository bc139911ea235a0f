/**
 * Reads one file in a single pass that feeds the whole-file BLAKE3 (the file id), the
 * content-defined chunker and the per-chunk BLAKE3. Pure: no store. Used on the main thread and
 * inside the ingest worker.
 */
import fs from 'node:fs'
import {MAX_CHUNK, WasmChunker} from '../chunk.js'
import {BlError, fsError} from '../errors.js'
import {createHasher, hashBytes, type Oid} from '../hash.js'
import type {ChunkRef} from '../objects/blob.js'

export const READ_BLOCK = 8 * 1024 * 1024

export interface ChunkedFile {
  id: Oid
  size: number
  chunks: ChunkRef[]
}

/** Opens `abs` for reading, runs `fn`, closes it; file-system errors become typed errors naming `path`. */
export function withOpenFile<T>(abs: string, path: string, fn: (fd: number) => T): T {
  let fd: number
  try {
    fd = fs.openSync(abs, 'r')
  } catch (err) {
    throw fsError(err, path, 'reading')
  }
  try {
    return fn(fd)
  } catch (err) {
    // Only the file's own errors name the file. A store error from a callback (SQLITE_BUSY when
    // another process holds the lock, a full disk) keeps its meaning: it was reported as an I/O
    // error reading the file (exit 8) instead of "repository busy" (exit 7).
    if (!(err instanceof BlError) && (err as NodeJS.ErrnoException)?.syscall === undefined) throw err
    throw fsError(err, path, 'reading')
  } finally {
    fs.closeSync(fd)
  }
}

export class FileChunker {
  private readonly chunker = new WasmChunker(READ_BLOCK + MAX_CHUNK)
  private readonly whole = createHasher()

  /**
   * Chunks the file at `abs`; `onChunk` gets each chunk's id and a view that is only valid during
   * the call. Fails with FILE_CHANGED_DURING_READ if the file changes while it is read.
   */
  chunkFile(abs: string, path: string, onChunk: (id: Buffer, view: Uint8Array) => void, onBytes?: (n: number) => void): ChunkedFile {
    return withOpenFile(abs, path, (fd) => {
      const before = fs.fstatSync(fd)
      const res = this.readAll(fd, before.size, onChunk, onBytes)
      const after = fs.fstatSync(fd)
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || res.size !== after.size)
        throw new BlError('FILE_CHANGED_DURING_READ', `${path}: changed while bl was reading it`, {hint: 'Run the command again once the file is no longer being written.', data: {path}})
      return res
    })
  }

  /** Chunks bytes already in memory. */
  chunkBytes(bytes: Uint8Array, onChunk: (id: Buffer, view: Uint8Array) => void): ChunkedFile {
    let pos = 0
    const src = {
      read: (buf: Uint8Array, off: number, len: number): number => {
        const n = Math.min(len, bytes.length - pos)
        buf.set(bytes.subarray(pos, pos + n), off)
        pos += n
        return n
      },
    }
    return this.run(src.read, onChunk)
  }

  /** Chunks the bytes `read` gives (as read(2): 0 at the end), e.g. a merge's output. */
  chunkReader(read: (buf: Uint8Array, off: number, len: number) => number, onChunk: (id: Buffer, view: Uint8Array) => void): ChunkedFile {
    return this.run(read, onChunk)
  }

  /**
   * Reads until `expected` bytes (the size fstat gave) or end of file, whichever comes first: no
   * extra read() only to see end of file (half of the reads of 50,000 small files). A file that
   * grew or shrank meanwhile has a size other than `expected` afterwards, which chunkFile reports.
   */
  private readAll(fd: number, expected: number, onChunk: (id: Buffer, view: Uint8Array) => void, onBytes?: (n: number) => void): ChunkedFile {
    return this.run((buf, off, len) => fs.readSync(fd, buf, off, len, null), onChunk, onBytes, expected)
  }

  private run(read: (buf: Uint8Array, off: number, len: number) => number, onChunk: (id: Buffer, view: Uint8Array) => void, onBytes?: (n: number) => void, expected = Infinity): ChunkedFile {
    const data = this.chunker.data
    const cap = data.length
    const whole = this.whole
    whole.reset()
    const chunks: ChunkRef[] = []
    let fill = 0
    let pos = 0
    let size = 0
    let eof = false
    for (;;) {
      while (!eof && fill < cap) {
        const n = read(data, fill, cap - fill)
        if (n === 0) eof = true
        else {
          whole.update(data.subarray(fill, fill + n))
          fill += n
          size += n
          onBytes?.(n)
          if (size >= expected) eof = true
        }
      }
      let cut: number
      while ((cut = this.chunker.findCut(pos, fill, eof)) !== -1) {
        const view = data.subarray(pos, cut)
        // A file that is one chunk: its chunk id is its file id, hashed once.
        const single = eof && pos === 0 && cut === fill && chunks.length === 0
        const id = single ? whole.digest() : hashBytes(view)
        onChunk(id, view)
        chunks.push({id: id.toString('hex'), len: view.length})
        pos = cut
      }
      if (eof) break
      data.copyWithin(0, pos, fill)
      fill -= pos
      pos = 0
    }
    const id = chunks.length === 1 && chunks[0]!.len === size ? chunks[0]!.id : whole.digest().toString('hex')
    return {id: id as Oid, size, chunks}
  }
}

/**
 * Packs chunks into segment buffers of at most `max` bytes; `onFull` receives each full one.
 * `nextBuffer` supplies the buffer for the next segment once one is handed over: the main thread
 * reuses one buffer (its segments are written synchronously), the worker reuses the few buffers
 * the main thread sends back (a fresh zeroed 4 MiB buffer per segment cost ~10% of a big add in
 * page faults).
 */
export class SegmentBuilder {
  private buf: Buffer
  private used = 0
  private entries: Array<{id: Buffer; offset: number; length: number}> = []

  constructor(
    private readonly max: number,
    private readonly onFull: (data: Buffer, entries: Array<{id: Buffer; offset: number; length: number}>) => void,
    private readonly nextBuffer?: () => Buffer,
  ) {
    this.buf = nextBuffer ? nextBuffer() : Buffer.allocUnsafe(max)
  }

  add(id: Buffer, view: Uint8Array): void {
    if (this.used + view.length > this.max) this.flush()
    this.buf.set(view, this.used)
    this.entries.push({id, offset: this.used, length: view.length})
    this.used += view.length
  }

  /** Hands over the current segment; `onFull` must be done with it before the builder reuses it. */
  flush(): void {
    if (this.entries.length === 0) return
    const data = this.buf.subarray(0, this.used)
    const entries = this.entries
    this.used = 0
    this.entries = []
    this.onFull(data, entries)
    if (this.nextBuffer) this.buf = this.nextBuffer()
  }
}
