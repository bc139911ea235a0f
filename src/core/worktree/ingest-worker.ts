/**
 * Worker thread of the parallel write path: reads, hashes and chunks files and sends the chunk
 * bytes back packed in segments, while the main thread writes SQLite. Segment buffers are
 * ordinary ArrayBuffers moved (transferred, not copied) to the main thread and back, so at most
 * MAX_INFLIGHT + 1 exist and memory stays bounded when SQLite is the slower side. (Shared memory
 * would need no transfer, but V8 copies into a SharedArrayBuffer byte-safely at ~2.5 GB/s: a
 * fifth of the worker's time on a big file.)
 */
import {parentPort, receiveMessageOnPort, workerData, type MessagePort} from 'node:worker_threads'
import {BlError} from '../errors.js'
import {SEGMENT_MAX} from '../chunk.js'
import {FileChunker, SegmentBuilder} from './file-chunker.js'
import type {WorkerReply, WorkerJob} from './ingest-protocol.js'

const port = parentPort!
/** Bumped by the main thread after each buffer it sends back on `returns`. */
const returned = new Int32Array(workerData.returned as SharedArrayBuffer)
const returns = workerData.returns as MessagePort
/** Replies go out on their own port; `posted` counts them, so the main thread can wait for the next. */
const replies = workerData.replies as MessagePort
const posted = new Int32Array(workerData.posted as SharedArrayBuffer)
const MAX_BUFFERS = (workerData.maxInflight as number) + 1
let buffers = 0
const chunker = new FileChunker()
const sent = new Set<string>()

/** Bytes read from files since the last reply that carried them. */
let unreported = 0

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  replies.postMessage(msg, transfer)
  Atomics.add(posted, 0, 1)
  Atomics.notify(posted, 0)
}

function takeRead(): number {
  const n = unreported
  unreported = 0
  return n
}

let results: Array<Extract<WorkerReply, {type: 'file'}>['files'][number]> = []

/** File results go out in batches (one message per file costs more than hashing a 4 KiB file). */
function flushResults(): void {
  if (results.length === 0) return
  post({type: 'file', files: results, read: takeRead()})
  results = []
}

const segments = new SegmentBuilder(
  SEGMENT_MAX,
  (data, entries) => {
    flushResults()
    const buffer = data.buffer as ArrayBuffer
    post({type: 'segment', buffer, length: data.length, entries: entries.map((e) => ({id: e.id.toString('hex'), offset: e.offset, length: e.length})), read: takeRead()}, [buffer])
  },
  nextBuffer,
)

/** A buffer for the next segment: a new one while fewer than MAX_BUFFERS exist, else one the main thread is done with. */
function nextBuffer(): Buffer {
  if (buffers < MAX_BUFFERS) {
    buffers++
    return Buffer.from(new ArrayBuffer(SEGMENT_MAX))
  }
  for (;;) {
    // Read the counter before polling: a buffer sent after the poll has bumped it, so the wait returns at once.
    const seen = Atomics.load(returned, 0)
    const msg = receiveMessageOnPort(returns)
    if (msg) return Buffer.from(msg.message as ArrayBuffer)
    Atomics.wait(returned, 0, seen, 1000)
  }
}

port.on('message', (job: WorkerJob) => {
  if (job.type === 'end') {
    segments.flush()
    flushResults()
    post({type: 'done'})
    return
  }
  for (const file of job.files) if (!chunkOne(file)) return
})

/** Chunks one file; false after an error (reported; the main thread then stops everything). */
function chunkOne(job: {seq: number; abs: string; path: string}): boolean {
  try {
    const res = chunker.chunkFile(
      job.abs,
      job.path,
      (id, view) => {
        const hex = id.toString('hex')
        if (sent.has(hex)) return
        sent.add(hex)
        segments.add(id, view)
      },
      (n) => (unreported += n),
    )
    results.push({seq: job.seq, id: res.id, size: res.size, chunks: res.chunks})
    if (results.length >= 256) flushResults()
    return true
  } catch (err) {
    flushResults()
    const e = err instanceof BlError ? err : new BlError('IO_ERROR', (err as Error).message)
    post({type: 'error', seq: job.seq, code: e.code, message: e.message, hint: e.hint ?? '', data: e.data})
    return false
  }
}
