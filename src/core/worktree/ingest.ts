/**
 * The write path. Files are read once (file-chunker.ts); new chunks are packed into segments,
 * which are written in bulk transactions of ~32 MiB (store.bulkWrite); blob records wait for
 * `flushObjects`, which the caller runs inside the transaction that publishes them (index update
 * or commit), so chunks are always durable before the records that list them.
 *
 * Large batches run the reading/hashing/chunking in a worker thread while this thread writes
 * SQLite: on two cores that roughly halves the time of a big `bl add`.
 */
import fs from 'node:fs'
import {MessageChannel, receiveMessageOnPort, Worker, type MessagePort} from 'node:worker_threads'
import {breather} from '../breather.js'
import {SEGMENT_MAX} from '../chunk.js'
import {BlError} from '../errors.js'
import {createHasher, type IncrementalHasher, type Oid} from '../hash.js'
import {encodeBlob, type ChunkRef} from '../objects/blob.js'
import type {FileProgress} from '../progress.js'
import type {SqliteObjectStore} from '../store/sqlite-object-store.js'
import {FileChunker, SegmentBuilder, withOpenFile} from './file-chunker.js'
import type {WorkerJob, WorkerReply} from './ingest-protocol.js'

export interface IngestResult {
  id: Oid
  size: number
}

/** onFile after each regular file is stored; onBytes as its bytes are read (a big file moves before it is done). */
export interface IngestProgress extends FileProgress {
  onBytes?(n: number): void
}

/** Batches at least this large go through the worker thread. */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024
const MAX_INFLIGHT_SEGMENTS = 3
const JOB_BATCH = 256

/** The worker's built module (package.json "imports": this code is bundled elsewhere, or run from its sources in tests). */
const WORKER_URL = new URL(import.meta.resolve('#ingest-worker'))

type SegEntry = {id: Buffer; offset: number; length: number}

export class Ingestor {
  private chunker: FileChunker | undefined
  private readonly segments: SegmentBuilder
  private readonly pendingChunks = new Set<string>()
  private readonly pendingRecords = new Map<Oid, Buffer>()
  bytesRead = 0
  bytesStored = 0

  constructor(private readonly store: SqliteObjectStore, private readonly progress: IngestProgress = {}) {
    this.segments = new SegmentBuilder(SEGMENT_MAX, (data, entries) => this.writeSegment(data, entries))
  }

  private fileChunker(): FileChunker {
    this.chunker ??= new FileChunker()
    return this.chunker
  }

  /** Stores a regular file on this thread; `path` is for messages. */
  addFile(abs: string, path: string): IngestResult {
    const res = this.fileChunker().chunkFile(abs, path, (id, view) => this.addChunk(id, view), (n) => this.countBytes(n))
    this.addRecord(res.id, res.size, res.chunks)
    this.progress.onFile?.(path, res.size)
    return {id: res.id, size: res.size}
  }

  /**
   * Stores many files; with enough bytes, in a worker thread. Results are in input order.
   * The first file that fails rejects the whole batch (objects already written are harmless).
   */
  async addFiles(files: Array<{abs: string; path: string; size: number}>): Promise<IngestResult[]> {
    const total = files.reduce((s, f) => s + f.size, 0)
    if ((total < PARALLEL_MIN_BYTES && files.length < 2000) || files.length === 0) return this.addFilesHere(files)
    return this.addFilesInWorker(files)
  }

  private async addFilesHere(files: Array<{abs: string; path: string}>): Promise<IngestResult[]> {
    const breathe = breather()
    const results: IngestResult[] = []
    for (const f of files) {
      results.push(this.addFile(f.abs, f.path))
      await breathe()
    }
    return results
  }

