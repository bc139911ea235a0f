/**
 * Statistics of a big CSV on every core: the main thread reads the file once and cuts it into
 * blocks of whole records, the workers parse and accumulate, and their accumulators are merged.
 * Blocks are cut after a line feed; a cut must not fall inside a quoted field. With RFC 4180
 * quoting a position is inside quotes exactly when an odd number of `"` precede it, so each worker
 * counts the quotes of its blocks: an odd count means a cut inside quotes. That, a ragged row or
 * an unclosed quote makes the caller redo the scan serially, which reports any real problem with
 * its line number. (A stray `"` inside an unquoted field, which the parser keeps as text, upsets
 * the count and only costs the parallel speed-up.)
 */
import os from 'node:os'
import {Worker} from 'node:worker_threads'
import type {ColumnState, ParallelScan} from './stats.js'
import type {StatsJob, StatsReply} from './stats-protocol.js'
import type {ByteSource, TableReader} from './types.js'

/** Below this the serial scan is as fast as starting workers. */
export const PARALLEL_STATS_MIN_BYTES = 32 * 1024 * 1024
const BLOCK_BYTES = 4 * 1024 * 1024
const INFLIGHT_PER_WORKER = 2
const LF = 0x0a

/** The worker's built module (package.json "imports": this code is bundled elsewhere, or run from its sources in tests). */
const WORKER_URL = new URL(import.meta.resolve('#stats-worker'))

export interface ParallelScanOptions {
  /** Workers; default: the cores, at most 4. */
  threads?: number
  /** Smallest file scanned in parallel; default PARALLEL_STATS_MIN_BYTES. */
  minBytes?: number
  /** Bytes per block handed to a worker (then cut after a line feed); default 4 MiB. */
  blockBytes?: number
}

/** Sizes are options so tests can cut a few MB into many blocks instead of generating 32 MiB. */
export function parallelCsvScan(src: ByteSource, opts: ParallelScanOptions = {}): ParallelScan {
  const {threads = Math.min(os.availableParallelism(), 4), minBytes = PARALLEL_STATS_MIN_BYTES, blockBytes = BLOCK_BYTES} = opts
  return async (reader: TableReader) => {
    if ((reader.format !== 'csv' && reader.format !== 'tsv') || !reader.delimiter || src.size < minBytes || threads < 2) return null
    return scan(src, reader, threads, blockBytes)
  }
}

interface Slot {
  worker: Worker
  inflight: number
  acked: Array<() => void>
  result: Promise<StatsReply>
}

async function scan(src: ByteSource, reader: TableReader, threads: number, blockBytes: number): Promise<{rows: number; parts: ColumnState[][]} | null> {
  let broken = false
  const slots: Slot[] = Array.from({length: threads}, () => {
    const worker = new Worker(WORKER_URL, {workerData: {delimiter: reader.delimiter, columns: reader.columns.length}})
    const slot: Slot = {worker, inflight: 0, acked: [], result: Promise.resolve({type: 'fallback'})}
    slot.result = new Promise<StatsReply>((resolve) => {
      worker.on('message', (m: StatsReply) => {
        if (m.type === 'ack') {
          slot.inflight--
          slot.acked.shift()?.()
        } else resolve(m)
      })
      worker.on('error', () => {
        broken = true
        resolve({type: 'fallback'})
        for (const f of slot.acked.splice(0)) f()
      })
    })
    return slot
  })
  try {
    let parts: Buffer[] = []
    let size = 0
    let first = true
    /** Hands `buf` (which owns its memory) to the least busy worker; moved, not copied. */
    const send = async (buf: Buffer, length: number): Promise<void> => {
      const slot = slots.reduce((a, b) => (b.inflight < a.inflight ? b : a))
      if (slot.inflight >= INFLIGHT_PER_WORKER) await new Promise<void>((r) => slot.acked.push(r))
      slot.inflight++
      const block = new Uint8Array(buf.buffer, buf.byteOffset, length)
      slot.worker.postMessage({type: 'block', block, skipFirst: first && reader.header === true} satisfies StatsJob, buf.byteOffset === 0 && buf.buffer.byteLength === buf.length ? [buf.buffer as ArrayBuffer] : [])
      first = false
    }
    for await (const chunk of src.stream()) {
      parts.push(chunk)
      size += chunk.length
      if (size < blockBytes) continue
      // Cut after the last line feed; the workers check it was not inside quotes.
      const buf = Buffer.concat(parts, size)
      const nl = buf.lastIndexOf(LF)
      if (nl < 0) {
        parts = [buf]
        continue
      }
      const rest = Buffer.from(buf.subarray(nl + 1))
      await send(buf, nl + 1)
      parts = rest.length ? [rest] : []
      size = rest.length
      if (broken) return null
    }
    if (size) {
      const buf = Buffer.concat(parts, size)
      await send(buf, buf.length)
    }
    for (const s of slots) s.worker.postMessage({type: 'end'} satisfies StatsJob)
    const replies = await Promise.all(slots.map((s) => s.result))
    if (broken || replies.some((r) => r.type !== 'done')) return null
    const done = replies as Array<Extract<StatsReply, {type: 'done'}>>
    return {rows: done.reduce((n, r) => n + r.rows, 0), parts: done.map((r) => r.columns)}
  } finally {
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }
}
