/**
 * Blob record: maps a file id (BLAKE3 of the whole file) to its size and ordered chunk list.
 * Layout (docs/format/objects.md): 'B' 0x01 uvar(size) uvar(n) n × (id[32] uvar(len)).
 */
import {MAX_CHUNK} from '../chunk.js'
import {Reader, Writer, corrupt} from './bytes.js'

export interface ChunkRef {
  id: string
  len: number
}

export interface BlobRecord {
  size: number
  chunks: ChunkRef[]
}

export const BLOB_TAG = 0x42 // 'B'
const VERSION = 1

export function encodeBlob(rec: BlobRecord): Buffer {
  const w = new Writer(8 + rec.chunks.length * 36)
  w.u8(BLOB_TAG).u8(VERSION).uvar(rec.size).uvar(rec.chunks.length)
  for (const c of rec.chunks) w.id(c.id).uvar(c.len)
  return w.finish()
}

export function decodeBlob(bytes: Uint8Array): BlobRecord {
  const r = new Reader(bytes, 'blob record')
  if (r.u8() !== BLOB_TAG) throw corrupt('blob record', 'wrong type tag')
  if (r.u8() !== VERSION) throw corrupt('blob record', 'unsupported version')
  const size = r.uvar()
  const n = r.uvar()
  if (n > r.remaining / 33) throw corrupt('blob record', 'chunk count exceeds record length')
  const chunks: ChunkRef[] = []
  let total = 0
  for (let i = 0; i < n; i++) {
    const id = r.id()
    const len = r.uvar()
    if (len === 0 || len > MAX_CHUNK) throw corrupt('blob record', `chunk length ${len} out of range`)
    total += len
    chunks.push({id, len})
  }
  r.end()
  if (total !== size) throw corrupt('blob record', `chunks add up to ${total} bytes, record says ${size}`)
  return {size, chunks}
}
