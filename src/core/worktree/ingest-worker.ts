/**
 * Worker thread of the parallel write path: reads, hashes and chunks files and sends the chunk
 * bytes back packed in segments, while the main thread writes SQLite. A shared counter bounds
 * the segments in flight, so memory stays bounded when SQLite is the slower side.
 */
import {parentPort, workerData} from 'node:worker_threads'
import {BlError} from '../errors.js'
import {SEGMENT_MAX} from '../chunk.js'
import {FileChunker, SegmentBuilder} from './file-chunker.js'
import type {WorkerReply, WorkerJob} from './ingest-protocol.js'

const port = parentPort!
const inflight = new Int32Array(workerData.inflight as SharedArrayBuffer)
const MAX_INFLIGHT = workerData.maxInflight as number
/** MAX_INFLIGHT + 1 segment slots of shared memory: one being filled, the rest in flight. */
const slots = (workerData.slots as SharedArrayBuffer[]).map((sab) => Buffer.from(sab))
let slot = -1
const chunker = new FileChunker()
const sent = new Set<string>()

function post(msg: WorkerReply): void {
  port.postMessage(msg)
}

let results: Array<Extract<WorkerReply, {type: 'file'}>['files'][number]> = []

/** File results go out in batches (one message per file costs more than hashing a 4 KiB file). */
function flushResults(): void {
  if (results.length === 0) return
  post({type: 'file', files: results})
  results = []
}

const segments = new SegmentBuilder(
  SEGMENT_MAX,
  (data, entries) => {
    flushResults()
    // Slots are used in turn and the main thread finishes them in order, so once fewer than
    // MAX_INFLIGHT are in flight the next slot is free.
    while (Atomics.load(inflight, 0) >= MAX_INFLIGHT) Atomics.wait(inflight, 0, Atomics.load(inflight, 0), 1000)
    Atomics.add(inflight, 0, 1)
    post({type: 'segment', slot, length: data.length, entries: entries.map((e) => ({id: e.id.toString('hex'), offset: e.offset, length: e.length}))})
  },
  () => slots[(slot = (slot + 1) % slots.length)]!,
)

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
    const res = chunker.chunkFile(job.abs, job.path, (id, view) => {
      const hex = id.toString('hex')
      if (sent.has(hex)) return
      sent.add(hex)
      segments.add(id, view)
    })
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