  /**
   * One worker: SQLite on this thread is the bottleneck for big files, and for many small files a
   * second worker measured no faster (3.3 s for 50,000 files either way) but used ~60 MB more.
   *
   * This thread drains the worker's replies itself (`pumpReplies`) instead of taking them as
   * 'message' events: Node delivers queued messages in one go until the queue is empty, and with
   * SQLite the slower side it never is, so timers and I/O callbacks (the progress view, the
   * background fdatasync) waited for the whole add.
   */
  private async addFilesInWorker(files: Array<{abs: string; path: string}>): Promise<IngestResult[]> {
    const results: IngestResult[] = new Array(files.length)
    // Written segment buffers go back to the worker on their own port, which it reads synchronously.
    const returned = new Int32Array(new SharedArrayBuffer(4))
    const {port1: returns, port2: workerReturns} = new MessageChannel()
    const posted = new Int32Array(new SharedArrayBuffer(4))
    const {port1: replies, port2: workerReplies} = new MessageChannel()
    const worker = new Worker(WORKER_URL, {
      workerData: {returned: returned.buffer, returns: workerReturns, replies: workerReplies, posted: posted.buffer, maxInflight: MAX_INFLIGHT_SEGMENTS},
      transferList: [workerReturns, workerReplies],
    })
    let crashed: BlError | undefined
    const stopped = new Promise<void>((resolve) => {
      worker.on('error', (err) => {
        crashed = new BlError('INTERNAL_ERROR', `ingest worker failed: ${err.message}`, {hint: 'Run again with BL_DEBUG=1 and report it.', cause: err})
        resolve()
      })
      worker.on('exit', () => resolve())
      // Replies come on their own port; one on the worker itself is from a worker built before that.
      worker.once('message', () => {
        crashed = new BlError('INTERNAL_ERROR', 'the ingest worker is from another build of bl', {hint: 'Rebuild (`npm run build`) and run the command again.'})
        resolve()
      })
    })
    const handle = (msg: WorkerReply): boolean => {
      switch (msg.type) {
        case 'segment': {
          this.countBytes(msg.read)
          const data = Buffer.from(msg.buffer, 0, msg.length)
          const entries = msg.entries.map((e) => ({id: Buffer.from(e.id, 'hex'), offset: e.offset, length: e.length}))
          this.writeForeignSegment(data, entries)
          returns.postMessage(msg.buffer, [msg.buffer])
          Atomics.add(returned, 0, 1)
          Atomics.notify(returned, 0)
          return false
        }
        case 'file':
          this.countBytes(msg.read)
          for (const f of msg.files) {
            this.addRecord(f.id as Oid, f.size, f.chunks)
            results[f.seq] = {id: f.id as Oid, size: f.size}
            this.progress.onFile?.(files[f.seq]!.path, f.size)
          }
          return false
        case 'error':
          throw new BlError(msg.code, msg.message, {hint: msg.hint || undefined, data: msg.data})
        case 'done':
          return true
      }
    }
    try {
      // Jobs travel in batches: one message per file costs more than hashing a small file.
      for (let i = 0; i < files.length; i += JOB_BATCH)
        worker.postMessage({type: 'files', files: files.slice(i, i + JOB_BATCH).map((f, k) => ({seq: i + k, abs: f.abs, path: f.path}))} satisfies WorkerJob)
      worker.postMessage({type: 'end'} satisfies WorkerJob)
      await pumpReplies(replies, posted, handle, stopped, () => crashed)
      return results
    } catch (err) {
      throw err instanceof BlError ? err : new BlError('IO_ERROR', (err as Error).message, {cause: err})
    } finally {
      void worker.terminate()
      returns.close()
      replies.close()
    }
  }

  /** Stores a symbolic link: its target's bytes are the content. */
  addSymlink(target: string): IngestResult {
    return this.addBytes(Buffer.from(target, 'utf8'))
  }

  /** Stores in-memory bytes as a file. */
  addBytes(bytes: Uint8Array): IngestResult {
    const res = this.fileChunker().chunkBytes(bytes, (id, view) => this.addChunk(id, view))
    this.addRecord(res.id, res.size, res.chunks)
    return {id: res.id, size: res.size}
  }

  /** Stores a file made of `pieces` in order (each read before the next is asked for). */
  addPieces(pieces: Iterable<Uint8Array>): IngestResult {
    const it = pieces[Symbol.iterator]()
    let cur: Uint8Array | undefined
    let at = 0
    const read = (buf: Uint8Array, off: number, len: number): number => {
      while (!cur || at === cur.length) {
        const next = it.next()
        if (next.done) return 0
        cur = next.value
        at = 0
      }
      const n = Math.min(len, cur.length - at)
      buf.set(cur.subarray(at, at + n), off)
      at += n
      return n
    }
    const res = this.fileChunker().chunkReader(read, (id, view) => this.addChunk(id, view))
    this.addRecord(res.id, res.size, res.chunks)
    return {id: res.id, size: res.size}
  }

  private countBytes(n: number): void {
    if (n === 0) return
    this.bytesRead += n
    this.progress.onBytes?.(n)
  }

