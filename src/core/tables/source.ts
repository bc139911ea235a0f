/**
 * Byte sources for table readers: a committed file (its chunks in the store, fetched first when
 * they live on a remote) or a file in the work tree. Range reads touch only the chunks they need,
 * so a Parquet footer is read without reading the file.
 */
import fs from 'node:fs'
import {chunkAt, chunkStarts} from '../chunk-offsets.js'
import {BlError, fsError} from '../errors.js'
import {hashHex, type Oid} from '../hash.js'
import {loadBlob, readFileChunks} from '../odb.js'
import type {ObjectStore} from '../store/types.js'
import type {ByteSource} from './types.js'

/** A committed file. The caller makes sure its content is local (ensureContent). */
export function blobSource(store: ObjectStore, id: Oid, name: string): ByteSource {
  const rec = loadBlob(store, id)
  const starts = chunkStarts(rec.chunks)
  const chunk = (i: number): Buffer => {
    const c = rec.chunks[i]!
    const data = store.getChunk(c.id as Oid)
    if (!data) throw new BlError('MISSING_OBJECT', `chunk ${c.id} of ${name} is missing`, {hint: 'Run `bl fsck`.', data: {id, chunk: c.id}})
    // A range read sees only some chunks, so each is checked against its own id.
    if (data.length !== c.len || hashHex(data) !== c.id) throw new BlError('CORRUPT_OBJECT', `chunk ${c.id} of ${name} is corrupted`, {hint: 'Run `bl fsck`.', data: {id, chunk: c.id}})
    return data
  }
  return {
    name,
    size: rec.size,
    async *stream() {
      yield* readFileChunks(store, id)
    },
    async read(start, end) {
      start = Math.max(0, start)
      end = Math.min(rec.size, end)
      if (end <= start) return Buffer.alloc(0)
      const parts: Buffer[] = []
      for (let i = chunkAt(starts, start); i < starts.length && starts[i]! < end; i++) {
        const data = chunk(i)
        const s = starts[i]!
        parts.push(data.subarray(Math.max(0, start - s), Math.min(data.length, end - s)))
      }
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
    },
  }
}

/** A file on disk (the work tree). */
export function fileSource(file: string, name = file): ByteSource {
  let size: number
  try {
    size = fs.statSync(file).size
  } catch (err) {
    throw fsError(err, file, 'reading')
  }
  return {
    name,
    size,
    async *stream() {
      const s = fs.createReadStream(file, {highWaterMark: 1 << 20})
      try {
        for await (const b of s) yield b as Buffer
      } catch (err) {
        throw fsError(err, file, 'reading')
      }
    },
    async read(start, end) {
      const len = Math.max(0, Math.min(size, end) - Math.max(0, start))
      const buf = Buffer.alloc(len)
      const fd = fs.openSync(file, 'r')
      try {
        let got = 0
        while (got < len) {
          const n = fs.readSync(fd, buf, got, len - got, start + got)
          if (n === 0) break
          got += n
        }
        return buf.subarray(0, got)
      } finally {
        fs.closeSync(fd)
      }
    },
  }
}
