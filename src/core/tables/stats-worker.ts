/**
 * Worker thread of the parallel CSV statistics: parses whole-record blocks of one file and
 * accumulates column statistics; the main thread merges the workers' accumulators.
 */
import {parentPort, workerData} from 'node:worker_threads'
import {CsvSplitter} from './csv.js'
import {ColumnAcc} from './stats.js'
import type {StatsJob, StatsReply} from './stats-protocol.js'

const port = parentPort!
const {delimiter, columns} = workerData as {delimiter: string; columns: number}
const accs = Array.from({length: columns}, () => new ColumnAcc())
let rows = 0
let failed = false
const PIECE = 128 * 1024

port.on('message', (job: StatsJob) => {
  if (job.type === 'end') {
    const reply: StatsReply = failed ? {type: 'fallback'} : {type: 'done', rows, columns: accs.map((a) => a.state())}
    port.postMessage(reply)
    return
  }
  if (failed) return port.postMessage({type: 'ack'} satisfies StatsReply)
  try {
    const block = Buffer.from(job.block.buffer, job.block.byteOffset, job.block.length)
    // An odd number of quotes: the block was cut inside a quoted field.
    if (quoteCount(block) % 2 === 1) throw new Error('cut inside quotes')
    const sp = new CsvSplitter(delimiter.charCodeAt(0), '')
    let skip = job.skipFirst
    // In small pieces: records are short-lived then, and die young (a 4 MiB block's records at
    // once would survive into the old generation and make the worker slower than one thread).
    for (let at = 0; at <= block.length; at += PIECE) {
      const recs = at + PIECE >= block.length ? [...sp.push(block.subarray(at), true), ...sp.end()] : sp.push(block.subarray(at, at + PIECE))
      for (const rec of recs) {
        if (skip) {
          skip = false
          continue
        }
        const cells = rec.fields
        // A ragged row (or a block cut inside quotes): the serial pass reports it with its line.
        if (cells.length !== columns) throw new Error('ragged')
        rows++
        for (let i = 0; i < columns; i++) accs[i]!.add(cells[i]!, true)
      }
      if (at + PIECE >= block.length) break
    }
  } catch {
    failed = true
  }
  port.postMessage({type: 'ack'} satisfies StatsReply)
})

function quoteCount(buf: Buffer): number {
  let n = 0
  for (let i = buf.indexOf(0x22); i >= 0; i = buf.indexOf(0x22, i + 1)) n++
  return n
}