  private addRecord(id: Oid, size: number, chunks: ChunkRef[]): void {
    if (!this.pendingRecords.has(id) && !this.store.hasObject(id)) this.pendingRecords.set(id, encodeBlob({size, chunks}))
  }

  private isNew(hex: string): boolean {
    return !this.pendingChunks.has(hex) && !this.store.hasChunk(hex as Oid)
  }

  private addChunk(id: Buffer, view: Uint8Array): void {
    const hex = id.toString('hex')
    if (!this.isNew(hex)) return
    this.pendingChunks.add(hex)
    this.segments.add(id, view)
  }

  private writeSegment(data: Buffer, entries: SegEntry[]): void {
    this.store.bulkWrite(data.length, () => this.store.putSegment(data, entries))
    for (const e of entries) this.pendingChunks.delete(e.id.toString('hex'))
    this.bytesStored += data.length
  }

  /** A segment built by the worker: drop chunks the store already has before writing it. */
  private writeForeignSegment(data: Buffer, entries: SegEntry[]): void {
    const fresh = entries.filter((e) => this.isNew(e.id.toString('hex')))
    if (fresh.length === entries.length) return this.writeSegment(data, entries)
    for (const e of fresh) this.addChunk(e.id, data.subarray(e.offset, e.offset + e.length))
  }

  /** Writes the last segment and commits the chunk data. Call before the publishing transaction. */
  finishChunks(): void {
    this.segments.flush()
    this.store.endBulk()
  }

  /**
   * Writes the blob records (after `finishChunks`). Call inside the transaction that publishes
   * them, so a record is never visible before the chunks it lists are committed.
   */
  flushObjects(): void {
    this.segments.flush()
    for (const [id, bytes] of this.pendingRecords) this.store.putObject(id, 'blob', bytes)
    this.pendingRecords.clear()
  }
}

/**
 * hashFile's read buffer and hasher, one of each for the process (hashFile is synchronous). A new
 * 1 MiB buffer and native hasher per file made a status that re-hashes 50,000 small files
 * allocate 50 GiB of short-lived buffers, and the hashers' native memory, which V8 does not see,
 * piled up until a garbage collection.
 */
let hashState: {buf: Buffer; hasher: IncrementalHasher} | undefined

/** Hashes a file without storing it (status, diff against the work tree). */
export function hashFile(abs: string, path: string): IngestResult {
  return withOpenFile(abs, path, (fd) => {
    const {buf, hasher: h} = (hashState ??= {buf: Buffer.allocUnsafe(1024 * 1024), hasher: createHasher()})
    h.reset()
    let size = 0
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      h.update(buf.subarray(0, n))
      size += n
    }
    return {id: h.digest().toString('hex') as Oid, size}
  })
}

/** Atomics.waitAsync (Node >= 16; TypeScript types it from lib es2024, newer than this project's target). */
const waitAsync = (Atomics as unknown as {waitAsync(a: Int32Array, i: number, v: number, ms: number): {async: boolean; value: Promise<string> | string}}).waitAsync.bind(Atomics)

/**
 * Hands the worker's replies to `handle` in order until it returns true (done), letting the event
 * loop turn every ~20 ms of work (breather) and while the queue is empty. `posted` counts the
 * replies sent, so an empty queue is waited for with Atomics.waitAsync, which also lets the loop
 * run. Rejects with what `handle` throws, or with the worker's crash once it stopped.
 */
async function pumpReplies(port: MessagePort, posted: Int32Array, handle: (msg: WorkerReply) => boolean, stopped: Promise<void>, crashed: () => BlError | undefined): Promise<void> {
  const breathe = breather()
  let ended = false
  void stopped.then(() => (ended = true))
  for (;;) {
    // Read the counter before polling: the worker bumps it after posting, so a reply that misses
    // this poll has changed it and the wait below returns at once (no lost wakeup, no spinning).
    const seen = Atomics.load(posted, 0)
    const got = receiveMessageOnPort(port)
    if (got) {
      if (handle(got.message as WorkerReply)) return
      await breathe()
      continue
    }
    // Replies posted before the worker stopped are all queued by now, so none is lost here.
    if (ended) throw crashed() ?? new BlError('INTERNAL_ERROR', 'the ingest worker stopped before it finished', {hint: 'Run again with BL_DEBUG=1 and report it.'})
    const wait = waitAsync(posted, 0, seen, 1000)
    if (wait.async) await Promise.race([wait.value, stopped])
  }
}
